// Cancelling a job, a stage or all of a cell's jobs (spark/api/API.md § Cancel): the request, what an answer means,
// and the cancels a monitor is waiting on. No DOM: unit-tested in Node.
import { URLExt } from '@jupyterlab/coreutils';

import { App, ErrorEnvelope, Job, Stage, SuccessEnvelope } from './api';
import { INotebookRef, notebookQuery } from './model';

const PREFIX = 'sparkmonitor/';
/** The custom header every cancel carries (a cross-site form cannot send it). */
export const CSRF_HEADER = 'X-Sparkmonitor-Csrf';
/** How long a cancel may stay pending before the monitor says the job did not stop. */
export const CANCEL_TIMEOUT_MS = 30_000;

export type CancelTarget =
  | { kind: 'job'; appId: string; jobId: number }
  | { kind: 'stage'; appId: string; stageId: number }
  | { kind: 'cell'; cellId: string; notebook?: INotebookRef };

/** Sends a request (ServerConnection.makeRequest with the server's settings, so Jupyter's auth and XSRF go along). */
export type Send = (url: string, init: RequestInit) => Promise<Response>;

/** Key of a target in the pending set. */
export function cancelKey(target: CancelTarget): string {
  switch (target.kind) {
    case 'job':
      return `job\u0000${target.appId}\u0000${target.jobId}`;
    case 'stage':
      return `stage\u0000${target.appId}\u0000${target.stageId}`;
    case 'cell':
      return `cell\u0000${target.cellId}`;
  }
}

/** What a target is called in messages. */
export function describeTarget(target: CancelTarget): string {
  switch (target.kind) {
    case 'job':
      return `job ${target.jobId}`;
    case 'stage':
      return `stage ${target.stageId}`;
    case 'cell':
      return "this cell's jobs";
  }
}

/** The URL of the cancel endpoint of a target. */
export function cancelUrl(baseUrl: string, target: CancelTarget): string {
  const e = encodeURIComponent;
  const path =
    target.kind === 'job'
      ? `api/apps/${e(target.appId)}/jobs/${target.jobId}/cancel`
      : target.kind === 'stage'
        ? `api/apps/${e(target.appId)}/stages/${target.stageId}/cancel`
        : `api/cells/${e(target.cellId)}/cancel`;
  const query =
    target.kind === 'cell'
      ? notebookQuery(target.notebook).replace(/^&/, '?')
      : '';
  return URLExt.join(baseUrl, PREFIX, path) + query;
}

/** The request options of a cancel. */
export function cancelInit(): RequestInit {
  return {
    method: 'POST',
    headers: { [CSRF_HEADER]: '1', 'Content-Type': 'application/json' },
    body: '{}'
  };
}

/** The message shown when a cancel failed: the server's reason, or its status when it gave none. */
export function cancelFailure(
  target: CancelTarget,
  status: number,
  statusText: string,
  body: unknown
): string {
  return `Could not cancel ${describeTarget(target)}: ${failureReason(status, statusText, body)}`;
}

/** The server's reason in an error envelope, or its HTTP status when it gave none. */
export function failureReason(
  status: number,
  statusText: string,
  body: unknown
): string {
  const env = body as Partial<ErrorEnvelope> | null;
  return env &&
    env.status === 'error' &&
    typeof env.error === 'string' &&
    env.error
    ? env.error
    : `the monitor answered ${status} ${statusText}`.trim();
}

/** Posts a cancel; resolves with the number of jobs or stages the server asked Spark to cancel, throws with a reason. */
export async function requestCancel(
  baseUrl: string,
  target: CancelTarget,
  send: Send
): Promise<number> {
  let resp: Response;
  try {
    resp = await send(cancelUrl(baseUrl, target), cancelInit());
  } catch (err) {
    const why = `SparkMonitor server not reachable: ${(err as Error).message}`;
    throw new Error(`Could not cancel ${describeTarget(target)}: ${why}`, {
      cause: err
    });
  }
  let body: unknown = null;
  try {
    body = await resp.json();
  } catch {
    // not JSON: the status tells
  }
  const ok = body as Partial<SuccessEnvelope<{ requested: number }>> | null;
  if (!resp.ok || !ok || ok.status !== 'success') {
    throw new Error(cancelFailure(target, resp.status, resp.statusText, body));
  }
  return typeof ok.data?.requested === 'number' ? ok.data.requested : 0;
}

/** Which cancel control a row shows. */
export type CancelControl = 'none' | 'ready' | 'pending';

/** The control of a job row: only for a running job of an app that allows cancelling. */
export function jobCancelControl(
  app: Pick<App, 'cancelEnabled'> | undefined,
  job: Job,
  pending: boolean
): CancelControl {
  if (!app?.cancelEnabled || job.status !== 'RUNNING') {
    return 'none';
  }
  return pending ? 'pending' : 'ready';
}

/** The control of a stage row: only for an active stage of a running job of an app that allows cancelling. */
export function stageCancelControl(
  app: Pick<App, 'cancelEnabled'> | undefined,
  job: Job,
  stage: Stage,
  pending: boolean
): CancelControl {
  if (
    !app?.cancelEnabled ||
    job.status !== 'RUNNING' ||
    stage.status !== 'ACTIVE'
  ) {
    return 'none';
  }
  return pending ? 'pending' : 'ready';
}

/**
 * The cancels a monitor waits on, kept by the widget (rows are re-rendered from it). A cancel stays pending until its
 * job leaves RUNNING (stage: ACTIVE; cell: no running job left), fails, or times out. Bounded by the rows shown.
 */
export class PendingCancels {
  has(target: CancelTarget): boolean {
    return this._since.has(cancelKey(target));
  }

  add(target: CancelTarget, now: number): void {
    this._since.set(cancelKey(target), { target, since: now });
  }

  delete(target: CancelTarget): void {
    this._since.delete(cancelKey(target));
  }

  get size(): number {
    return this._since.size;
  }

  /**
   * Drops the cancels that are done given the cell's jobs; returns a message for each one still waiting after
   * `timeoutMs`.
   */
  prune(jobs: Job[], now: number, timeoutMs = CANCEL_TIMEOUT_MS): string[] {
    const running = new Map<string, Job>();
    for (const job of jobs) {
      if (job.status === 'RUNNING') {
        running.set(`${job.appId}\u0000${job.jobId}`, job);
      }
    }
    const activeStages = new Set<string>();
    for (const job of running.values()) {
      for (const stage of job.stages) {
        if (stage.status === 'ACTIVE') {
          activeStages.add(`${job.appId}\u0000${stage.stageId}`);
        }
      }
    }
    const late: string[] = [];
    for (const [key, { target, since }] of this._since) {
      const waiting =
        target.kind === 'job'
          ? running.has(`${target.appId}\u0000${target.jobId}`)
          : target.kind === 'stage'
            ? activeStages.has(`${target.appId}\u0000${target.stageId}`)
            : running.size > 0;
      if (!waiting) {
        this._since.delete(key);
      } else if (now - since > timeoutMs) {
        this._since.delete(key);
        const verb = target.kind === 'cell' ? 'are' : 'is';
        late.push(
          `Cancel requested, but ${describeTarget(target)} ${verb} still running after ${timeoutMs / 1000} s`
        );
      }
    }
    return late;
  }

  private readonly _since = new Map<
    string,
    { target: CancelTarget; since: number }
  >();
}
