// The Logs tab of a cell's monitor: the driver's log lines logged while the kernel ran the cell (GET
// sparkmonitor/api/logs?cellId=…), with a level filter and a search box. Fetched only while the tab is visible, every
// LOGS_REFRESH_MS. The list shows at most MAX_LOG_ROWS lines (the newest that match); the server keeps at most 1 000
// lines per application.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { CellLogs, LogLevel } from './api';
import { el } from './job-rows';
import { LEVELS, logTime, visibleLines } from './logs-filter';
import { INotebookRef, notebookQuery } from './model';
import { getData } from './request';

const PREFIX = 'sparkmonitor/';
/** Interval between two fetches while the tab is visible. */
export const LOGS_REFRESH_MS = 2000;
/** Asks the monitor for a cell's log lines; throws an Error with the server's reason. */
export async function requestLogs(
  settings: ServerConnection.ISettings,
  cellId: string,
  notebook?: INotebookRef
): Promise<CellLogs> {
  const url =
    `${URLExt.join(settings.baseUrl, PREFIX, 'api/logs')}?cellId=${encodeURIComponent(cellId)}` +
    notebookQuery(notebook);
  return getData<CellLogs>(settings, url, 'log lines');
}

export class LogsPane {
  readonly node = el('div', 'sm-logs');

  constructor(
    private readonly settings: ServerConnection.ISettings,
    private readonly cellId: string,
    private readonly notebook: () => INotebookRef | undefined
  ) {
    this._level.title = 'Show lines at this level and above';
    this._level.setAttribute('aria-label', this._level.title);
    for (const [value, label] of [
      ['', 'All levels'],
      ...LEVELS.map(l => [l, `${l} and above`])
    ]) {
      const option = el('option', '', label);
      option.value = value;
      this._level.appendChild(option);
    }
    this._level.onchange = () => this._render();
    this._search.type = 'search';
    this._search.placeholder = 'Search messages and loggers';
    this._search.setAttribute('aria-label', 'Search the log lines');
    this._search.oninput = () => this._render();
    const bar = el('div', 'sm-logs-bar');
    bar.append(this._level, this._search, this._status);
    this.node.append(bar, this._list);
    this._list.setAttribute('role', 'log');
    this._render();
  }

  /** Fetches now and every LOGS_REFRESH_MS while `visible`; stops when not. */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    window.clearTimeout(this._timer);
    this._timer = 0;
    if (visible) {
      void this._fetch();
    }
  }

  dispose(): void {
    this._visible = false;
    this._disposed = true;
    window.clearTimeout(this._timer);
  }

  private async _fetch(): Promise<void> {
    if (this._disposed || !this._visible || this._inflight) {
      return;
    }
    this._inflight = true;
    try {
      if (!document.hidden) {
        this._logs = await requestLogs(
          this.settings,
          this.cellId,
          this.notebook()
        );
        this._error = '';
      }
    } catch (err) {
      this._error = (err as Error).message;
    } finally {
      this._inflight = false;
    }
    if (this._disposed) {
      return;
    }
    this._render();
    if (this._visible) {
      this._timer = window.setTimeout(
        () => void this._fetch(),
        LOGS_REFRESH_MS
      );
    }
  }

  private _render(): void {
    const lines = this._logs?.lines ?? [];
    const { shown, matching } = visibleLines(
      lines,
      this._level.value as LogLevel | '',
      this._search.value
    );
    const notes: string[] = [];
    if (this._error) {
      notes.push(this._error);
    } else if (!this._logs) {
      notes.push('Loading…');
    } else if (lines.length === 0) {
      notes.push(
        'No driver log lines from this cell (log4j WARN and above, Python logging WARNING and above).'
      );
    } else {
      notes.push(
        matching > shown.length
          ? `the newest ${shown.length} of ${matching} matching lines`
          : `${matching} of ${lines.length} lines`
      );
    }
    if (this._logs?.dropped) {
      notes.push(
        `${this._logs.dropped} dropped by the driver (too many at once)`
      );
    }
    if (this._logs?.forgotten) {
      notes.push(
        `older lines forgotten (the monitor keeps 1 000 per application)`
      );
    }
    this._status.textContent = notes.join(' · ');
    this._list.replaceChildren(
      ...shown.map(l => {
        const row = el('div', `sm-log-line sm-log-${l.level.toLowerCase()}`);
        row.dataset.level = l.level;
        row.dataset.source = l.source;
        row.append(
          el('span', 'sm-log-time', logTime(l.time)),
          el('span', 'sm-log-level', l.level),
          el('span', 'sm-log-logger', l.logger),
          el('span', 'sm-log-message', l.message)
        );
        row.title = `${l.source === 'python' ? 'Python' : 'JVM'} · thread ${l.thread} · ${l.appId}`;
        return row;
      })
    );
  }

  private readonly _level = el('select', 'sm-logs-level');
  private readonly _search = el('input', 'sm-logs-search');
  private readonly _status = el('span', 'sm-logs-status');
  private readonly _list = el('div', 'sm-logs-list');
  private _logs: CellLogs | null = null;
  private _error = '';
  private _visible = false;
  private _disposed = false;
  private _inflight = false;
  private _timer = 0;
}
