// The one WebSocket to the monitor, shared by all notebooks: snapshot then deltas into the model; reconnects with
// backoff. The first request (api/health) also makes jupyter-server-proxy start the Go server.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { Update } from './api';
import { MonitorModel } from './model';

const PREFIX = 'sparkmonitor/';
const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

export type ConnectionStatus = { state: 'connecting' | 'live' } | { state: 'unavailable'; reason: string };

export class MonitorConnection {
  constructor(
    readonly model: MonitorModel,
    private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
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
        throw new Error(`the monitor answered ${resp.status} ${resp.statusText}`);
      }
    } catch (err) {
      this._unavailable(`SparkMonitor server not reachable: ${(err as Error).message}`);
      return;
    }
    let wsUrl = URLExt.join(this.settings.wsUrl, PREFIX, 'api/ws');
    if (this.settings.appendToken && this.settings.token) {
      wsUrl += `?token=${encodeURIComponent(this.settings.token)}`;
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
