// The plan pane under a cell's jobs table: the plan of the SQL query whose "Plan" button the user pressed (one at a
// time), fetched while the pane is visible and the query runs (plan-source.ts), drawn by plan-graph.ts.
import { ServerConnection } from '@jupyterlab/services';

import { App } from './api';
import { IJobGroup } from './model';
import { PlanGraphView } from './plan-graph';
import { isFinal, PlanSource, PlanState } from './plan-source';
import { sparkUIUrl } from './spark-ui';

export class PlanPane {
  constructor(
    private readonly settings: ServerConnection.ISettings,
    private readonly app: (appId: string) => App | undefined,
    /** Called when the open query changes (the jobs table marks its button). */
    private readonly onToggle: () => void
  ) {
    this.node.className = 'sm-plan-pane';
    this.node.hidden = true;
    this._title.className = 'sm-plan-title';
    this._state.className = 'sm-plan-state';
    this._close.className = 'sm-plan-close';
    this._close.type = 'button';
    this._close.textContent = '×';
    this._close.title = 'Close the plan';
    this._close.setAttribute('aria-label', 'Close the plan');
    this._close.onclick = () => this.toggle(null);
    const header = document.createElement('div');
    header.className = 'sm-plan-header';
    header.append(this._title, this._state, this._close);
    this.node.append(header);
  }

  readonly node = document.createElement('div');

  /** Whether the plan of this query is open. */
  isOpen(appId: string, executionId: number): boolean {
    return (
      this._source?.appId === appId && this._source.executionId === executionId
    );
  }

  /** Opens the plan of a query, or closes it when it is open already (null: close). */
  toggle(query: { appId: string; executionId: number } | null): void {
    const same = query && this.isOpen(query.appId, query.executionId);
    this._source?.dispose();
    this._source = null;
    this._view?.dispose();
    this._view?.node.remove();
    this._view = null;
    this.node.hidden = true;
    if (query && !same) {
      const { appId, executionId } = query;
      this._view = new PlanGraphView(stageId =>
        sparkUIUrl(this.settings.baseUrl, this.app(appId), {
          kind: 'stage',
          stageId,
          attemptId: 0
        })
      );
      this.node.dataset.executionId = String(executionId);
      this._title.textContent = `Plan of SQL query ${executionId}`;
      this._showState({ state: 'loading' });
      this.node.append(this._view.node);
      this.node.hidden = false;
      const view = this._view;
      this._source = new PlanSource(this.settings, appId, executionId, s => {
        if (this._view === view) {
          this._showState(s);
        }
      });
    }
    this.onToggle();
  }

  /** Follows the cell's queries: polls while visible and the open query runs; closes when it is no longer shown. */
  update(visible: boolean, groups: IJobGroup[]): void {
    const source = this._source;
    if (!source) {
      return;
    }
    const group = groups.find(
      g => g.appId === source.appId && g.executionId === source.executionId
    );
    if (!group) {
      this.toggle(null); // the query left the cell (re-run)
      return;
    }
    const status = group.sql?.status;
    const ended = status !== undefined && status !== 'RUNNING';
    source.update(visible, ended);
  }

  dispose(): void {
    this._source?.dispose();
    this._view?.dispose();
  }

  private _showState(s: PlanState): void {
    const view = this._view!;
    this.node.dataset.state = s.state;
    switch (s.state) {
      case 'loading':
        this._state.textContent = 'loading…';
        view.showMessage(null);
        break;
      case 'none':
        this._state.textContent = '';
        view.showMessage(s.reason);
        break;
      case 'unavailable':
        this._state.textContent = s.reason;
        break;
      case 'ready': {
        const final = isFinal(s.graph);
        this._state.textContent = final
          ? s.graph.status.toLowerCase()
          : s.graph.running
            ? 'live'
            : 'ended: waiting for the final figures…';
        this.node.dataset.final = String(final);
        view.showMessage(null);
        void view.show(s.graph);
        break;
      }
    }
  }

  private readonly _title = document.createElement('span');
  private readonly _state = document.createElement('span');
  private readonly _close = document.createElement('button');
  private _source: PlanSource | null = null;
  private _view: PlanGraphView | null = null;
}
