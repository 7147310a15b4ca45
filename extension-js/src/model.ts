// The client-side model of one notebook's monitor: applications, jobs and SQL executions, grouped by the notebook cell
// that started them. Which cell a job is under is the server's decision (spark/api/API.md § Cells): the notebook's
// stream carries only jobs under its cells, each with that cell's id, and the model groups them by it. No DOM and no
// JupyterLab imports, so it is unit-tested in Node.
import { App, Job, SQLExecution, StreamingQuery, Update } from './api';

/** Jobs kept per cell; beyond it the oldest finished jobs are dropped. */
export const DEFAULT_MAX_JOBS_PER_CELL = 1000;

/**
 * SQL executions kept beyond those a retained job belongs to (e.g. queries whose jobs have not arrived yet); beyond
 * it the oldest unreferenced ones are dropped.
 */
export const MAX_UNREFERENCED_SQL = 1000;

/** Streaming queries kept (the server keeps at most 50 per app); beyond it the oldest ended ones are dropped. */
export const MAX_STREAMS = 200;

export type CellListener = (cellId: string) => void;

/** A cell's jobs of one SQL query (in submission order), or a run of consecutive jobs outside any query. */
export interface IJobGroup {
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
export interface INotebookRef {
  kernelId: string | null;
  path: string;
}

/** The query parameters that name a cell's notebook to the server (`&kernelId=…&notebookPath=…`), or ''. */
export function notebookQuery(nb: INotebookRef | undefined): string {
  if (!nb) {
    return '';
  }
  const e = encodeURIComponent;
  return (
    (nb.kernelId ? `&kernelId=${e(nb.kernelId)}` : '') +
    (nb.path ? `&notebookPath=${e(nb.path)}` : '')
  );
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
      for (const q of this._streams.values()) {
        touched.add(q.cellId ?? '');
      }
      this._streams.clear();
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
        for (const q of app.streamingQueries ?? []) {
          this._putStream(q, touched);
        }
      }
    } else {
      for (const q of update.streamingQueries ?? []) {
        this._putStream(q, touched);
      }
      for (const sql of update.sqlExecutions ?? []) {
        this._putSQL(sql, touched);
      }
      for (const job of update.jobs ?? []) {
        this._putJob(job, touched);
      }
    }
    this._settle(touched);
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
    return jobs.sort(
      (a, b) => a.submissionTime - b.submissionTime || a.jobId - b.jobId
    );
  }

  /**
   * The jobs a cell started grouped by SQL query, in the order of each group's first job. Jobs outside any query form
   * a group per run of consecutive such jobs. A query's sub-executions are grouped under their root query.
   */
  groupsForCell(cellId: string): IJobGroup[] {
    const groups: IJobGroup[] = [];
    const byQuery = new Map<string, IJobGroup>();
    let plain: IJobGroup | null = null;
    for (const job of this.jobsForCell(cellId)) {
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
        group = {
          appId: job.appId,
          executionId: root,
          sql: this.sqlExecution(job.appId, root) ?? null,
          jobs: []
        };
        byQuery.set(key, group);
        groups.push(group);
      }
      group.jobs.push(job);
    }
    return groups;
  }

  /** The Structured Streaming queries started in a cell, oldest first. */
  streamsForCell(cellId: string): StreamingQuery[] {
    return [...this._streams.values()]
      .filter(q => q.cellId === cellId)
      .sort((a, b) => a.startTime - b.startTime);
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
    this._streams.clear();
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

  private _putSQL(sql: SQLExecution, touched: Set<string>): void {
    this._sql.set(sqlKey(sql.appId, sql.executionId), sql);
    // The cells whose jobs belong to this query (or to one of its sub-queries) show its new status.
    for (const job of this._jobs.values()) {
      const cellId = job.cellId;
      if (cellId && job.appId === sql.appId && job.sqlExecutionId !== null) {
        const own = this._sql.get(sqlKey(job.appId, job.sqlExecutionId));
        if (
          job.sqlExecutionId === sql.executionId ||
          own?.rootExecutionId === sql.executionId
        ) {
          touched.add(cellId);
        }
      }
    }
  }

  private _putStream(q: StreamingQuery, touched: Set<string>): void {
    if (!q.cellId) {
      return;
    }
    this._streams.set(`${q.appId}\u0000${q.queryId}`, q);
    touched.add(q.cellId);
    if (this._streams.size > MAX_STREAMS) {
      const oldest = [...this._streams.entries()].sort(
        ([, a], [, b]) =>
          Number(a.status === 'ACTIVE') - Number(b.status === 'ACTIVE') ||
          a.startTime - b.startTime
      )[0];
      this._streams.delete(oldest[0]);
      touched.add(oldest[1].cellId ?? '');
    }
  }

  private _putJob(job: Job, touched: Set<string>): void {
    const key = jobKey(job);
    const previousCell = this._jobs.get(key)?.cellId ?? null;
    const cellId = job.cellId;
    if (previousCell && previousCell !== cellId) {
      this._byCell.get(previousCell)?.delete(key);
      touched.add(previousCell);
    }
    if (!cellId) {
      this._jobs.delete(key); // under no cell (the server sends none to a notebook's stream; the dashboard has them)
      return;
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
  private _streams = new Map<string, StreamingQuery>();
  private _jobs = new Map<string, Job>();
  private _byCell = new Map<string, Set<string>>();
  private _listeners = new Set<CellListener>();
}
