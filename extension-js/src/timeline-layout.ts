// Layout of the Timeline tab: where each job, stage and task span goes on the canvas. No DOM: unit-tested in Node.
// Jobs and stages are packed into a few rows on top; below, one lane per executor holds its task spans packed into
// slots (at most one per core).
import { TaskSpan, TimelineApp, TimelineJob, TimelineStage } from './api';
import { formatDuration } from './format';

export type ColorKey = 'running' | 'success' | 'failed' | 'killed' | 'pending';

export type BarRef =
  | { kind: 'job'; appId: string; job: TimelineJob }
  | { kind: 'stage'; appId: string; stage: TimelineStage }
  | { kind: 'task'; appId: string; task: TaskSpan };

export interface IBar {
  x: number;
  y: number;
  w: number;
  h: number;
  color: ColorKey;
  ref: BarRef;
}

export interface ILane {
  kind: 'jobs' | 'stages' | 'executor';
  label: string;
  y: number;
  h: number;
  /** For executor lanes: when it was removed (drawn as a marker), if it was. */
  removedTime?: number | null;
}

export interface ITimelineLayout {
  t0: number;
  t1: number;
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  lanes: ILane[];
  /** Jobs, then stages, then tasks: drawn in this order. */
  bars: IBar[];
  ticks: { x: number; label: string }[];
  tasksDrawn: number;
  tasksTotal: number;
  sampled: boolean;
  /** Executor lanes. */
  numLanes: number;
}

export interface ILayoutOptions {
  width: number;
  now: number;
  labelWidth?: number;
  /** Height of a job or stage row. */
  rowHeight?: number;
  /** Executor lanes are fitted in about this height (slots get thinner, down to 2 px, beyond it the canvas grows). */
  targetLaneHeight?: number;
}

export const AXIS_HEIGHT = 18;
const GAP = 3;
const MAX_JOB_ROWS = 4;
const MAX_STAGE_ROWS = 6;
const MAX_SLOTS = 16;

export function statusColor(status: string): ColorKey {
  switch (status) {
    case 'RUNNING':
    case 'ACTIVE':
      return 'running';
    case 'SUCCEEDED':
    case 'SUCCESS':
    case 'COMPLETE':
    case 'COMPLETED':
      return 'success';
    case 'FAILED':
      return 'failed';
    case 'KILLED':
    case 'CANCELLED':
      return 'killed';
    default:
      return 'pending';
  }
}

/**
 * Greedy interval packing: the slot of each interval (in input order) so that intervals in one slot do not overlap;
 * at most `maxSlots` slots, beyond which an interval goes to the slot that frees first.
 */
export function packIntervals(
  intervals: { start: number; end: number }[],
  maxSlots: number
): { slots: number[]; count: number } {
  const order = intervals
    .map((_, i) => i)
    .sort((a, b) => intervals[a].start - intervals[b].start);
  const ends: number[] = [];
  const slots = new Array<number>(intervals.length);
  for (const i of order) {
    const { start, end } = intervals[i];
    let slot = ends.findIndex(e => e <= start);
    if (slot < 0) {
      if (ends.length < maxSlots) {
        slot = ends.length;
        ends.push(end);
      } else {
        slot = ends.indexOf(Math.min(...ends));
      }
    }
    ends[slot] = Math.max(ends[slot] ?? end, end);
    slots[i] = slot;
  }
  return { slots, count: ends.length };
}

/** A time-axis step of 1, 2 or 5 × 10^n ms (or whole seconds/minutes/hours) giving about `target` ticks. */
export function niceStep(span: number, target: number): number {
  const steps = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000,
    30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
    7_200_000, 21_600_000, 43_200_000, 86_400_000
  ];
  const wanted = span / Math.max(1, target);
  return steps.find(s => s >= wanted) ?? steps[steps.length - 1];
}

/** The line shown above the timeline when tasks were sampled, else null. */
export function samplingNote(apps: TimelineApp[]): string | null {
  if (!apps.some(a => a.sampled)) {
    return null;
  }
  const drawn = apps.reduce((n, a) => n + a.tasks.length, 0);
  const total = apps.reduce((n, a) => n + a.numTasks, 0);
  return `showing ${drawn} of ${total} tasks (sampled)`;
}

export function layoutTimeline(
  apps: TimelineApp[],
  opts: ILayoutOptions
): ITimelineLayout {
  const labelWidth = opts.labelWidth ?? 120;
  const rowHeight = opts.rowHeight ?? 10;
  const plotLeft = labelWidth;
  const plotWidth = Math.max(10, opts.width - labelWidth - 8);
  const now = opts.now;
  const t0 = apps.length ? Math.min(...apps.map(a => a.start)) : now;
  let t1 = apps.length ? Math.max(...apps.map(a => a.end ?? now)) : now;
  for (const app of apps) {
    for (const task of app.tasks) {
      t1 = Math.max(t1, task.end ?? now);
    }
  }
  if (t1 <= t0) {
    t1 = t0 + 1;
  }
  const scale = plotWidth / (t1 - t0);
  const x = (t: number) =>
    plotLeft + (Math.min(Math.max(t, t0), t1) - t0) * scale;
  const lanes: ILane[] = [];
  const bars: IBar[] = [];
  let y = AXIS_HEIGHT;
  const span = (start: number | null, end: number | null) => ({
    start: start ?? now,
    end: end ?? now
  });
  const place = (
    start: number,
    end: number,
    top: number,
    h: number,
    color: ColorKey,
    ref: BarRef
  ) => {
    const x0 = x(start);
    bars.push({ x: x0, y: top, w: Math.max(1, x(end) - x0), h, color, ref });
  };

  // Jobs, then stages, packed into rows.
  const jobs = apps.flatMap(a =>
    a.jobs.map(job => ({ appId: a.appId, job, ...span(job.start, job.end) }))
  );
  const jobPack = packIntervals(jobs, MAX_JOB_ROWS);
  if (jobs.length) {
    const h = jobPack.count * (rowHeight + 1);
    lanes.push({ kind: 'jobs', label: `jobs (${jobs.length})`, y, h });
    jobs.forEach((j, i) =>
      place(
        j.start,
        j.end,
        y + jobPack.slots[i] * (rowHeight + 1),
        rowHeight,
        statusColor(j.job.status),
        {
          kind: 'job',
          appId: j.appId,
          job: j.job
        }
      )
    );
    y += h + GAP;
  }
  const stages = apps.flatMap(a =>
    a.stages
      .filter(s => s.start !== null)
      .map(stage => ({
        appId: a.appId,
        stage,
        ...span(stage.start, stage.end)
      }))
  );
  const stagePack = packIntervals(stages, MAX_STAGE_ROWS);
  if (stages.length) {
    const h = stagePack.count * (rowHeight + 1);
    lanes.push({ kind: 'stages', label: `stages (${stages.length})`, y, h });
    stages.forEach((s, i) =>
      place(
        s.start,
        s.end,
        y + stagePack.slots[i] * (rowHeight + 1),
        rowHeight,
        statusColor(s.stage.status),
        {
          kind: 'stage',
          appId: s.appId,
          stage: s.stage
        }
      )
    );
    y += h + GAP;
  }

  // One lane per executor (and per app, when the cell ran in more than one), its tasks packed into slots.
  const executorLanes: {
    label: string;
    removedTime: number | null;
    tasks: TaskSpan[];
    slots: number[];
    count: number;
    appId: string;
  }[] = [];
  let tasksDrawn = 0;
  for (const app of apps) {
    const byExecutor = new Map<string, TaskSpan[]>();
    for (const e of app.executors) {
      byExecutor.set(e.executorId, []);
    }
    for (const task of app.tasks) {
      let list = byExecutor.get(task.executorId);
      if (!list) {
        list = [];
        byExecutor.set(task.executorId, list);
      }
      list.push(task);
    }
    const infos = new Map(app.executors.map(e => [e.executorId, e]));
    for (const [executorId, tasks] of byExecutor) {
      const info = infos.get(executorId);
      const maxSlots = Math.min(
        MAX_SLOTS,
        Math.max(1, info?.cores || MAX_SLOTS)
      );
      const pack = packIntervals(
        tasks.map(t => span(t.start, t.end)),
        maxSlots
      );
      const label = `${executorId === 'driver' ? 'driver' : `executor ${executorId}`}${apps.length > 1 ? ` · ${app.appId}` : ''}`;
      executorLanes.push({
        label,
        removedTime: info?.removedTime ?? null,
        tasks,
        ...pack,
        appId: app.appId
      });
      tasksDrawn += tasks.length;
    }
  }
  // Many lanes (up to 1000 executors) get thinner slots and gaps, so the canvas stays a few thousand pixels at most.
  const totalSlots = executorLanes.reduce(
    (n, l) => n + Math.max(1, l.count),
    0
  );
  const target = opts.targetLaneHeight ?? 240;
  const laneGap = executorLanes.length > 60 ? 1 : GAP;
  const minSlot = executorLanes.length > 60 ? 1 : 2;
  const slotHeight = Math.max(
    minSlot,
    Math.min(
      8,
      Math.floor(
        (target - executorLanes.length * laneGap) / Math.max(1, totalSlots)
      )
    )
  );
  for (const lane of executorLanes) {
    const h = Math.max(1, lane.count) * slotHeight;
    lanes.push({
      kind: 'executor',
      label: lane.label,
      y,
      h,
      removedTime: lane.removedTime
    });
    lane.tasks.forEach((task, i) => {
      const s = span(task.start, task.end);
      place(
        s.start,
        s.end,
        y + lane.slots[i] * slotHeight,
        Math.max(1, slotHeight - 1),
        statusColor(task.status),
        {
          kind: 'task',
          appId: lane.appId,
          task
        }
      );
    });
    y += h + laneGap;
  }

  const step = niceStep(t1 - t0, plotWidth / 90);
  const ticks = [];
  for (let t = 0; t <= t1 - t0; t += step) {
    ticks.push({
      x: plotLeft + t * scale,
      label: t === 0 ? '0' : `+${formatDuration(t)}`
    });
  }
  return {
    t0,
    t1,
    width: opts.width,
    height: y + 2,
    plotLeft,
    plotWidth,
    lanes,
    bars,
    ticks,
    tasksDrawn,
    tasksTotal: apps.reduce((n, a) => n + a.numTasks, 0),
    sampled: apps.some(a => a.sampled),
    numLanes: executorLanes.length
  };
}

/** The bar under the point (x, y), the last drawn first; thin bars get a pixel of slack. */
export function hitTest(
  layout: ITimelineLayout,
  x: number,
  y: number
): IBar | null {
  for (let i = layout.bars.length - 1; i >= 0; i--) {
    const b = layout.bars[i];
    if (y >= b.y && y < b.y + b.h + 1 && x >= b.x - 1 && x <= b.x + b.w + 1) {
      return b;
    }
  }
  return null;
}

/** The tooltip text of a bar. */
export function describeBar(ref: BarRef, now: number): string {
  const duration = (start: number | null, end: number | null) =>
    start === null
      ? ''
      : `${formatDuration((end ?? now) - start)}${end === null ? ' so far' : ''}`;
  switch (ref.kind) {
    case 'job':
      return `Job ${ref.job.jobId} · ${ref.job.status} · ${duration(ref.job.start, ref.job.end)}\n${ref.job.name}`;
    case 'stage':
      return `Stage ${ref.stage.stageId}.${ref.stage.attemptId} (job ${ref.stage.jobId}) · ${ref.stage.status} · ${duration(ref.stage.start, ref.stage.end)}\n${ref.stage.name}`;
    case 'task':
      return (
        `Task ${ref.task.index}.${ref.task.attempt} (id ${ref.task.taskId}) of stage ${ref.task.stageId}.${ref.task.stageAttemptId}` +
        ` · ${ref.task.status} · ${duration(ref.task.start, ref.task.end)}\n` +
        `executor ${ref.task.executorId} on ${ref.task.host}`
      );
  }
}
