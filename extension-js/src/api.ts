// The JSON shapes served by the SparkMonitor Go server (spark/api/API.md). Keep in sync with spark/state/model.go.

export type AppState = 'RUNNING' | 'FINISHED' | 'DISCONNECTED';
/** CANCELLED: the job failed because it was cancelled (Spark itself says FAILED). */
export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type StageStatus =
  'PENDING' | 'ACTIVE' | 'COMPLETE' | 'FAILED' | 'SKIPPED';

export interface App {
  appId: string;
  attemptId: string | null;
  appName: string;
  sparkVersion: string;
  sparkUser: string;
  master: string;
  uiUrl: string | null;
  kernelId: string;
  notebookPath: string;
  state: AppState;
  /** live: reports to this monitor; history: restored from its history folder; upload: an opened event log. */
  source?: 'live' | 'history' | 'upload';
  startTime: number;
  endTime: number | null;
  /** "ui/{appId}/": the Spark UI under the monitor's prefix; null when the app has no UI or ended. */
  uiPath: string | null;
  /** The cancel buttons may be shown: not read-only, listener connected, spark.ui.killEnabled. */
  cancelEnabled: boolean;
  numExecutors: number;
  totalCores: number;
  numJobs: number;
  numActiveJobs: number;
  numCompletedJobs: number;
  numFailedJobs: number;
  droppedEvents: number;
  /** Older jobs of the application the monitor no longer holds (retention.maxJobsPerApp); numJobs is what it holds. */
  evictedJobs: number;
  /** The app ended without an application end: its listener went away and did not come back (state FINISHED). */
  driverLost?: boolean;
  jobs?: Job[];
  /** Snapshot only: the SQL executions the retained jobs belong to. */
  sqlExecutions?: SQLExecution[];
}

export type SQLStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** One SQL/DataFrame query (Spark's SQL execution). */
export interface SQLExecution {
  appId: string;
  executionId: number;
  rootExecutionId: number | null;
  /** Query text or call site, at most 4 KiB. */
  description: string;
  status: SQLStatus;
  startTime: number;
  endTime: number | null;
  error: string | null;
}

export interface Job {
  appId: string;
  jobId: number;
  name: string;
  description: string | null;
  jobGroup: string | null;
  cellId: string | null;
  /** The notebook of a Spark Connect client's job (from its job tags); absent: the app's. */
  kernelId?: string;
  notebookPath?: string;
  sqlExecutionId: number | null;
  status: JobStatus;
  submissionTime: number;
  completionTime: number | null;
  error: string | null;
  numStages: number;
  numCompletedStages: number;
  numSkippedStages: number;
  numFailedStages: number;
  numActiveStages: number;
  numTasks: number;
  numCompletedTasks: number;
  numActiveTasks: number;
  numFailedTasks: number;
  numKilledTasks: number;
  numSkippedTasks: number;
  stages: Stage[];
  failures: FailureReason[];
  /** What the data shows about the job's stages, at most one per kind and stage. */
  hints: Hint[];
}

export type HintKind = 'skew' | 'spill' | 'tinyTasks';

export interface Hint {
  kind: HintKind;
  severity: 'info' | 'warning';
  stageId: number;
  attemptId: number;
  /** One sentence with the figures. */
  message: string;
}

/** Failed tasks of a job grouped by reason. */
export interface FailureReason {
  reason: string;
  count: number;
  detail: string;
}

export interface Stage {
  stageId: number;
  attemptId: number;
  name: string;
  status: StageStatus;
  numTasks: number;
  numCompletedTasks: number;
  numActiveTasks: number;
  numFailedTasks: number;
  numKilledTasks: number;
  submissionTime: number | null;
  completionTime: number | null;
  failureReason: string | null;
  executorRunTime: number;
  inputBytes: number;
  inputRecords: number;
  outputBytes: number;
  outputRecords: number;
  shuffleReadBytes: number;
  shuffleReadRecords: number;
  shuffleWriteBytes: number;
  shuffleWriteRecords: number;
  memoryBytesSpilled: number;
  diskBytesSpilled: number;
  /** Durations of the attempt's successful tasks; null before the first. */
  taskTime: TaskTime | null;
}

/** Durations (finish - launch, ms); median within 10%, min and max exact. */
export interface TaskTime {
  count: number;
  min: number;
  median: number;
  max: number;
}

/**
 * A WebSocket message: a snapshot (apps with jobs and SQL executions) first, then deltas (changed apps, changed jobs
 * whole, changed SQL executions).
 */
export interface Update {
  type: 'snapshot' | 'delta';
  apps: App[];
  jobs?: Job[];
  sqlExecutions?: SQLExecution[];
}

/** GET api/timeline?cellId=…: a cell's jobs, stages, (sampled) tasks and executor activity. */
export interface Timeline {
  cellId: string;
  /** The apps that ran jobs of this cell. */
  apps: TimelineApp[];
}

export interface TimelineApp {
  appId: string;
  /** First job's submission. */
  start: number;
  /** Last job's completion; null while one runs. */
  end: number | null;
  jobs: TimelineJob[];
  stages: TimelineStage[];
  /** At most maxTasks: all running tasks, then a uniform sample of finished ones. */
  tasks: TaskSpan[];
  /** Tasks started by these jobs (exact). */
  numTasks: number;
  /** True when tasks holds fewer than numTasks. */
  sampled: boolean;
  /** The lanes: every executor seen (the driver in local mode), at most 1000. */
  executors: TimelineExecutor[];
  /** Step series over [start, end ?? now], at most 500 points. */
  activity: ActivityPoint[];
}

export interface TimelineJob {
  jobId: number;
  name: string;
  status: JobStatus;
  start: number;
  end: number | null;
}

export interface TimelineStage {
  stageId: number;
  attemptId: number;
  jobId: number;
  name: string;
  status: StageStatus;
  start: number | null;
  end: number | null;
}

export type TaskStatus = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED';

export interface TaskSpan {
  stageId: number;
  stageAttemptId: number;
  taskId: number;
  index: number;
  attempt: number;
  executorId: string;
  host: string;
  start: number;
  end: number | null;
  status: TaskStatus;
}

export interface TimelineExecutor {
  executorId: string;
  host: string;
  cores: number;
  addedTime: number | null;
  removedTime: number | null;
  removedReason: string | null;
}

export interface ActivityPoint {
  time: number;
  activeTasks: number;
  cores: number;
}

/** The error envelope of every endpoint. */
export interface ErrorEnvelope {
  status: 'error';
  errorType:
    | 'not_found'
    | 'bad_request'
    | 'unauthorized'
    | 'forbidden'
    | 'conflict'
    | 'unavailable'
    | 'internal';
  error: string;
}

/** The success envelope of the REST endpoints. */
export interface SuccessEnvelope<T> {
  status: 'success';
  data: T;
}
