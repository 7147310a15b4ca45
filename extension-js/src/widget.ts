// The monitor shown under a notebook cell: a header with the cell's job counts, and three tabs: Jobs (a virtualised
// table), Timeline (tasks per executor on a canvas) and Executors (activity against cores).
import { ServerConnection } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { Job } from './api';
import { ExecutorsChart } from './executors-chart';
import { formatDuration } from './format';
import { el } from './job-rows';
import { JobsTable } from './jobs-table';
import { MonitorModel } from './model';
import { DEFAULT_SETTINGS, MonitorSettings } from './settings';
import { ThemeWatcher } from './theme';
import { TimelineView } from './timeline';
import { TimelineSource } from './timeline-source';

export type MonitorTab = 'jobs' | 'timeline' | 'executors';
const TABS: [MonitorTab, string][] = [
  ['jobs', 'Jobs'],
  ['timeline', 'Timeline'],
  ['executors', 'Executors']
];

export interface CellMonitorOptions {
  model: MonitorModel;
  cellId: string;
  /** The current settings (they may change while the widget lives). */
  settings?: () => MonitorSettings;
  /** How to reach the Jupyter server (for the timeline endpoint). */
  serverSettings?: ServerConnection.ISettings;
}

export class CellMonitorWidget extends Widget {
  readonly cellId: string;

  constructor(options: CellMonitorOptions) {
    super();
    this.model = options.model;
    this.cellId = options.cellId;
    this.settings = options.settings ?? (() => DEFAULT_SETTINGS);
    this.addClass('sm-cell-monitor');
    this.node.dataset.cellId = this.cellId;
    this._jobs = new JobsTable(() => this.scheduleRender());
    this._timeline = new TimelineView();
    this._executors = new ExecutorsChart();
    this._source = new TimelineSource(options.serverSettings ?? ServerConnection.makeSettings(), this.cellId, state => {
      this._timeline.show(state);
      this._executors.show(state);
    });
    this._theme = new ThemeWatcher(() => {
      this._timeline.redraw();
      this._executors.redraw();
    });
    this._buildBody();
    this.node.append(this._header, this._body);
    this._unsubscribe = this.model.onCellChanged(id => {
      if (id === this.cellId) {
        this.scheduleRender();
      }
    });
    this.scheduleRender();
  }

  /** Renders at most once per animation frame (and per refresh interval), however many updates arrive. */
  scheduleRender(): void {
    if (this._frame !== 0 || this._delay !== 0 || this.isDisposed) {
      return;
    }
    const wait = this._lastRender + this.settings().refreshRateMs - Date.now();
    const frame = () => {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._lastRender = Date.now();
        this.render();
      });
    };
    if (wait > 0) {
      this._delay = window.setTimeout(() => {
        this._delay = 0;
        frame();
      }, wait);
    } else {
      frame();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    cancelAnimationFrame(this._frame);
    window.clearTimeout(this._delay);
    window.clearInterval(this._ticker);
    this._unsubscribe();
    this._jobs.dispose();
    this._timeline.dispose();
    this._executors.dispose();
    this._source.dispose();
    this._theme.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.scheduleRender();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.scheduleRender();
  }

  private _buildBody(): void {
    const tabs = el('div', 'sm-tabs');
    tabs.setAttribute('role', 'tablist');
    for (const [tab, label] of TABS) {
      const button = el('button', 'sm-tab', label);
      button.dataset.tab = tab;
      button.setAttribute('role', 'tab');
      button.onclick = () => this._select(tab);
      tabs.appendChild(button);
      const pane = el('div', `sm-pane sm-pane-${tab}`);
      pane.dataset.tab = tab;
      pane.setAttribute('role', 'tabpanel');
      pane.appendChild(
        tab === 'jobs' ? this._jobs.node : tab === 'timeline' ? this._timeline.node : this._executors.node
      );
      this._panes.set(tab, pane);
      this._tabButtons.set(tab, button);
      this._body.appendChild(pane);
    }
    this._body.prepend(tabs);
    this._select('jobs');
  }

  private _select(tab: MonitorTab): void {
    this._tab = tab;
    this.node.dataset.tab = tab;
    for (const [t, pane] of this._panes) {
      pane.hidden = t !== tab;
      this._tabButtons.get(t)!.setAttribute('aria-selected', String(t === tab));
    }
    if (tab === 'timeline') {
      this._timeline.redraw();
    } else if (tab === 'executors') {
      this._executors.redraw();
    }
    this.scheduleRender();
  }

  private render(): void {
    const groups = this.model.groupsForCell(this.cellId);
    const jobs = groups.flatMap(g => g.jobs);
    const running = jobs.filter(j => j.status === 'RUNNING').length;
    const succeeded = jobs.filter(j => j.status === 'SUCCEEDED').length;
    const failed = jobs.filter(j => j.status === 'FAILED').length;
    if (this.settings().autoCollapse && running === 0 && jobs.length > 0 && this._autoCollapsedAt !== jobs.length) {
      // The cell's jobs are done: keep only the header, once per batch of jobs (the user may expand it again).
      this._collapsed = true;
      this._autoCollapsedAt = jobs.length;
    }
    this.node.dataset.collapsed = String(this._collapsed);
    if (this._closedAt >= 0 && jobs.length > this._closedAt) {
      this._closedAt = -1; // a new job in this cell brings a closed monitor back
      this.show();
    }
    this.toggleClass('sm-collapsed', this._collapsed);
    this._body.hidden = this._collapsed;
    const now = Date.now();
    this._renderHeader(jobs, running, succeeded, failed, now);
    const lastDone = Math.max(0, ...jobs.map(j => j.completionTime ?? 0));
    if (!this._collapsed && this._tab === 'jobs') {
      this._jobs.update(groups, now);
    }
    const visible = this.isAttached && !this.isHidden && !this._collapsed;
    this._source.update(
      visible && this._tab !== 'jobs',
      running > 0,
      `${jobs.length}:${running}:${succeeded}:${failed}:${lastDone}`
    );
    this.tickWhile(running > 0);
  }

  private _renderHeader(jobs: Job[], running: number, succeeded: number, failed: number, now: number): void {
    const total = jobs.length;
    const header = this._header;
    header.replaceChildren();
    const collapse = el('button', 'sm-collapse', this._collapsed ? '▸' : '▾');
    collapse.title = this._collapsed ? 'Expand' : 'Collapse';
    collapse.onclick = () => {
      this._collapsed = !this._collapsed;
      this.scheduleRender();
    };
    header.appendChild(collapse);
    header.appendChild(
      el('span', 'sm-title', `Spark jobs: ${total} (running ${running}, succeeded ${succeeded}, failed ${failed})`)
    );
    const hints = jobs.reduce((n, j) => n + (j.hints?.length ?? 0), 0);
    const hintCount = el('span', 'sm-hint-count', `${hints} hint${hints === 1 ? '' : 's'}`);
    hintCount.dataset.count = String(hints);
    hintCount.hidden = hints === 0;
    hintCount.title = 'What the task data shows about some stages (see the rows marked in the Jobs tab)';
    header.appendChild(hintCount);
    const app = jobs.length ? this.model.app(jobs[jobs.length - 1].appId) : undefined;
    if (app) {
      header.appendChild(
        el('span', 'sm-app', `${app.appName} · ${app.numExecutors} executors · ${app.totalCores} cores · ${app.state}`)
      );
    }
    if (jobs.length) {
      const first = Math.min(...jobs.map(j => j.submissionTime));
      const last = running ? now : Math.max(...jobs.map(j => j.completionTime ?? j.submissionTime));
      header.appendChild(el('span', 'sm-elapsed', `elapsed ${formatDuration(last - first)}`));
    }
    const close = el('button', 'sm-close', '×');
    close.title = 'Close (comes back when this cell starts another job)';
    close.onclick = () => {
      this._closedAt = total;
      this.hide();
    };
    header.appendChild(close);
  }

  /** Durations of running jobs tick once a second while any job runs. */
  private tickWhile(running: boolean): void {
    if (running && this._ticker === 0) {
      this._ticker = window.setInterval(() => this.scheduleRender(), 1000);
    } else if (!running && this._ticker !== 0) {
      window.clearInterval(this._ticker);
      this._ticker = 0;
    }
  }

  private readonly model: MonitorModel;
  private readonly settings: () => MonitorSettings;
  private readonly _header = el('div', 'sm-header');
  private readonly _body = el('div', 'sm-body');
  private readonly _panes = new Map<MonitorTab, HTMLDivElement>();
  private readonly _tabButtons = new Map<MonitorTab, HTMLButtonElement>();
  private readonly _jobs: JobsTable;
  private readonly _timeline: TimelineView;
  private readonly _executors: ExecutorsChart;
  private readonly _source: TimelineSource;
  private readonly _theme: ThemeWatcher;
  private _tab: MonitorTab = 'jobs';
  private _frame = 0;
  private _delay = 0;
  private _lastRender = 0;
  private _autoCollapsedAt = -1;
  private _ticker = 0;
  private _collapsed = false;
  private _closedAt = -1;
  private readonly _unsubscribe: () => void;
}
