// The Executors tab: active tasks against cores over the cell's window (step lines on a <canvas>), with markers
// where executors were added or removed.
import { layoutActivity, IActivityLayout, IPoint } from './activity';
import { el } from './job-rows';
import { prepareCanvas, readColors } from './theme';
import { CanvasPane } from './canvas-pane';

const HEIGHT = 180;

export class ExecutorsChart extends CanvasPane {
  readonly node = el('div', 'sm-executors');

  constructor() {
    super();
    const legend = this._legend;
    legend.append(
      el('span', 'sm-legend-active', 'active tasks'),
      el('span', 'sm-legend-cores', 'cores'),
      el('span', 'sm-legend-added', 'executor added'),
      el('span', 'sm-legend-removed', 'executor removed')
    );
    this.node.append(this._note, legend, this._canvas, this._markers);
    this.watchWidth(this.node);
  }

  redraw(): void {
    const state = this.state;
    this.node.dataset.state = state.state;
    const drawn = state.state === 'ready' && state.timeline.apps.length > 0;
    this._canvas.hidden = this._legend.hidden = this._markers.hidden = !drawn;
    if (state.state !== 'ready') {
      this._note.textContent =
        state.state === 'unavailable'
          ? state.reason
          : state.state === 'loading'
            ? 'Loading executor activity…'
            : '';
      this._note.classList.toggle('sm-error', state.state === 'unavailable');
      return;
    }
    this._note.classList.remove('sm-error');
    const apps = state.timeline.apps;
    const executors = apps.reduce((n, a) => n + a.executors.length, 0);
    const maxCores = Math.max(
      0,
      ...apps.flatMap(a => a.activity.map(p => p.cores))
    );
    this.node.dataset.maxCores = String(maxCores);
    this.node.dataset.maxActive = String(
      Math.max(0, ...apps.flatMap(a => a.activity.map(p => p.activeTasks)))
    );
    this._note.textContent = apps.length
      ? `${executors} executor${executors === 1 ? '' : 's'} · ${maxCores} cores at most`
      : 'No Spark jobs of this cell on the monitor.';
    const width = this.node.clientWidth;
    if (width === 0 || !apps.length) {
      return;
    }
    this.drawnWidth = width;
    const layout = layoutActivity(apps, {
      width,
      height: HEIGHT,
      now: state.fetchedAt
    });
    const ctx = prepareCanvas(this._canvas, width, HEIGHT);
    if (ctx) {
      this._draw(ctx, layout);
    }
    this.node.dataset.points = String(layout.points);
    this.node.dataset.markers = String(layout.markers.length);
    // The markers' explanations, for hover (a bounded list: at most 2 per executor, 1000 executors per app).
    this._markers.replaceChildren(
      ...layout.markers.slice(0, 200).map(m => {
        const mark = el('span', `sm-marker sm-marker-${m.kind}`);
        mark.style.left = `${m.x - 4}px`;
        mark.title = m.label;
        return mark;
      })
    );
  }

  private _draw(ctx: CanvasRenderingContext2D, layout: IActivityLayout): void {
    const colors = readColors(this.node);
    const right = layout.plotLeft + layout.plotWidth;
    const bottom = layout.plotTop + layout.plotHeight;
    ctx.font = colors.font;
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.grid;
    ctx.fillStyle = colors.textMuted;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.beginPath();
    for (const t of layout.yTicks) {
      const y = Math.round(t.y) + 0.5;
      ctx.moveTo(layout.plotLeft, y);
      ctx.lineTo(right, y);
      ctx.fillText(t.label, layout.plotLeft - 4, y);
    }
    ctx.stroke();
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    for (const t of layout.xTicks) {
      ctx.fillText(t.label, t.x + 2, bottom + 4);
    }
    const line = (
      points: IPoint[],
      color: string,
      width: number,
      dash: number[]
    ) => {
      if (points.length < 2) {
        return;
      }
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(points[0].x, points[0].y);
      for (const p of points.slice(1)) {
        ctx.lineTo(p.x, p.y);
      }
      ctx.stroke();
    };
    for (const s of layout.series) {
      line(s.cores, colors.textMuted, 1, [4, 3]);
      line(s.active, colors.running, 2, []);
    }
    ctx.setLineDash([]);
    ctx.lineWidth = 1;
    for (const m of layout.markers) {
      ctx.strokeStyle = m.kind === 'added' ? colors.success : colors.failed;
      ctx.beginPath();
      ctx.moveTo(Math.round(m.x) + 0.5, layout.plotTop);
      ctx.lineTo(Math.round(m.x) + 0.5, bottom);
      ctx.stroke();
    }
  }

  private readonly _note = el('div', 'sm-executors-note');
  private readonly _legend = el('div', 'sm-executors-legend');
  private readonly _canvas = el('canvas', 'sm-executors-canvas');
  private readonly _markers = el('div', 'sm-executor-markers');
}
