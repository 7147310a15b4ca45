// The Timeline tab: jobs and stages on top, then one lane per executor with its task spans, on one <canvas> drawn in
// one pass (no per-task DOM), with a hover tooltip.
import { el } from './job-rows';
import { IChartColors, prepareCanvas, readColors } from './theme';
import {
  AXIS_HEIGHT,
  IBar,
  ColorKey,
  describeBar,
  hitTest,
  layoutTimeline,
  samplingNote,
  ITimelineLayout
} from './timeline-layout';
import { CanvasPane } from './canvas-pane';

const COLOR_ORDER: ColorKey[] = [
  'pending',
  'success',
  'killed',
  'failed',
  'running'
];

export class TimelineView extends CanvasPane {
  readonly node = el('div', 'sm-timeline');

  constructor() {
    super();
    this._scroll.appendChild(this._canvas);
    this.node.append(this._note, this._scroll, this._tooltip);
    this._tooltip.hidden = true;
    this._canvas.addEventListener('mousemove', this._onMove);
    this._canvas.addEventListener('mouseleave', this._onLeave);
    this.watchWidth(this._scroll);
  }

  /** Draws again (new data, a resize or a theme change). Does nothing while hidden (zero width). */
  redraw(): void {
    const state = this.state;
    this.node.dataset.state = state.state;
    const width = this._scroll.clientWidth; // without the vertical scrollbar (its gutter is always reserved)
    if (state.state !== 'ready') {
      this._note.textContent =
        state.state === 'unavailable'
          ? state.reason
          : state.state === 'loading'
            ? 'Loading the timeline…'
            : '';
      this._note.classList.toggle('sm-error', state.state === 'unavailable');
      if (state.state !== 'loading') {
        this._layout = null;
        this._canvas.hidden = true;
      }
      return;
    }
    this._note.classList.remove('sm-error');
    const apps = state.timeline.apps;
    if (!apps.length) {
      this._note.textContent = 'No Spark jobs of this cell on the monitor.';
      this._canvas.hidden = true;
      this._layout = null;
      return;
    }
    this._note.textContent = samplingNote(apps) ?? '';
    if (width === 0) {
      return; // hidden: drawn when shown (the resize observer fires)
    }
    const colors = readColors(this.node);
    const layout = layoutTimeline(apps, { width, now: state.fetchedAt });
    this._layout = layout;
    this._now = state.fetchedAt;
    this.drawnWidth = width;
    this._canvas.hidden = false;
    const ctx = prepareCanvas(this._canvas, width, layout.height);
    if (ctx) {
      draw(ctx, layout, colors);
    }
    this.node.dataset.tasksDrawn = String(layout.tasksDrawn);
    this.node.dataset.tasksTotal = String(layout.tasksTotal);
    this.node.dataset.lanes = String(layout.numLanes);
    this.node.dataset.sampled = String(layout.sampled);
  }

  dispose(): void {
    super.dispose();
    this._canvas.removeEventListener('mousemove', this._onMove);
    this._canvas.removeEventListener('mouseleave', this._onLeave);
    this._layout = null;
  }

  private _onMove = (ev: MouseEvent): void => {
    const bar: IBar | null = this._layout
      ? hitTest(this._layout, ev.offsetX, ev.offsetY)
      : null;
    if (!bar) {
      this._tooltip.hidden = true;
      return;
    }
    this._tooltip.textContent = describeBar(bar.ref, this._now);
    this._tooltip.dataset.kind = bar.ref.kind;
    this._tooltip.hidden = false;
    const box = this.node.getBoundingClientRect();
    const left = Math.min(
      ev.clientX - box.left + 12,
      Math.max(0, box.width - 320)
    );
    this._tooltip.style.left = `${left}px`;
    this._tooltip.style.top = `${ev.clientY - box.top + 14}px`;
  };

  private _onLeave = (): void => {
    this._tooltip.hidden = true;
  };

  private readonly _note = el('div', 'sm-timeline-note');
  private readonly _scroll = el('div', 'sm-timeline-scroll');
  private readonly _canvas = el('canvas', 'sm-timeline-canvas');
  private readonly _tooltip = el('div', 'sm-tooltip');
  private _layout: ITimelineLayout | null = null;
  private _now = 0;
}

function draw(
  ctx: CanvasRenderingContext2D,
  layout: ITimelineLayout,
  colors: IChartColors
): void {
  ctx.font = colors.font;
  ctx.textBaseline = 'middle';
  // Time axis and grid.
  ctx.fillStyle = colors.textMuted;
  ctx.strokeStyle = colors.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const tick of layout.ticks) {
    const x = Math.round(tick.x) + 0.5;
    ctx.moveTo(x, AXIS_HEIGHT - 4);
    ctx.lineTo(x, layout.height);
  }
  ctx.stroke();
  ctx.textAlign = 'left';
  for (const tick of layout.ticks) {
    ctx.fillText(tick.label, tick.x + 2, AXIS_HEIGHT / 2);
  }
  // Lane labels and separators.
  ctx.beginPath();
  for (const lane of layout.lanes) {
    const y = Math.round(lane.y + lane.h + 1) + 0.5;
    ctx.moveTo(0, y);
    ctx.lineTo(layout.width, y);
  }
  ctx.stroke();
  ctx.fillStyle = colors.text;
  for (const lane of layout.lanes) {
    ctx.fillText(
      lane.label,
      4,
      lane.y + Math.min(lane.h, 12) / 2,
      layout.plotLeft - 8
    );
  }
  // Bars, one fill colour at a time.
  const buckets = new Map<ColorKey, IBar[]>(COLOR_ORDER.map(c => [c, []]));
  for (const bar of layout.bars) {
    buckets.get(bar.color)!.push(bar);
  }
  for (const color of COLOR_ORDER) {
    ctx.fillStyle = colors[color];
    for (const b of buckets.get(color)!) {
      ctx.fillRect(b.x, b.y, b.w, b.h);
    }
  }
  // Executors removed during the window.
  ctx.strokeStyle = colors.failed;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (const lane of layout.lanes) {
    if (
      lane.kind === 'executor' &&
      lane.removedTime !== null &&
      lane.removedTime !== undefined
    ) {
      const t = Math.min(Math.max(lane.removedTime, layout.t0), layout.t1);
      const x =
        layout.plotLeft +
        ((t - layout.t0) / (layout.t1 - layout.t0)) * layout.plotWidth;
      ctx.moveTo(x, lane.y);
      ctx.lineTo(x, lane.y + Math.max(lane.h, 6));
    }
  }
  ctx.stroke();
}
