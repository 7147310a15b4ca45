// Fetches a SQL query's plan (GET sparkmonitor/api/apps/{app}/sql/{id}/plan) while its view is open: about once a
// second while the query runs, since the monitor asks the driver for live values only while someone polls; once more
// after the end, then no more. A 404 means no plan yet (the query just started): it keeps asking.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { SQLPlan } from './api';
import { getDataOrNull } from './request';

const PREFIX = 'sparkmonitor/';
/** Interval between the end of one fetch and the next while the query runs. */
export const PLAN_REFRESH_MS = 1000;

export type PlanState =
  | { state: 'loading' }
  | { state: 'none'; reason: string }
  | { state: 'ready'; graph: SQLPlan }
  | { state: 'unavailable'; reason: string };

/** The URL of a query's plan. */
export function planUrl(
  baseUrl: string,
  appId: string,
  executionId: number
): string {
  return URLExt.join(
    baseUrl,
    PREFIX,
    'api/apps',
    encodeURIComponent(appId),
    'sql',
    String(executionId),
    'plan'
  );
}

/** Whether a plan is final: read after its query ended (Spark's final metrics). */
export function isFinal(plan: SQLPlan): boolean {
  return plan.final;
}

/**
 * Fetches after the query's end that wait for its final plan (the listener sends it about a second after the end):
 * then the view keeps the last plan it has (a listener that went away sends none).
 */
export const MAX_FETCHES_AFTER_END = 10;

/** Asks the monitor for a plan: the plan, or null when there is none yet (404); throws with the server's reason. */
export async function requestPlan(
  settings: ServerConnection.ISettings,
  appId: string,
  executionId: number
): Promise<SQLPlan | null> {
  return getDataOrNull<SQLPlan>(
    settings,
    planUrl(settings.baseUrl, appId, executionId),
    'plan'
  );
}

export class PlanSource {
  constructor(
    private readonly settings: ServerConnection.ISettings,
    readonly appId: string,
    readonly executionId: number,
    private readonly onChange: (state: PlanState) => void
  ) {}

  /**
   * Tells the source whether the view is visible and whether the query has ended (the model's SQL row): it polls
   * while visible and not done, and stops for good once a final plan has been shown.
   */
  update(visible: boolean, ended: boolean): void {
    this._visible = visible;
    this._ended = ended;
    this._schedule(0);
  }

  /** Polls no more. */
  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._timer);
  }

  /** Whether the final plan is shown (no more fetches). */
  get done(): boolean {
    return this._done;
  }

  private _schedule(wait: number): void {
    if (this._disposed || this._done || this._inflight || this._timer !== 0) {
      return;
    }
    if (!this._visible || document.hidden) {
      return;
    }
    const delay = Math.max(
      wait,
      this._lastFetch + PLAN_REFRESH_MS - Date.now()
    );
    this._timer = window.setTimeout(
      () => {
        this._timer = 0;
        void this._fetch();
      },
      Math.max(0, delay)
    );
  }

  private async _fetch(): Promise<void> {
    if (this._disposed || !this._visible) {
      return;
    }
    this._inflight = true;
    this._lastFetch = Date.now();
    const endedBefore = this._ended;
    try {
      const graph = await requestPlan(
        this.settings,
        this.appId,
        this.executionId
      );
      if (this._disposed) {
        return;
      }
      if (graph === null) {
        // The monitor asks the driver once someone looks, also for an ended query: give it a few tries.
        this._afterEnd += endedBefore ? 1 : 0;
        this._done = this._afterEnd >= MAX_FETCHES_AFTER_END;
        this.onChange({
          state: 'none',
          reason: this._done
            ? 'No plan of this query arrived from Spark.'
            : 'Waiting for the plan of this query…'
        });
      } else {
        // The final plan is the last; a plan of an ended query that is not final yet is asked again, a few times.
        this._afterEnd += endedBefore || !graph.running ? 1 : 0;
        this._done = isFinal(graph) || this._afterEnd >= MAX_FETCHES_AFTER_END;
        this.onChange({ state: 'ready', graph });
      }
    } catch (err) {
      if (!this._disposed) {
        this.onChange({ state: 'unavailable', reason: (err as Error).message });
      }
    } finally {
      this._inflight = false;
    }
    this._schedule(PLAN_REFRESH_MS);
  }

  private _visible = false;
  private _ended = false;
  private _done = false;
  private _afterEnd = 0;
  private _inflight = false;
  private _disposed = false;
  private _lastFetch = 0;
  private _timer = 0;
}
