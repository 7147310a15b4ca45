// A notebook's WebSocket to the monitor: snapshot then deltas of that notebook's view (api/ws?kernelId=…&notebookPath=…:
// only the jobs under its cells, decided by the server) into its model; reconnects with backoff, and at once when the
// notebook's kernel or path changes. The first request (api/health) also makes jupyter-server-proxy start the Go
// server.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { Update } from './api';
import { MonitorModel, INotebookRef, notebookQuery } from './model';

const PREFIX = 'sparkmonitor/';
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

export type ConnectionStatus =
  { state: 'connecting' | 'live' } | { state: 'unavailable'; reason: string };

export class MonitorConnection {
  constructor(
    readonly model: MonitorModel,
    private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings(),
    /** The notebook whose view to stream; without it (or while it gives none), every job (the dashboard's view). */
    private readonly notebook: () => INotebookRef | undefined = () => undefined
  ) {}

  get status(): ConnectionStatus {
    return this._status;
  }

  /** Calls `listener` whenever the status changes. Returns a function that unsubscribes. */
  onStatusChanged(listener: (status: ConnectionStatus) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  start(): void {
    void this._connect();
  }

  /** Reconnects now, for the notebook as it is now (its kernel or path changed): a fresh snapshot follows. */
  restart(): void {
    if (this._disposed) {
      return;
    }
    window.clearTimeout(this._timer);
    const socket = this._socket;
    this._socket = null;
    socket?.close();
    this._backoff = MIN_BACKOFF_MS;
    void this._connect();
  }

  dispose(): void {
    this._disposed = true;
    this._listeners.clear();
    window.clearTimeout(this._timer);
    this._socket?.close();
    this._socket = null;
  }

  private async _connect(): Promise<void> {
    if (this._disposed) {
      return;
    }
    if (this._status.state !== 'unavailable') {
      this._setStatus({ state: 'connecting' }); // while retrying, the monitors keep saying it is unavailable
    }
    try {
      const url = URLExt.join(this.settings.baseUrl, PREFIX, 'api/health');
      const resp = await ServerConnection.makeRequest(url, {}, this.settings);
      if (!resp.ok) {
        throw new Error(
          `the monitor answered ${resp.status} ${resp.statusText}`
        );
      }
    } catch (err) {
      this._unavailable(
        `SparkMonitor server not reachable: ${(err as Error).message}`
      );
      return;
    }
    let query = notebookQuery(this.notebook());
    if (this.settings.appendToken && this.settings.token) {
      query += `&token=${encodeURIComponent(this.settings.token)}`;
    }
    const wsUrl =
      URLExt.join(this.settings.wsUrl, PREFIX, 'api/ws') +
      query.replace(/^&/, '?');
    if (this._disposed || this._socket) {
      return; // disposed, or restarted while api/health was on its way
    }
    const socket = new WebSocket(wsUrl);
    this._socket = socket;
    socket.onopen = () => {
      this._backoff = MIN_BACKOFF_MS;
      this._setStatus({ state: 'live' });
    };
    socket.onmessage = (msg: MessageEvent) => {
      try {
        this.model.apply(JSON.parse(msg.data as string) as Update);
      } catch (err) {
        console.error('SparkMonitor: bad message from the monitor', err);
      }
    };
    socket.onclose = (ev: CloseEvent) => {
      if (this._socket === socket) {
        this._socket = null;
        this._unavailable(`connection to the monitor closed (${ev.code})`);
      }
    };
  }

  private _setStatus(status: ConnectionStatus): void {
    this._status = status;
    for (const listener of this._listeners) {
      listener(status);
    }
  }

  private _unavailable(reason: string): void {
    this._setStatus({ state: 'unavailable', reason });
    if (this._disposed) {
      return;
    }
    this._timer = window.setTimeout(() => void this._connect(), this._backoff);
    this._backoff = Math.min(this._backoff * 2, MAX_BACKOFF_MS);
  }

  private _status: ConnectionStatus = { state: 'connecting' };
  private readonly _listeners = new Set<(status: ConnectionStatus) => void>();
  private _socket: WebSocket | null = null;
  private _backoff = MIN_BACKOFF_MS;
  private _timer = 0;
  private _disposed = false;
}
