// The JSON shapes served by the SparkMonitor Go server (spark/api/API.md). Keep in sync with spark/state/model.go.

export type AppState = 'RUNNING' | 'FINISHED' | 'DISCONNECTED';
export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type StageStatus = 'PENDING' | 'ACTIVE' | 'COMPLETE' | 'FAILED' | 'SKIPPED';

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
  startTime: number;
  endTime: number | null;
  numExecutors: number;
  totalCores: number;
  numJobs: number;
  numActiveJobs: number;
  numCompletedJobs: number;
  numFailedJobs: number;
  droppedEvents: number;
  jobs?: Job[];
}

export interface Job {
  appId: string;
  jobId: number;
  name: string;
  description: string | null;
  jobGroup: string | null;
  cellId: string | null;
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
}

/** A WebSocket message: a snapshot (apps with jobs) first, then deltas (changed apps, changed jobs whole). */
export interface Update {
  type: 'snapshot' | 'delta';
  apps: App[];
  jobs?: Job[];
}
