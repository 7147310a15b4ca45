// Colours for the canvases, read from JupyterLab's CSS variables so light and dark themes are right, and a watcher
// that redraws when the theme changes.

/** The theme colours the charts use. */
export interface IChartColors {
  running: string;
  success: string;
  failed: string;
  killed: string;
  pending: string;
  text: string;
  textMuted: string;
  grid: string;
  background: string;
  font: string;
}

/** Reads the colours from the CSS variables in effect at `node`. */
export function readColors(node: Element): IChartColors {
  const style = getComputedStyle(node);
  const v = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  return {
    running: v('--jp-brand-color1', '#1976d2'),
    success: v('--jp-success-color1', '#388e3c'),
    failed: v('--jp-error-color1', '#d32f2f'),
    killed: v('--jp-warn-color1', '#f57c00'),
    pending: v('--jp-border-color2', '#bdbdbd'),
    text: v('--jp-ui-font-color1', '#212121'),
    textMuted: v('--jp-ui-font-color2', '#616161'),
    grid: v('--jp-border-color2', '#e0e0e0'),
    background: v('--jp-layout-color1', '#ffffff'),
    font: `${v('--jp-ui-font-size0', '11px')} ${v('--jp-ui-font-family', 'sans-serif')}`
  };
}

/** Calls `onChange` when JupyterLab switches theme (the body's data-jp-theme-* attributes). Disconnect on dispose. */
export class ThemeWatcher {
  constructor(onChange: () => void) {
    // Redrawn on the next frame, once the new theme's CSS variables are in effect.
    this._observer = new MutationObserver(() => {
      cancelAnimationFrame(this._frame);
      this._frame = requestAnimationFrame(() => onChange());
    });
    this._observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name']
    });
  }

  dispose(): void {
    this._observer.disconnect();
    cancelAnimationFrame(this._frame);
  }

  private readonly _observer: MutationObserver;
  private _frame = 0;
}

/** Sizes a canvas to its CSS size times devicePixelRatio and returns a context drawing in CSS pixels. */
export function prepareCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number
): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
  }
  return ctx;
}
