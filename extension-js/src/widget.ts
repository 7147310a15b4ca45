// The monitor shown under a notebook cell: a header with the cell's job counts, and four tabs: Jobs (a virtualised
// table), Timeline (tasks per executor on a canvas) Executors (activity against cores) and Logs (logs-pane.ts).
import { ServerConnection } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { Job } from './api';
import { appLine, OLDER_JOBS_TITLE, olderJobsNote } from './app-line';
import {
  CancelTarget,
  jobCancelControl,
  PendingCancels,
  requestCancel,
  stageCancelControl
} from './cancel';
import type { ConnectionStatus } from './connection';
import { ExecutorsChart } from './executors-chart';
import { FailureCards } from './failure-card';
import { formatDuration } from './format';
import { cancelButton, el, IRowContext, setText, uiLink } from './job-rows';
import { JobsTable, setData } from './jobs-table';
import { LogsPane } from './logs-pane';
import { MonitorModel, INotebookRef } from './model';
import { PlanPane } from './plan-view';
import { DEFAULT_SETTINGS, IMonitorSettings } from './settings';
import { ThemeWatcher } from './theme';
import { TimelineView } from './timeline';
import { TimelineSource } from './timeline-source';
import { sparkUIUrl, UITarget } from './spark-ui';
import type { CellWaits } from './api';
import { WaitsLine } from './waits';
import { StreamingPanel } from './streaming-panel';

export type MonitorTab = 'jobs' | 'timeline' | 'executors' | 'logs';
const TABS: [MonitorTab, string][] = [
  ['jobs', 'Jobs'],
  ['timeline', 'Timeline'],
  ['executors', 'Executors'],
  ['logs', 'Logs']
];

export interface ICellMonitorOptions {
  model: MonitorModel;
  cellId: string;
  /** The notebook the cell is in now (its kernel may change): names it to the timeline and cancel endpoints. */
  notebook?: () => INotebookRef | undefined;
  /** The state of the connection to the monitor now; while it is down the monitor says so (its data may be stale). */
  connection?: () => ConnectionStatus;
  /** The current settings (they may change while the widget lives). */
  settings?: () => IMonitorSettings;
  /** How to reach the Jupyter server (timeline and cancel endpoints, Spark UI links). */
  serverSettings?: ServerConnection.ISettings;
  /** Why nothing moves in the cell while it runs, and its slow tasks (waits.ts); undefined: nothing to say. */
  waits?: () => CellWaits | undefined;
}

export class CellMonitorWidget extends Widget {
  readonly cellId: string;
  /** The notebook the cell is in now. */
  readonly notebook: () => INotebookRef | undefined;

  constructor(options: ICellMonitorOptions) {
    super();
    this.model = options.model;
    this.cellId = options.cellId;
    this.notebook = options.notebook ?? (() => undefined);
    this._connection = options.connection ?? (() => ({ state: 'live' }));
    this.settings = options.settings ?? (() => DEFAULT_SETTINGS);
    this.addClass('sm-cell-monitor');
    this.node.dataset.cellId = this.cellId;
    this._server = options.serverSettings ?? ServerConnection.makeSettings();
    this._plan = new PlanPane(
      this._server,
      appId => this.model.app(appId),
      () => this.scheduleRender()
    );
    this._jobs = new JobsTable(
      () => this.scheduleRender(),
      target => this._cancel(target),
      (appId, executionId) => this._plan.toggle({ appId, executionId })
    );
    this._timeline = new TimelineView();
    this._executors = new ExecutorsChart();
    this._source = new TimelineSource(
      this._server,
      this.cellId,
      state => {
        this._timeline.show(state);
        this._executors.show(state);
      },
      this.notebook
    );
    this._logs = new LogsPane(this._server, this.cellId, this.notebook);
    this._theme = new ThemeWatcher(() => {
      this._timeline.redraw();
      this._executors.redraw();
    });
    this._streams = new StreamingPanel(
      this._server.baseUrl,
      (url, init) => ServerConnection.makeRequest(url, init, this._server),
      message => this._showError(message),
      () => this.scheduleRender()
    );
    this._buildBody();
    this._buildHeader();
    this._error.hidden = true;
    this._error.setAttribute('role', 'alert');
    this._offline.hidden = true;
    this._offline.setAttribute('role', 'status');
    this._waitsOf = options.waits ?? (() => undefined);
    this._waits = new WaitsLine(this._server);
    this.node.append(
      this._header,
      this._waits.node,
      this._offline,
      this._error,
      this._streams.node,
      this._body
    );
    this.node.insertBefore(this._failures.node, this._body);
    this._failures.explain = {
      baseUrl: this._server.baseUrl,
      send: (url, init) => ServerConnection.makeRequest(url, init, this._server)
    };
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
    this._plan.dispose();
    this._timeline.dispose();
    this._executors.dispose();
    this._source.dispose();
    this._logs.dispose();
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
        tab === 'jobs'
          ? this._jobs.node
          : tab === 'timeline'
            ? this._timeline.node
            : tab === 'logs'
              ? this._logs.node
              : this._executors.node
      );
      if (tab === 'jobs') {
        pane.appendChild(this._plan.node);
      }
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
    const now = Date.now();
    const late = this._pending.prune(jobs, now);
    if (late.length) {
      this._showError(late.join('; '));
    }
    if (
      this.settings().autoCollapse &&
      running === 0 &&
      jobs.length > 0 &&
      this._autoCollapsedAt !== jobs.length
    ) {
      // The cell's jobs are done: keep only the header, once per batch of jobs (the user may expand it again).
      this._collapsed = true;
      this._autoCollapsedAt = jobs.length;
    }
    setData(this.node, 'collapsed', String(this._collapsed));
    if (this._closedAt >= 0 && jobs.length > this._closedAt) {
      this._closedAt = -1; // a new job in this cell brings a closed monitor back
      this.show();
    }
    this.toggleClass('sm-collapsed', this._collapsed);
    setHidden(this._body, this._collapsed);
    this._renderHeader(jobs, running, succeeded, failed, now);
    this._renderConnection();
    this._waits.update(this._waitsOf(), id => this.model.app(id));
    this._streams.update(this.model.streamsForCell(this.cellId), id =>
      this.model.app(id)
    );
    this._failures.update(jobs);
    const lastDone = Math.max(0, ...jobs.map(j => j.completionTime ?? 0));
    if (!this._collapsed && this._tab === 'jobs') {
      this._jobs.update(groups, this._rowContext(now));
    }
    const visible = this.isAttached && !this.isHidden && !this._collapsed;
    this._logs.setVisible(visible && this._tab === 'logs');
    this._plan.update(visible && this._tab === 'jobs', groups);
    this._source.update(
      !visible || this._tab === 'jobs' || this._tab === 'logs'
        ? 'none'
        : this._tab,
      running > 0,
      `${jobs.length}:${running}:${succeeded}:${failed}:${lastDone}`
    );
    this.tickWhile(running > 0);
  }

  /** The header's controls, built once so that keyboard focus survives re-renders. */
  private _buildHeader(): void {
    this._collapseButton.type = 'button';
    this._collapseButton.onclick = () => {
      this._collapsed = !this._collapsed;
      this.scheduleRender();
    };
    this._hintCount.title =
      'What the task data shows about some stages (see the rows marked in the Jobs tab)';
    const close = el('button', 'sm-close', '×');
    close.type = 'button';
    close.title = 'Close (comes back when this cell starts another job)';
    close.setAttribute('aria-label', close.title);
    close.onclick = () => {
      this._closedAt = this._total;
      focusCellOf(this.node);
      this.hide();
    };
    this._header.append(
      this._collapseButton,
      this._titleText,
      this._hintCount,
      this._appText,
      this._uiSlot,
      this._elapsed,
      this._cancelSlot,
      close
    );
  }

  private _renderHeader(
    jobs: Job[],
    running: number,
    succeeded: number,
    failed: number,
    now: number
  ): void {
    const total = jobs.length;
    this._total = total;
    setText(this._collapseButton, this._collapsed ? '▸' : '▾');
    const label = this._collapsed ? 'Expand' : 'Collapse';
    if (this._collapseButton.title !== label) {
      this._collapseButton.title = label;
      this._collapseButton.setAttribute('aria-label', label);
    }
    const cancelled = jobs.filter(j => j.status === 'CANCELLED').length;
    setText(
      this._titleText,
      `Spark jobs: ${total} (running ${running}, succeeded ${succeeded}, ` +
        `${cancelled ? `cancelled ${cancelled}, ` : ''}failed ${failed})`
    );
    const hints = jobs.reduce((n, j) => n + (j.hints?.length ?? 0), 0);
    setText(this._hintCount, `${hints} hint${hints === 1 ? '' : 's'}`);
    setData(this._hintCount, 'count', String(hints));
    setHidden(this._hintCount, hints === 0);
    const app = jobs.length
      ? this.model.app(jobs[jobs.length - 1].appId)
      : undefined;
    setHidden(this._appText, !app);
    setText(this._appText, app ? appLine(app) : '');
    const older = app ? olderJobsNote(app) : '';
    if (this._appText.title !== (older ? OLDER_JOBS_TITLE : '')) {
      this._appText.title = older ? OLDER_JOBS_TITLE : '';
    }
    // The app's Spark UI: a link while the monitor proxies it, nothing otherwise.
    const uiUrl = app
      ? sparkUIUrl(this._server.baseUrl, app, { kind: 'app' })
      : null;
    if (this._uiSlot.dataset.url !== (uiUrl ?? '')) {
      this._uiSlot.dataset.url = uiUrl ?? '';
      this._uiSlot.replaceChildren(
        ...(uiUrl ? [uiLink(uiUrl, { kind: 'app' }, 'Spark UI')] : [])
      );
    }
    setHidden(this._elapsed, !jobs.length);
    if (jobs.length) {
      const first = Math.min(...jobs.map(j => j.submissionTime));
      const last = running
        ? now
        : Math.max(...jobs.map(j => j.completionTime ?? j.submissionTime));
      setText(this._elapsed, `elapsed ${formatDuration(last - first)}`);
    }
    // "Cancel this cell's jobs" while one of them runs in an app that allows cancelling.
    const cancellable = jobs.some(
      j => j.status === 'RUNNING' && this.model.app(j.appId)?.cancelEnabled
    );
    const control = !cancellable
      ? 'none'
      : this._pending.has({ kind: 'cell', cellId: this.cellId })
        ? 'pending'
        : 'ready';
    if (this._cancelSlot.dataset.control !== control) {
      this._cancelSlot.dataset.control = control;
      if (control === 'none') {
        this._cancelSlot.replaceChildren();
      } else {
        const button = cancelButton(
          'cell',
          control,
          "this cell's running jobs"
        );
        button.onclick = () =>
          this._cancel({
            kind: 'cell',
            cellId: this.cellId,
            notebook: this.notebook()
          });
        this._cancelSlot.replaceChildren(button);
      }
    }
  }

  /** What the jobs table's rows need: Spark UI links and cancel controls (from the widget's pending cancels). */
  private _rowContext(now: number): IRowContext {
    const baseUrl = this._server.baseUrl;
    return {
      now,
      uiUrl: (appId: string, target: UITarget) =>
        sparkUIUrl(baseUrl, this.model.app(appId), target),
      planOpen: (appId, executionId) => this._plan.isOpen(appId, executionId),
      jobCancel: job =>
        jobCancelControl(
          this.model.app(job.appId),
          job,
          this._pending.has({ kind: 'job', appId: job.appId, jobId: job.jobId })
        ),
      stageCancel: (job, stage) =>
        stageCancelControl(
          this.model.app(job.appId),
          job,
          stage,
          this._pending.has({
            kind: 'stage',
            appId: job.appId,
            stageId: stage.stageId
          })
        )
    };
  }

  /** Asks the monitor to cancel; the button shows "cancelling…" until the job ends, or the error replaces it. */
  private _cancel(target: CancelTarget): void {
    if (this._pending.has(target)) {
      return;
    }
    this._pending.add(target, Date.now());
    this._showError(null);
    this.scheduleRender();
    const send = (url: string, init: RequestInit) =>
      ServerConnection.makeRequest(url, init, this._server);
    requestCancel(this._server.baseUrl, target, send)
      .then(requested => {
        if (requested === 0) {
          this._pending.delete(target); // nothing was running any more
          this.scheduleRender();
        }
      })
      .catch((err: Error) => {
        this._pending.delete(target);
        this._showError(err.message);
        this.scheduleRender();
      });
  }

  /** While the connection to the monitor is down: says so, and that what is shown may be out of date. */
  private _renderConnection(): void {
    const status = this._connection();
    setData(this.node, 'connection', status.state);
    const down = status.state === 'unavailable';
    setHidden(this._offline, !down);
    if (down) {
      setText(
        this._offline,
        'Reconnecting to the Spark monitor… what is shown may be out of date.'
      );
      if (this._offline.title !== status.reason) {
        this._offline.title = status.reason;
      }
    }
  }

  /** Shows a failure in the monitor (`.sm-error`), or hides it (null). */
  private _showError(message: string | null): void {
    this._error.hidden = message === null;
    if (message === null) {
      this._error.replaceChildren();
      return;
    }
    const dismiss = el('button', 'sm-error-close', '×');
    dismiss.type = 'button';
    dismiss.title = 'Dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss the error');
    dismiss.onclick = () => this._showError(null);
    this._error.replaceChildren(
      el('span', 'sm-error-message', message),
      dismiss
    );
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
  private readonly settings: () => IMonitorSettings;
  private readonly _header = el('div', 'sm-header');
  private readonly _collapseButton = el('button', 'sm-collapse');
  private readonly _titleText = el('span', 'sm-title');
  private readonly _hintCount = el('span', 'sm-hint-count');
  private readonly _appText = el('span', 'sm-app');
  private readonly _uiSlot = el('span', 'sm-ui-slot');
  private readonly _elapsed = el('span', 'sm-elapsed');
  private readonly _cancelSlot = el('span', 'sm-cancel-slot');
  private readonly _error = el('div', 'sm-error');
  private readonly _failures = new FailureCards();
  private readonly _offline = el('div', 'sm-offline');
  private readonly _connection: () => ConnectionStatus;
  private readonly _server: ServerConnection.ISettings;
  private readonly _pending = new PendingCancels();
  private _total = 0;
  private readonly _body = el('div', 'sm-body');
  private readonly _panes = new Map<MonitorTab, HTMLDivElement>();
  private readonly _tabButtons = new Map<MonitorTab, HTMLButtonElement>();
  private readonly _jobs: JobsTable;
  private readonly _streams: StreamingPanel;
  private readonly _plan: PlanPane;
  private readonly _timeline: TimelineView;
  private readonly _executors: ExecutorsChart;
  private readonly _source: TimelineSource;
  private readonly _logs: LogsPane;
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
  private readonly _waits: WaitsLine;
  private readonly _waitsOf: () => CellWaits | undefined;
}

/** Shows or hides a node, writing only a change. */
function setHidden(node: HTMLElement, hidden: boolean): void {
  if (node.hidden !== hidden) {
    node.hidden = hidden;
  }
}

/**
 * Before a monitor that holds the keyboard focus is hidden, hands the focus to its cell: a focused element that
 * disappears leaves the notebook to recover the focus later on its own, which can re-activate the notebook after the
 * user has moved to another tab.
 */
export function focusCellOf(monitor: HTMLElement): void {
  if (monitor.contains(document.activeElement)) {
    (monitor.closest('.jp-Cell') as HTMLElement | null)?.focus();
  }
}
