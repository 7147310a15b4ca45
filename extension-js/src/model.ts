// The client-side model of the monitor: applications and jobs, grouped by the notebook cell that started them.
// No DOM and no JupyterLab imports, so it is unit-tested in Node.
import { App, Job, Update } from './api';

/** Jobs kept per cell; beyond it the oldest finished jobs are dropped. */
export const DEFAULT_MAX_JOBS_PER_CELL = 1000;

export type CellListener = (cellId: string) => void;

function jobKey(job: Job): string {
  return `${job.appId}\u0000${job.jobId}`;
}

export class MonitorModel {
  constructor(public maxJobsPerCell = DEFAULT_MAX_JOBS_PER_CELL) {}

  /** Applies a snapshot (replaces everything) or a delta (replaces the changed apps and jobs). */
  apply(update: Update): void {
    const touched = new Set<string>();
    if (update.type === 'snapshot') {
      for (const cellId of this._byCell.keys()) {
        touched.add(cellId);
      }
      this._apps.clear();
      this._jobs.clear();
      this._byCell.clear();
      for (const app of update.apps) {
        for (const job of app.jobs ?? []) {
          this._putJob(job, touched);
        }
      }
    } else {
      for (const job of update.jobs ?? []) {
        this._putJob(job, touched);
      }
    }
    for (const app of update.apps) {
      const { jobs: _jobs, ...header } = app;
      this._apps.set(app.appId, header);
    }
    for (const cellId of touched) {
      this._trim(cellId);
    }
    for (const cellId of touched) {
      for (const listener of this._listeners) {
        listener(cellId);
      }
    }
  }

  /** Forgets everything (the connection to the monitor was lost; a fresh snapshot follows on reconnect). */
  clear(): void {
    this.apply({ type: 'snapshot', apps: [] });
  }

  /** The jobs a cell started, oldest first. */
  jobsForCell(cellId: string): Job[] {
    const keys = this._byCell.get(cellId);
    if (!keys) {
      return [];
    }
    const jobs: Job[] = [];
    for (const k of keys) {
      const job = this._jobs.get(k);
      if (job) {
        jobs.push(job);
      }
    }
    return jobs.sort((a, b) => a.submissionTime - b.submissionTime || a.jobId - b.jobId);
  }

  /** Ids of every cell with at least one job. */
  cellIds(): string[] {
    return [...this._byCell.keys()];
  }

  app(appId: string): App | undefined {
    return this._apps.get(appId);
  }

  /** Calls `listener(cellId)` whenever a cell's jobs change. Returns a function that unsubscribes. */
  onCellChanged(listener: CellListener): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  dispose(): void {
    this._listeners.clear();
    this._apps.clear();
    this._jobs.clear();
    this._byCell.clear();
  }

  private _putJob(job: Job, touched: Set<string>): void {
    const key = jobKey(job);
    const previous = this._jobs.get(key);
    if (previous?.cellId && previous.cellId !== job.cellId) {
      this._byCell.get(previous.cellId)?.delete(key);
      touched.add(previous.cellId);
    }
    this._jobs.set(key, job);
    if (!job.cellId) {
      return; // a job started outside any cell: shown on the dashboard only
    }
    let keys = this._byCell.get(job.cellId);
    if (!keys) {
      keys = new Set();
      this._byCell.set(job.cellId, keys);
    }
    keys.add(key);
    touched.add(job.cellId);
  }

  private _trim(cellId: string): void {
    const keys = this._byCell.get(cellId);
    if (!keys || keys.size <= this.maxJobsPerCell) {
      return;
    }
    let excess = keys.size - this.maxJobsPerCell;
    for (const job of this.jobsForCell(cellId)) {
      if (excess === 0) {
        break;
      }
      if (job.status !== 'RUNNING') {
        keys.delete(jobKey(job));
        this._jobs.delete(jobKey(job));
        excess--;
      }
    }
  }

  private _apps = new Map<string, App>();
  private _jobs = new Map<string, Job>();
  private _byCell = new Map<string, Set<string>>();
  private _listeners = new Set<CellListener>();
}
