// Layout of the Executors tab: active tasks against cores over the cell's window as step lines, with markers where
// executors were added or removed. No DOM: unit-tested in Node.
import { ActivityPoint, TimelineApp } from './api';
import { niceStep } from './timeline-layout';
import { formatDuration } from './format';

export interface IPoint {
  x: number;
  y: number;
}

export interface IExecutorMarker {
  x: number;
  kind: 'added' | 'removed';
  label: string;
}

export interface IActivityLayout {
  plotLeft: number;
  plotTop: number;
  plotWidth: number;
  plotHeight: number;
  yMax: number;
  /** Per app: the step lines of active tasks and of cores. */
  series: { active: IPoint[]; cores: IPoint[] }[];
  markers: IExecutorMarker[];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  /** Activity points drawn (sum over apps). */
  points: number;
}

export interface IActivityOptions {
  width: number;
  height: number;
  now: number;
  left?: number;
}

/** The polyline of a step series: each value holds until the next point, the last one until `end`. */
export function stepLine(
  points: ActivityPoint[],
  value: (p: ActivityPoint) => number,
  end: number,
  x: (t: number) => number,
  y: (v: number) => number
): IPoint[] {
  const out: IPoint[] = [];
  points.forEach((p, i) => {
    const v = y(value(p));
    if (i > 0) {
      out.push({ x: x(p.time), y: out[out.length - 1].y });
    }
    out.push({ x: x(p.time), y: v });
    if (i === points.length - 1) {
      out.push({ x: x(Math.max(end, p.time)), y: v });
    }
  });
  return out;
}

export function layoutActivity(
  apps: TimelineApp[],
  opts: IActivityOptions
): IActivityLayout {
  const plotLeft = opts.left ?? 40;
  const plotTop = 8;
  const plotWidth = Math.max(10, opts.width - plotLeft - 8);
  const plotHeight = Math.max(10, opts.height - plotTop - 20);
  const now = opts.now;
  const t0 = apps.length ? Math.min(...apps.map(a => a.start)) : now;
  let t1 = apps.length ? Math.max(...apps.map(a => a.end ?? now)) : now;
  if (t1 <= t0) {
    t1 = t0 + 1;
  }
  let yMax = 1;
  for (const app of apps) {
    for (const p of app.activity) {
      yMax = Math.max(yMax, p.activeTasks, p.cores);
    }
  }
  const x = (t: number) =>
    plotLeft + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plotWidth;
  const y = (v: number) => plotTop + plotHeight - (v / yMax) * plotHeight;
  const series = apps.map(app => {
    const end = app.end ?? now;
    return {
      active: stepLine(app.activity, p => p.activeTasks, end, x, y),
      cores: stepLine(app.activity, p => p.cores, end, x, y)
    };
  });
  const markers: IExecutorMarker[] = [];
  for (const app of apps) {
    for (const e of app.executors) {
      const name =
        e.executorId === 'driver' ? 'driver' : `executor ${e.executorId}`;
      if (e.addedTime !== null && e.addedTime >= t0 && e.addedTime <= t1) {
        markers.push({
          x: x(e.addedTime),
          kind: 'added',
          label: `${name} added (${e.cores} cores, ${e.host})`
        });
      }
      if (
        e.removedTime !== null &&
        e.removedTime >= t0 &&
        e.removedTime <= t1
      ) {
        const why = e.removedReason ? `: ${e.removedReason}` : '';
        markers.push({
          x: x(e.removedTime),
          kind: 'removed',
          label: `${name} removed${why}`
        });
      }
    }
  }
  const step = niceStep(t1 - t0, plotWidth / 90);
  const xTicks = [];
  for (let t = 0; t <= t1 - t0; t += step) {
    xTicks.push({
      x: x(t0 + t),
      label: t === 0 ? '0' : `+${formatDuration(t)}`
    });
  }
  const yStep = Math.max(1, niceStep(yMax, 4));
  const yTicks = [];
  for (let v = 0; v <= yMax; v += yStep) {
    yTicks.push({ y: y(v), label: String(v) });
  }
  return {
    plotLeft,
    plotTop,
    plotWidth,
    plotHeight,
    yMax,
    series,
    markers,
    xTicks,
    yTicks,
    points: apps.reduce((n, a) => n + a.activity.length, 0)
  };
}
