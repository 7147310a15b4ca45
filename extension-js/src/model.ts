// The client-side model of the monitor: applications, jobs and SQL executions, grouped by the notebook cell that
// started them. No DOM and no JupyterLab imports, so it is unit-tested in Node.
import { App, Job, SQLExecution, Update } from './api';

/** Jobs kept per cell; beyond it the oldest finished jobs are dropped. */
export const DEFAULT_MAX_JOBS_PER_CELL = 1000;

/**
 * SQL executions kept beyond those a retained job belongs to (e.g. queries whose jobs have not arrived yet); beyond
 * it the oldest unreferenced ones are dropped.
 */
export const MAX_UNREFERENCED_SQL = 1000;

/** Cell runs remembered per notebook for the time-window fallback (see CellRun); beyond it the oldest go. */
export const MAX_RUNS_PER_NOTEBOOK = 1000;

/** Jobs without a cell id kept while no run of their notebook's cells contains them (the oldest go first). */
export const MAX_UNMATCHED_JOBS = 1000;

export type CellListener = (cellId: string) => void;

/**
 * One run of a notebook cell, timed by its kernel (epoch ms): from the kernel's `busy` status for the cell's execute
 * request to its `idle` (null while it runs). A kernel without the cell-id hook (not IPython) puts no cell id on its
 * driver's jobs; such a job is the cell's whose run contains the job's submission time.
 */
export interface CellRun {
  cellId: string;
  start: number;
  end: number | null;
}

/** A cell's jobs of one SQL query (in submission order), or a run of consecutive jobs outside any query. */
export interface JobGroup {
  appId: string;
  /** The query's execution id (its root execution when known); null for jobs outside any SQL query. */
  executionId: number | null;
  /** The query itself, when the model has it. */
  sql: SQLExecution | null;
  jobs: Job[];
}

/**
 * The notebook a cell is in: its kernel's id (null while it has none) and its path relative to the server's root.
 * Copies of a notebook share their cells' ids; this keeps them apart (spark/api/API.md § Cells).
 */
export interface NotebookRef {
  kernelId: string | null;
  path: string;
}

/** Whether the notebook's path names the one a kernel was started with (JPY_SESSION_NAME: absolute or relative). */
function samePath(kernelPath: string, path: string): boolean {
  const rel = path.replace(/^\/+/, '');
  return rel !== '' && kernelPath !== '' && (kernelPath === rel || kernelPath.endsWith(`/${rel}`));
}

/**
 * Whether an app's jobs with a cell's id are that cell's, for a cell of the notebook `nb`: the app runs in the
 * notebook's kernel or was started from it. When either side says nothing of its notebook, the cell id alone decides.
 * Mirrors state.Cell.Runs in the Go server.
 */
export function runsIn(app: Pick<App, 'kernelId' | 'notebookPath'> | undefined, nb: NotebookRef | undefined): boolean {
  if (!nb || !app || (!app.kernelId && !app.notebookPath) || (!nb.kernelId && !nb.path)) {
    return true;
  }
  return (!!nb.kernelId && app.kernelId === nb.kernelId) || samePath(app.notebookPath ?? '', nb.path);
}

/**
 * Whether a job carrying a cell's id is that cell's, for a cell of the notebook `nb`: the job's own notebook when it
 * names one (a Spark Connect server runs the jobs of many notebooks), else its app's (runsIn). Mirrors state.Cell.Owns.
 */
export function ownsJob(app: App | undefined, job: Job, nb: NotebookRef | undefined): boolean {
  if (job.kernelId || job.notebookPath) {
    return runsIn({ kernelId: job.kernelId ?? '', notebookPath: job.notebookPath ?? '' }, nb);
  }
  return runsIn(app, nb);
}

/**
 * Whether an app runs in the kernel of a notebook that does not tag its jobs with cell ids: its driver names the
 * notebook (the kernel's JPY_SESSION_NAME) but no kernel id (which only our IPython hook exports). Its jobs without a
 * cell id are matched to cells by time (CellRun).
 */
export function untaggedKernel(app: App | undefined): boolean {
  return !!app && !app.kernelId && !!app.notebookPath;
}

/** The query parameters that name a cell's notebook to the server (`&kernelId=…&notebookPath=…`), or ''. */
export function notebookQuery(nb: NotebookRef | undefined): string {
  if (!nb) {
    return '';
  }
  const e = encodeURIComponent;
  return (nb.kernelId ? `&kernelId=${e(nb.kernelId)}` : '') + (nb.path ? `&notebookPath=${e(nb.path)}` : '');
}

/** Unique key of a job across apps. */
export function jobKey(job: Job): string {
  return `${job.appId}\u0000${job.jobId}`;
}

function sqlKey(appId: string, executionId: number): string {
  return `${appId}\u0000${executionId}`;
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
      this._sql.clear();
      this._byRun.clear();
      this._unmatched.clear();
    }
    for (const app of update.apps) {
      const { jobs: _jobs, sqlExecutions: _sql, ...header } = app;
      this._apps.set(app.appId, header);
    }
    if (update.type === 'snapshot') {
      for (const app of update.apps) {
        for (const sql of app.sqlExecutions ?? []) {
          this._sql.set(sqlKey(sql.appId, sql.executionId), sql);
        }
        for (const job of app.jobs ?? []) {
          this._putJob(job, touched);
        }
      }
    } else {
      for (const sql of update.sqlExecutions ?? []) {
        this._putSQL(sql, touched);
      }
      for (const job of update.jobs ?? []) {
        this._putJob(job, touched);
      }
    }
    this._settle(touched);
  }

  /** A cell of the notebook at `path` started running, at `time` by its kernel's clock (CellRun). */
  cellStarted(path: string, cellId: string, time: number): void {
    let runs = this._runs.get(path);
    if (!runs) {
      runs = [];
      this._runs.set(path, runs);
    }
    runs.push({ cellId, start: time, end: null });
    if (runs.length > MAX_RUNS_PER_NOTEBOOK) {
      runs.splice(0, runs.length - MAX_RUNS_PER_NOTEBOOK);
    }
    this._matchWaitingJobs();
  }

  /** The latest run of a cell of the notebook at `path` ended at `time`. */
  cellFinished(path: string, cellId: string, time: number): void {
    const runs = this._runs.get(path) ?? [];
    for (let i = runs.length - 1; i >= 0; i--) {
      if (runs[i].cellId === cellId && runs[i].end === null) {
        runs[i].end = Math.max(time, runs[i].start);
        break;
      }
    }
    this._matchWaitingJobs();
  }

  /** Forgets everything (the connection to the monitor was lost; a fresh snapshot follows on reconnect). */
  clear(): void {
    this.apply({ type: 'snapshot', apps: [] });
  }

  /** The jobs a cell started, oldest first; with `nb`, only those of apps of that notebook (runsIn). */
  jobsForCell(cellId: string, nb?: NotebookRef): Job[] {
    const keys = this._byCell.get(cellId);
    if (!keys) {
      return [];
    }
    const jobs: Job[] = [];
    for (const k of keys) {
      const job = this._jobs.get(k);
      const app = job && this._apps.get(job.appId);
      if (job && (job.cellId ? ownsJob(app, job, nb) : runsIn(app, nb))) {
        jobs.push(job);
      }
    }
    return jobs.sort((a, b) => a.submissionTime - b.submissionTime || a.jobId - b.jobId);
  }

  /**
   * The jobs a cell started grouped by SQL query, in the order of each group's first job. Jobs outside any query form
   * a group per run of consecutive such jobs. A query's sub-executions are grouped under their root query. With `nb`,
   * only jobs of apps of that notebook.
   */
  groupsForCell(cellId: string, nb?: NotebookRef): JobGroup[] {
    const groups: JobGroup[] = [];
    const byQuery = new Map<string, JobGroup>();
    let plain: JobGroup | null = null;
    for (const job of this.jobsForCell(cellId, nb)) {
      if (job.sqlExecutionId === null || job.sqlExecutionId === undefined) {
        if (plain === null || plain.appId !== job.appId) {
          plain = { appId: job.appId, executionId: null, sql: null, jobs: [] };
          groups.push(plain);
        }
        plain.jobs.push(job);
        continue;
      }
      plain = null;
      const sql = this.sqlExecution(job.appId, job.sqlExecutionId);
      const root = sql?.rootExecutionId ?? job.sqlExecutionId;
      const key = sqlKey(job.appId, root);
      let group = byQuery.get(key);
      if (!group) {
        group = { appId: job.appId, executionId: root, sql: this.sqlExecution(job.appId, root) ?? null, jobs: [] };
        byQuery.set(key, group);
        groups.push(group);
      }
      group.jobs.push(job);
    }
    return groups;
  }

  sqlExecution(appId: string, executionId: number): SQLExecution | undefined {
    return this._sql.get(sqlKey(appId, executionId));
  }

  /** Number of SQL executions held (bounded: those of retained jobs plus MAX_UNREFERENCED_SQL). */
  get sqlCount(): number {
    return this._sql.size;
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
    this._sql.clear();
    this._runs.clear();
    this._byRun.clear();
    this._unmatched.clear();
  }

  /** Trims the touched cells and the SQL executions, then tells the listeners which cells changed. */
  private _settle(touched: Set<string>): void {
    for (const cellId of touched) {
      this._trim(cellId);
    }
    this._trimSQL();
    for (const cellId of touched) {
      for (const listener of this._listeners) {
        listener(cellId);
      }
    }
  }

  /** The cell a job is shown under: its own cell id, or the cell whose run contained it (CellRun). */
  private _cellOf(job: Job): string | null {
    return job.cellId ?? this._byRun.get(jobKey(job)) ?? null;
  }

  /** The cell of the notebook of the job's app whose run contains the job's submission (only for untaggedKernel). */
  private _runContaining(job: Job): string | null {
    const app = this._apps.get(job.appId);
    if (!untaggedKernel(app)) {
      return null;
    }
    const t = job.submissionTime;
    for (const [path, runs] of this._runs) {
      if (!samePath(app?.notebookPath ?? '', path)) {
        continue;
      }
      for (let i = runs.length - 1; i >= 0; i--) {
        const run = runs[i];
        if (run.start <= t && (run.end === null || t <= run.end)) {
          return run.cellId;
        }
      }
    }
    return null;
  }

  /** New runs are known: the jobs that waited for one are matched again. */
  private _matchWaitingJobs(): void {
    if (this._unmatched.size === 0) {
      return;
    }
    const touched = new Set<string>();
    for (const job of [...this._unmatched.values()]) {
      this._putJob(job, touched);
    }
    this._settle(touched);
  }

  private _putSQL(sql: SQLExecution, touched: Set<string>): void {
    this._sql.set(sqlKey(sql.appId, sql.executionId), sql);
    // The cells whose jobs belong to this query (or to one of its sub-queries) show its new status.
    for (const job of this._jobs.values()) {
      const cellId = this._cellOf(job);
      if (cellId && job.appId === sql.appId && job.sqlExecutionId !== null) {
        const own = this._sql.get(sqlKey(job.appId, job.sqlExecutionId));
        if (job.sqlExecutionId === sql.executionId || own?.rootExecutionId === sql.executionId) {
          touched.add(cellId);
        }
      }
    }
  }

  private _putJob(job: Job, touched: Set<string>): void {
    const key = jobKey(job);
    const previous = this._jobs.get(key);
    const previousCell = previous ? this._cellOf(previous) : null;
    const cellId = job.cellId ?? this._byRun.get(key) ?? this._runContaining(job);
    if (previousCell && previousCell !== cellId) {
      this._byCell.get(previousCell)?.delete(key);
      touched.add(previousCell);
    }
    this._unmatched.delete(key);
    if (!cellId) {
      this._jobs.delete(key); // a job started outside any cell: shown on the dashboard only, not kept here
      this._byRun.delete(key);
      if (untaggedKernel(this._apps.get(job.appId))) {
        this._unmatched.set(key, job); // its cell's run may not be known yet
        if (this._unmatched.size > MAX_UNMATCHED_JOBS) {
          this._unmatched.delete(this._unmatched.keys().next().value as string);
        }
      }
      return;
    }
    if (job.cellId) {
      this._byRun.delete(key);
    } else {
      this._byRun.set(key, cellId);
    }
    this._jobs.set(key, job);
    let keys = this._byCell.get(cellId);
    if (!keys) {
      keys = new Set();
      this._byCell.set(cellId, keys);
    }
    keys.add(key);
    touched.add(cellId);
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
        this._byRun.delete(jobKey(job));
        excess--;
      }
    }
  }

  /** Drops SQL executions no retained job belongs to once there are more than MAX_UNREFERENCED_SQL, oldest first. */
  private _trimSQL(): void {
    if (this._sql.size <= this._jobs.size + MAX_UNREFERENCED_SQL) {
      return;
    }
    const referenced = new Set<string>();
    for (const job of this._jobs.values()) {
      if (job.sqlExecutionId !== null) {
        const key = sqlKey(job.appId, job.sqlExecutionId);
        referenced.add(key);
        const root = this._sql.get(key)?.rootExecutionId;
        if (root !== null && root !== undefined) {
          referenced.add(sqlKey(job.appId, root));
        }
      }
    }
    const unreferenced = [...this._sql.entries()]
      .filter(([key]) => !referenced.has(key))
      .sort(([, a], [, b]) => a.startTime - b.startTime);
    let excess = unreferenced.length - MAX_UNREFERENCED_SQL;
    for (const [key] of unreferenced) {
      if (excess-- <= 0) {
        break;
      }
      this._sql.delete(key);
    }
  }

  private _apps = new Map<string, App>();
  private _sql = new Map<string, SQLExecution>();
  private _jobs = new Map<string, Job>();
  private _byCell = new Map<string, Set<string>>();
  private _listeners = new Set<CellListener>();
  /** Cell runs by notebook path (bounded: MAX_RUNS_PER_NOTEBOOK each). */
  private _runs = new Map<string, CellRun[]>();
  /** The cell of each job matched by time (jobs without a cell id). */
  private _byRun = new Map<string, string>();
  /** Jobs of untagged kernels that no known run contains yet (bounded: MAX_UNMATCHED_JOBS). */
  private _unmatched = new Map<string, Job>();
}
