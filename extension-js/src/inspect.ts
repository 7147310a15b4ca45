// "Inspect" a slow running task: its live thread stack, from the thread dump of its executor that the Spark UI's
// REST API serves (`api/v1/applications/{app}/executors/{id}/threads`, through the monitor's Spark UI proxy; in local
// mode the executor is "driver"), filtered to the task's thread: Spark names it "Executor task launch worker for
// task 3.0 in stage 1.0 (TID 7)" (Spark 3+), "… for task 7" before.
import { ServerConnection } from '@jupyterlab/services';

import { App, SlowTask } from './api';
import { el, setText } from './job-rows';
import { sparkUIUrl } from './spark-ui';

/** Frames shown of a stack (the deepest first); a longer one says how many were left out. */
export const MAX_FRAMES = 200;

/** A thread of Spark's thread dump (ThreadStackTrace; stackTrace was a string before Spark 3). */
export interface IThreadDump {
  threadId: number;
  threadName: string;
  threadState: string;
  stackTrace: { elems: string[] } | string;
}

/** The task's thread in an executor's thread dump, or undefined. */
export function taskThread(
  threads: IThreadDump[],
  taskId: number
): IThreadDump | undefined {
  const tid = `(TID ${taskId})`;
  const old = `Executor task launch worker for task ${taskId}`; // the whole name before Spark 3
  return threads.find(
    t =>
      typeof t?.threadName === 'string' &&
      t.threadName.startsWith('Executor task launch worker') &&
      (t.threadName.includes(tid) || t.threadName === old)
  );
}

/** The frames of a thread, at most MAX_FRAMES. */
export function stackFrames(t: IThreadDump): string[] {
  const s = t.stackTrace;
  const frames =
    typeof s === 'string'
      ? s.split('\n')
      : Array.isArray(s?.elems)
        ? s.elems.map(String)
        : [];
  const lines = frames.map(f => f.trim()).filter(f => f !== '');
  return lines.length > MAX_FRAMES
    ? [
        ...lines.slice(0, MAX_FRAMES),
        `… ${lines.length - MAX_FRAMES} more frames`
      ]
    : lines;
}

/** Why a task cannot be inspected in this application, or null when its Spark UI is reachable. */
export function inspectUnavailable(app: App | undefined): string | null {
  if (!app) {
    return 'The monitor no longer knows this application.';
  }
  if (app.state !== 'RUNNING') {
    return 'The application has ended: its executors and their threads are gone.';
  }
  if (!app.uiUrl || !app.uiPath) {
    return (
      "The Spark UI is disabled for this application (spark.ui.enabled=false): the task's stack comes from the " +
      "Spark UI's thread dump, so it cannot be shown. Start the SparkSession with the UI enabled to inspect tasks."
    );
  }
  return null;
}

/** The panel that shows one task's stack; refreshed on demand. */
export class TaskInspector {
  readonly node = el('div', 'sm-inspector');

  constructor(private readonly _server: ServerConnection.ISettings) {
    this.node.hidden = true;
    this._refresh.type = 'button';
    this._close.type = 'button';
    this._close.setAttribute('aria-label', 'Close the task inspector');
    this._refresh.onclick = () => {
      if (this._task) {
        void this.show(this._task, this._app);
      }
    };
    this._close.onclick = () => {
      this._task = undefined;
      this.node.hidden = true;
    };
    const bar = el('div', 'sm-inspector-bar');
    bar.append(this._title, this._refresh, this._close);
    this.node.append(bar, this._status, this._stack);
  }

  /** Whether a task is shown. */
  get open(): boolean {
    return !this.node.hidden;
  }

  /** Fetches and shows the task's thread stack (or why it cannot). */
  async show(task: SlowTask, app: App | undefined): Promise<void> {
    this._task = task;
    this._app = app;
    this.node.hidden = false;
    this.node.dataset.taskId = String(task.taskId);
    setText(
      this._title,
      `Task ${task.taskId} on executor ${task.executorId} (${task.host})`
    );
    this._stack.textContent = '';
    const why = inspectUnavailable(app);
    if (why || !app) {
      this._say('unavailable', why ?? '');
      return;
    }
    this._say('loading', "Reading the executor's thread dump…");
    const root = sparkUIUrl(this._server.baseUrl, app, {
      kind: 'app'
    }) as string;
    const url = `${root}api/v1/applications/${encodeURIComponent(app.appId)}/executors/${encodeURIComponent(task.executorId)}/threads`;
    const n = ++this._request;
    try {
      const resp = await ServerConnection.makeRequest(url, {}, this._server);
      if (n !== this._request) {
        return;
      }
      if (!resp.ok) {
        const text = (await resp.text()).slice(0, 300);
        this._say(
          'unavailable',
          `The Spark UI answered ${resp.status}: ${text || resp.statusText} (the executor may be gone, or spark.ui.threadDumpsEnabled is false).`
        );
        return;
      }
      const threads = (await resp.json()) as IThreadDump[];
      const t = Array.isArray(threads)
        ? taskThread(threads, task.taskId)
        : undefined;
      // A pool thread keeps the name of its last task until it runs another: idle, it waits in getTask.
      if (
        !t ||
        stackFrames(t).some(f => f.includes('ThreadPoolExecutor.getTask'))
      ) {
        this._say(
          'ended',
          `Task ${task.taskId} has no thread on executor ${task.executorId} any more: it has ended.`
        );
        return;
      }
      this._say('ready', `${t.threadName} — ${t.threadState}`);
      this._stack.textContent = stackFrames(t).join('\n');
    } catch (err) {
      if (n === this._request) {
        this._say(
          'unavailable',
          `The Spark UI is not reachable: ${(err as Error).message}`
        );
      }
    }
  }

  private _say(state: string, text: string): void {
    this.node.dataset.state = state;
    setText(this._status, text);
  }

  private _task: SlowTask | undefined;
  private _app: App | undefined;
  private _request = 0;
  private readonly _title = el('span', 'sm-inspector-title');
  private readonly _refresh = el('button', 'sm-inspector-refresh', 'Refresh');
  private readonly _close = el('button', 'sm-inspector-close', '×');
  private readonly _status = el('div', 'sm-inspector-status');
  private readonly _stack = el('pre', 'sm-inspector-stack');
}
