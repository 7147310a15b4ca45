// The monitor shown under a notebook cell: a header with the cell's job counts and one row per Spark job.
import { Widget } from '@lumino/widgets';

import { FailureReason, Job, Stage } from './api';
import { formatBytes, formatDuration } from './format';
import { MonitorModel } from './model';
import { DEFAULT_SETTINGS, MonitorSettings } from './settings';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

export class CellMonitorWidget extends Widget {
  constructor(
    private readonly model: MonitorModel,
    readonly cellId: string,
    private readonly settings: () => MonitorSettings = () => DEFAULT_SETTINGS
  ) {
    super();
    this.addClass('sm-cell-monitor');
    this.node.dataset.cellId = cellId;
    this._unsubscribe = model.onCellChanged(id => {
      if (id === cellId) {
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
    super.dispose();
  }

  private render(): void {
    const jobs = this.model.jobsForCell(this.cellId);
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
    this.node.textContent = '';
    this.toggleClass('sm-collapsed', this._collapsed);
    const header = el('div', 'sm-header');
    const collapse = el('button', 'sm-collapse', this._collapsed ? '▸' : '▾');
    collapse.title = this._collapsed ? 'Expand' : 'Collapse';
    collapse.onclick = () => {
      this._collapsed = !this._collapsed;
      this.scheduleRender();
    };
    header.appendChild(collapse);
    header.appendChild(
      el('span', 'sm-title', `Spark jobs: ${jobs.length} (running ${running}, succeeded ${succeeded}, failed ${failed})`)
    );
    const app = jobs.length ? this.model.app(jobs[jobs.length - 1].appId) : undefined;
    if (app) {
      header.appendChild(
        el('span', 'sm-app', `${app.appName} · ${app.numExecutors} executors · ${app.totalCores} cores · ${app.state}`)
      );
    }
    if (jobs.length) {
      const first = Math.min(...jobs.map(j => j.submissionTime));
      const last = running ? Date.now() : Math.max(...jobs.map(j => j.completionTime ?? j.submissionTime));
      header.appendChild(el('span', 'sm-elapsed', `elapsed ${formatDuration(last - first)}`));
    }
    const close = el('button', 'sm-close', '×');
    close.title = 'Close (comes back when this cell starts another job)';
    close.onclick = () => {
      this._closedAt = jobs.length;
      this.hide();
    };
    header.appendChild(close);
    this.node.appendChild(header);
    if (this._collapsed) {
      this.tickWhile(running > 0);
      return;
    }

    const table = el('table', 'sm-jobs');
    const head = table.createTHead().insertRow();
    for (const title of ['Job', 'Name', 'Status', 'Stages', 'Tasks', 'Submitted', 'Duration']) {
      head.appendChild(el('th', '', title));
    }
    const body = table.createTBody();
    const now = Date.now();
    for (const job of jobs) {
      body.appendChild(this.row(job, now));
      if (this._expanded.has(job.jobId)) {
        for (const stage of job.stages) {
          body.appendChild(stageRow(stage, now));
        }
      }
      if (this._expanded.has(job.jobId) || job.status === 'FAILED') {
        for (const failure of job.failures ?? []) {
          body.appendChild(failureRow(failure));
        }
      }
    }
    this.node.appendChild(table);
    this.tickWhile(running > 0);
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

  private row(job: Job, now: number): HTMLTableRowElement {
    const tr = el('tr', `sm-job sm-status-${job.status.toLowerCase()}`);
    tr.dataset.jobId = String(job.jobId);
    tr.dataset.status = job.status;
    const expanded = this._expanded.has(job.jobId);
    tr.dataset.expanded = String(expanded);
    tr.title = expanded ? 'Hide stages' : 'Show stages';
    tr.onclick = () => {
      if (!this._expanded.delete(job.jobId)) {
        this._expanded.add(job.jobId);
      }
      this.scheduleRender();
    };
    tr.appendChild(el('td', 'sm-job-id', `${expanded ? '▾' : '▸'} ${job.jobId}`));
    const name = el('td', 'sm-job-name', job.name);
    name.title = job.description ?? job.name;
    tr.appendChild(name);
    const status = el('td', 'sm-job-status', job.status);
    if (job.error) {
      status.title = job.error;
    }
    tr.appendChild(status);
    tr.appendChild(el('td', 'sm-job-stages', `${job.numCompletedStages}/${job.numStages - job.numSkippedStages}`));
    const tasks = el('td', 'sm-job-tasks');
    tasks.appendChild(progress(job.numCompletedTasks, job.numTasks, job.numActiveTasks, job.numFailedTasks, job.numSkippedTasks));
    tr.appendChild(tasks);
    tr.appendChild(el('td', 'sm-job-submitted', new Date(job.submissionTime).toLocaleTimeString()));
    const end = job.completionTime ?? now;
    tr.appendChild(el('td', 'sm-job-duration', formatDuration(end - job.submissionTime)));
    return tr;
  }

  private _frame = 0;
  private _delay = 0;
  private _lastRender = 0;
  private _autoCollapsedAt = -1;
  private _ticker = 0;
  private _collapsed = false;
  private _closedAt = -1;
  private readonly _expanded = new Set<number>();
  private readonly _unsubscribe: () => void;
}

function failureRow(failure: FailureReason): HTMLTableRowElement {
  const tr = el('tr', 'sm-failure');
  tr.dataset.count = String(failure.count);
  const td = el('td', '');
  td.colSpan = 7;
  const details = el('details', '');
  const summary = el('summary', 'sm-failure-reason', `${failure.count} failed task${failure.count === 1 ? '' : 's'}: ${failure.reason}`);
  details.appendChild(summary);
  if (failure.detail) {
    details.appendChild(el('pre', 'sm-failure-detail', failure.detail));
  }
  td.appendChild(details);
  tr.appendChild(td);
  return tr;
}

function stageRow(stage: Stage, now: number): HTMLTableRowElement {
  const tr = el('tr', `sm-stage sm-status-${stage.status.toLowerCase()}`);
  tr.dataset.stageId = String(stage.stageId);
  tr.dataset.attempt = String(stage.attemptId);
  tr.dataset.status = stage.status;
  tr.appendChild(el('td', 'sm-stage-id', `stage ${stage.stageId}.${stage.attemptId}`));
  const name = el('td', 'sm-stage-name', stage.name);
  name.title = stage.failureReason ?? stage.name;
  tr.appendChild(name);
  tr.appendChild(el('td', 'sm-stage-status', stage.status));
  const io = [
    stage.inputBytes ? `in ${formatBytes(stage.inputBytes)} / ${stage.inputRecords} rec` : '',
    stage.outputBytes ? `out ${formatBytes(stage.outputBytes)} / ${stage.outputRecords} rec` : '',
    stage.shuffleReadBytes ? `shuffle read ${formatBytes(stage.shuffleReadBytes)} / ${stage.shuffleReadRecords} rec` : '',
    stage.shuffleWriteBytes ? `shuffle write ${formatBytes(stage.shuffleWriteBytes)} / ${stage.shuffleWriteRecords} rec` : '',
    stage.memoryBytesSpilled || stage.diskBytesSpilled
      ? `spill ${formatBytes(stage.memoryBytesSpilled)} mem, ${formatBytes(stage.diskBytesSpilled)} disk`
      : ''
  ].filter(Boolean);
  const ioCell = el('td', 'sm-stage-io', io.join(' · '));
  ioCell.dataset.shuffleWriteBytes = String(stage.shuffleWriteBytes);
  ioCell.dataset.inputRecords = String(stage.inputRecords);
  tr.appendChild(ioCell);
  const tasks = el('td', 'sm-stage-tasks');
  tasks.appendChild(
    progress(stage.numCompletedTasks, stage.numTasks, stage.numActiveTasks, stage.numFailedTasks, 0)
  );
  tr.appendChild(tasks);
  tr.appendChild(
    el('td', 'sm-stage-submitted', stage.submissionTime ? new Date(stage.submissionTime).toLocaleTimeString() : '')
  );
  const duration = stage.submissionTime ? (stage.completionTime ?? now) - stage.submissionTime : null;
  tr.appendChild(el('td', 'sm-stage-duration', duration === null ? '' : formatDuration(duration)));
  return tr;
}

function progress(completed: number, total: number, running: number, failed: number, skipped: number): HTMLElement {
  const bar = el('div', 'sm-progress');
  bar.dataset.completed = String(completed);
  bar.dataset.total = String(total);
  bar.dataset.running = String(running);
  bar.dataset.failed = String(failed);
  const pct = (n: number) => `${total > 0 ? Math.min(100, (100 * n) / total) : 0}%`;
  const segments = el('div', 'sm-progress-track');
  for (const [cls, n] of [
    ['sm-progress-completed', completed],
    ['sm-progress-running', running],
    ['sm-progress-failed', failed]
  ] as const) {
    const seg = el('div', cls);
    seg.style.width = pct(n);
    segments.appendChild(seg);
  }
  bar.appendChild(segments);
  let text = `${completed}/${total}`;
  const extra = [];
  if (running) {
    extra.push(`${running} running`);
  }
  if (failed) {
    extra.push(`${failed} failed`);
  }
  if (skipped) {
    extra.push(`${skipped} skipped`);
  }
  if (extra.length) {
    text += ` (${extra.join(', ')})`;
  }
  bar.appendChild(el('span', 'sm-progress-text', text));
  return bar;
}
