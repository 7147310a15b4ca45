// "Why is nothing moving?": while a cell runs, asks the monitor every WAITS_POLL_MS why nothing moved in it
// (GET sparkmonitor/api/cells/{cellId}/waits, spark/api/API.md § Waits), and shows the answer as one line under the
// cell monitor's header, with "Inspect" on each running task slower than 5× its stage's median (inspect.ts).
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { App, CellWaits, SlowTask } from './api';
import { formatDuration } from './format';
import { TaskInspector } from './inspect';
import { el, setText } from './job-rows';
import { INotebookRef, notebookQuery } from './model';
import { RunningCells } from './running-cells';
import { getData } from './request';

/** How often a running cell's waits are asked for: a wait shows at most this long after the server's threshold. */
export const WAITS_POLL_MS = 2000;

/** Asks the monitor why nothing moves in the cell whose run started at `since`; throws an Error with the reason. */
export async function requestWaits(
  settings: ServerConnection.ISettings,
  cellId: string,
  since: number,
  notebook?: INotebookRef,
  stallAfterSeconds = 10
): Promise<CellWaits> {
  const url =
    URLExt.join(
      settings.baseUrl,
      'sparkmonitor/',
      `api/cells/${encodeURIComponent(cellId)}/waits`
    ) +
    `?since=${Math.max(1, Math.floor(since))}${notebookQuery(notebook)}` +
    `&stallAfterMs=${Math.round(stallAfterSeconds * 1000)}`;
  return getData<CellWaits>(settings, url, 'waits');
}

/**
 * Keeps the waits of one notebook's running cells: polls while any runs, forgets a cell's once it stops. At most one
 * request per running cell is in flight.
 */
export class WaitsWatcher {
  constructor(
    private readonly _running: RunningCells,
    private readonly _server: ServerConnection.ISettings,
    private readonly _notebook: () => INotebookRef | undefined,
    private readonly _onChange: (cellId: string) => void,
    private readonly _stallAfterSeconds: () => number = () => 10
  ) {}

  /** The latest answer for a running cell, or undefined. */
  get(cellId: string): CellWaits | undefined {
    return this._waits.get(cellId);
  }

  /** Called when a cell starts or stops running. */
  cellChanged(cellId: string): void {
    if (
      this._running.since(cellId) === undefined &&
      this._waits.delete(cellId)
    ) {
      this._onChange(cellId);
    }
    const any = this._running.cells().length > 0;
    if (any && this._timer === 0) {
      this._timer = window.setInterval(() => this._poll(), WAITS_POLL_MS);
    } else if (!any && this._timer !== 0) {
      window.clearInterval(this._timer);
      this._timer = 0;
    }
  }

  dispose(): void {
    window.clearInterval(this._timer);
    this._timer = 0;
    this._waits.clear();
  }

  private _poll(): void {
    for (const cellId of this._running.cells()) {
      const since = this._running.since(cellId);
      if (since === undefined || this._inFlight.has(cellId)) {
        continue;
      }
      this._inFlight.add(cellId);
      requestWaits(
        this._server,
        cellId,
        since,
        this._notebook(),
        this._stallAfterSeconds()
      )
        .then(w => {
          if (this._running.since(cellId) !== since) {
            return; // the run ended (or another started) meanwhile
          }
          const before = JSON.stringify(this._waits.get(cellId) ?? null);
          this._waits.set(cellId, w);
          if (JSON.stringify(w) !== before) {
            this._onChange(cellId);
          }
        })
        .catch(err => console.debug('SparkMonitor: waits', err))
        .finally(() => this._inFlight.delete(cellId));
    }
  }

  private _timer = 0;
  private readonly _waits = new Map<string, CellWaits>();
  private readonly _inFlight = new Set<string>();
}

/** The label of a slow task's Inspect button. */
export function slowTaskLabel(t: SlowTask): string {
  const vs =
    t.medianMs > 0
      ? `, ${Math.round(t.runningMs / t.medianMs)}× the median ${formatDuration(t.medianMs)}`
      : '';
  return `Inspect task ${t.taskId} (stage ${t.stageId}, ${formatDuration(t.runningMs)}${vs})`;
}

/** The line under a cell monitor's header: the wait's message and advice, and the slow tasks to inspect. */
export class WaitsLine {
  readonly node = el('div', 'sm-waits');

  constructor(server: ServerConnection.ISettings) {
    this._inspector = new TaskInspector(server);
    this.node.setAttribute('role', 'status');
    this.node.append(this._message, this._tasks, this._inspector.node);
    this.node.hidden = true;
  }

  /** Shows `waits` (undefined: the cell does not run); `app` finds an application for the inspector's Spark UI. */
  update(
    waits: CellWaits | undefined,
    app: (id: string) => App | undefined
  ): void {
    const wait = waits?.wait ?? null;
    const slow = waits?.slowTasks ?? [];
    this.node.hidden = !wait && slow.length === 0 && !this._inspector.open;
    this.node.dataset.kind = wait?.kind ?? '';
    setText(this._message, wait ? wait.message : '');
    if (this._message.title !== (wait?.advice ?? '')) {
      this._message.title = wait?.advice ?? '';
    }
    this._message.hidden = !wait;
    const key = slow
      .map(t => `${t.appId}/${t.taskId}/${Math.floor(t.runningMs / 1000)}`)
      .join(' ');
    if (this._tasks.dataset.key !== key) {
      this._tasks.dataset.key = key;
      this._tasks.replaceChildren(
        ...slow.map(t => {
          const b = el('button', 'sm-inspect', slowTaskLabel(t));
          b.type = 'button';
          b.dataset.taskId = String(t.taskId);
          b.title =
            "Show the live thread stack of this task (from the Spark UI's thread dump of its executor)";
          b.onclick = () => void this._inspector.show(t, app(t.appId));
          return b;
        })
      );
    }
    if (wait?.advice) {
      setText(this._advice, wait.advice);
      if (!this._advice.isConnected) {
        this._message.after(this._advice);
      }
    } else {
      this._advice.remove();
    }
  }

  private readonly _message = el('span', 'sm-waits-message');
  private readonly _advice = el('span', 'sm-waits-advice');
  private readonly _tasks = el('span', 'sm-waits-tasks');
  private readonly _inspector: TaskInspector;
}
