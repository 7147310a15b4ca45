// What the Timeline and Executors tabs share: the last state they were shown, and a redraw when the width they were
// drawn at changes (a resize, or the tab becoming visible).
import { TimelineState } from './timeline-source';

export abstract class CanvasPane {
  /** Shows a new state of the cell's timeline data. */
  show(state: TimelineState): void {
    this._state = state;
    this.redraw();
  }

  /** Draws again (new data, a resize or a theme change). */
  abstract redraw(): void;

  dispose(): void {
    this._resize?.disconnect();
  }

  /** Redraws whenever `sized`'s width differs from the width last drawn at (`drawnWidth`). */
  protected watchWidth(sized: HTMLElement): void {
    this._resize = new ResizeObserver(() => {
      if (sized.clientWidth !== this.drawnWidth) {
        this.redraw();
      }
    });
    this._resize.observe(sized);
  }

  protected get state(): TimelineState {
    return this._state;
  }

  protected drawnWidth = -1;
  private _state: TimelineState = { state: 'empty' };
  private _resize: ResizeObserver | null = null;
}
