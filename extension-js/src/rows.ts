// The jobs table as fixed-height rows, and which of them a scroll position shows. No DOM: unit-tested in Node.
import { FailureReason, Hint, Job, Stage } from './api';
import { IJobGroup, jobKey } from './model';

/** Height of every row of the jobs table (and of its header), in CSS pixels; style/index.css uses the same. */
export const ROW_HEIGHT = 24;
/** Rows the scroll container shows at most before it scrolls. */
export const MAX_VISIBLE_ROWS = 15;
/** Rows rendered above and below the visible ones, so fast scrolling shows no blank. */
export const OVERSCAN = 10;

export type Row =
  | { kind: 'sql'; key: string; group: IJobGroup }
  | { kind: 'job'; key: string; job: Job; expanded: boolean }
  | { kind: 'stage'; key: string; job: Job; stage: Stage }
  | { kind: 'hint'; key: string; job: Job; hint: Hint }
  | {
      kind: 'failure';
      key: string;
      job: Job;
      failure: FailureReason;
      index: number;
    };

/**
 * Flattens a cell's job groups into rows: a header row per SQL query, then per job its row, its stages when expanded,
 * its hints, and its failure reasons when expanded or failed.
 */
export function flattenRows(
  groups: IJobGroup[],
  expanded: ReadonlySet<string>
): Row[] {
  const rows: Row[] = [];
  for (const group of groups) {
    if (group.executionId !== null) {
      rows.push({
        kind: 'sql',
        key: `sql:${group.appId}:${group.executionId}`,
        group
      });
    }
    for (const job of group.jobs) {
      const key = jobKey(job);
      const open = expanded.has(key);
      rows.push({ kind: 'job', key, job, expanded: open });
      if (open) {
        for (const stage of job.stages) {
          rows.push({
            kind: 'stage',
            key: `${key}:stage:${stage.stageId}.${stage.attemptId}`,
            job,
            stage
          });
        }
      }
      for (const hint of job.hints ?? []) {
        rows.push({
          kind: 'hint',
          key: `${key}:hint:${hint.kind}:${hint.stageId}.${hint.attemptId}`,
          job,
          hint
        });
      }
      if (open || job.status === 'FAILED') {
        (job.failures ?? []).forEach((failure, index) =>
          rows.push({
            kind: 'failure',
            key: `${key}:failure:${index}`,
            job,
            failure,
            index
          })
        );
      }
    }
  }
  return rows;
}

/** The rows to render, [start, end), and the heights of the spacers standing for the rows above and below. */
export interface IRowWindow {
  start: number;
  end: number;
  top: number;
  bottom: number;
}

/**
 * The rows visible at `scrollTop` in a viewport `viewportHeight` high (both measured from the top of the scroll
 * container, whose first `headerHeight` pixels are the table header), plus `overscan` rows on each side.
 */
export function visibleWindow(
  total: number,
  scrollTop: number,
  viewportHeight: number,
  opts: { rowHeight?: number; overscan?: number; headerHeight?: number } = {}
): IRowWindow {
  const rowHeight = opts.rowHeight ?? ROW_HEIGHT;
  const overscan = opts.overscan ?? OVERSCAN;
  const header = opts.headerHeight ?? 0;
  const first = Math.floor(Math.max(0, scrollTop - header) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const clamp = (n: number) => Math.min(total, Math.max(0, n));
  const start = clamp(Math.min(first, total - shown) - overscan);
  const end = clamp(first + shown + overscan);
  return {
    start,
    end,
    top: start * rowHeight,
    bottom: (total - end) * rowHeight
  };
}

/** What the header row of a SQL query shows. */
export interface IGroupSummary {
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  start: number;
  end: number | null;
  numTasks: number;
  numCompletedTasks: number;
  numActiveTasks: number;
  numFailedTasks: number;
  numSkippedTasks: number;
}

export function summarizeGroup(group: IJobGroup): IGroupSummary {
  const jobs = group.jobs;
  const running = jobs.some(j => j.status === 'RUNNING');
  const failed = jobs.some(
    j => j.status === 'FAILED' || j.status === 'CANCELLED'
  );
  const jobEnd = running
    ? null
    : Math.max(...jobs.map(j => j.completionTime ?? j.submissionTime));
  const sum = (f: (j: Job) => number) => jobs.reduce((n, j) => n + f(j), 0);
  return {
    status:
      group.sql?.status ??
      (running ? 'RUNNING' : failed ? 'FAILED' : 'COMPLETED'),
    start: group.sql?.startTime ?? Math.min(...jobs.map(j => j.submissionTime)),
    end: group.sql ? group.sql.endTime : jobEnd,
    numTasks: sum(j => j.numTasks),
    numCompletedTasks: sum(j => j.numCompletedTasks),
    numActiveTasks: sum(j => j.numActiveTasks),
    numFailedTasks: sum(j => j.numFailedTasks),
    numSkippedTasks: sum(j => j.numSkippedTasks)
  };
}

/** A query's description on one line (query text may span many). */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
