// Fetches a cell's timeline (GET sparkmonitor/api/timeline?cellId=…) for the Timeline and Executors tabs: only
// while one of them is visible, at most once a second while a job of the cell runs, and once more when all are done.
// The Executors tab draws no task spans, so its fetches leave them out (maxTasks=0): a sampled timeline of a big job
// is ~200 KB of JSON a second, its executor activity a few KB.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { Timeline } from './api';
import { INotebookRef, notebookQuery } from './model';
import { getData } from './request';

const PREFIX = 'sparkmonitor/';
/** Shortest interval between two fetches while a job runs. */
export const TIMELINE_REFRESH_MS = 1000;

export type TimelineState =
  | { state: 'empty' }
  | { state: 'loading' }
  | { state: 'ready'; timeline: Timeline; fetchedAt: number }
  | { state: 'unavailable'; reason: string };

/** Which tab the timeline is fetched for: 'none' while neither is visible; 'executors' needs no task spans. */
export type TimelineView = 'none' | 'timeline' | 'executors';

/**
 * Asks the monitor for a cell's timeline; throws an Error with the server's reason. `withTasks` false leaves the
 * task spans out (maxTasks=0).
 */
export async function requestTimeline(
  settings: ServerConnection.ISettings,
  cellId: string,
  notebook?: INotebookRef,
  withTasks = true
): Promise<Timeline> {
  const url =
    `${URLExt.join(settings.baseUrl, PREFIX, 'api/timeline')}?cellId=${encodeURIComponent(cellId)}` +
    notebookQuery(notebook) +
    (withTasks ? '' : '&maxTasks=0');
  return getData<Timeline>(settings, url, 'timeline');
}

export class TimelineSource {
  constructor(
    private readonly settings: ServerConnection.ISettings,
    private readonly cellId: string,
    private readonly onChange: (state: TimelineState) => void,
    private readonly notebook: () => INotebookRef | undefined = () => undefined
  ) {}

  get state(): TimelineState {
    return this._state;
  }

  /**
   * Tells the source what the cell's jobs look like now: whether one runs, and a signature that changes when the
   * jobs do. `view` is the visible tab that shows the timeline. Fetches when needed.
   */
  update(view: TimelineView, running: boolean, signature: string): void {
    this._view = view;
    this._running = running;
    this._signature = signature;
    this._maybeFetch();
  }

  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._timer);
  }

  private _maybeFetch(): void {
    if (
      this._disposed ||
      this._view === 'none' ||
      this._inflight ||
      document.hidden
    ) {
      return;
    }
    const lacksTasks = this._lacksTasks();
    if (
      !this._running &&
      this._fetchedSignature === this._signature &&
      !lacksTasks
    ) {
      return; // nothing changed since the fetch after the last job ended
    }
    // The Timeline tab opened after the Executors tab has only a timeline without spans: fetch it at once.
    const wait = lacksTasks
      ? 0
      : this._lastFetch + TIMELINE_REFRESH_MS - Date.now();
    if (wait > 0) {
      if (this._timer === 0) {
        this._timer = window.setTimeout(() => {
          this._timer = 0;
          this._maybeFetch();
        }, wait);
      }
      return;
    }
    void this._fetch();
  }

  private async _fetch(): Promise<void> {
    const signature = this._signature;
    const withTasks = this._view === 'timeline';
    this._inflight = true;
    this._lastFetch = Date.now();
    if (this._state.state !== 'ready' || (withTasks && !this._fetchedTasks)) {
      this._set({ state: 'loading' });
    }
    try {
      const timeline = await requestTimeline(
        this.settings,
        this.cellId,
        this.notebook(),
        withTasks
      );
      if (withTasks || this._view !== 'timeline') {
        // (a timeline without spans, fetched for the Executors tab, is not shown in the Timeline tab opened since)
        this._set({ state: 'ready', timeline, fetchedAt: Date.now() });
      }
    } catch (err) {
      this._set({ state: 'unavailable', reason: (err as Error).message });
    } finally {
      // Also after a failure: retried when the jobs change, or once a second while one runs, and not again at once for
      // the Timeline tab (a failing monitor is not hammered).
      this._fetchedSignature = signature;
      this._fetchedTasks = withTasks;
      this._inflight = false;
    }
    if (
      this._running ||
      this._fetchedSignature !== this._signature ||
      this._lacksTasks()
    ) {
      this._maybeFetch();
    }
  }

  /** Whether the Timeline tab is visible but the last fetch left the task spans out. */
  private _lacksTasks(): boolean {
    return this._view === 'timeline' && !this._fetchedTasks;
  }

  private _set(state: TimelineState): void {
    if (this._disposed) {
      return;
    }
    this._state = state;
    this.onChange(state);
  }

  private _state: TimelineState = { state: 'empty' };
  private _view: TimelineView = 'none';
  /** Whether the last fetch asked for the task spans. */
  private _fetchedTasks = false;
  private _running = false;
  private _signature = '';
  private _fetchedSignature: string | null = null;
  private _inflight = false;
  private _lastFetch = 0;
  private _timer = 0;
  private _disposed = false;
}
