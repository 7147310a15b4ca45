// The monitor shown under a notebook cell: a header with the cell's job counts and one row per Spark job.
import { Widget } from '@lumino/widgets';

import { Job } from './api';
import { MonitorModel } from './model';

export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.max(0, Math.round(ms))} ms`;
  }
  const s = ms / 1000;
  if (s < 60) {
    return `${s.toFixed(1)} s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m} min ${Math.round(s - m * 60)} s`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

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
    readonly cellId: string
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

  /** Renders at most once per animation frame, however many updates arrive. */
  scheduleRender(): void {
    if (this._frame === 0 && !this.isDisposed) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this.render();
      });
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    cancelAnimationFrame(this._frame);
    window.clearInterval(this._ticker);
    this._unsubscribe();
    super.dispose();
  }

  private render(): void {
    const jobs = this.model.jobsForCell(this.cellId);
    const running = jobs.filter(j => j.status === 'RUNNING').length;
    const succeeded = jobs.filter(j => j.status === 'SUCCEEDED').length;
    const failed = jobs.filter(j => j.status === 'FAILED').length;
    this.node.textContent = '';
    const header = el('div', 'sm-header');
    header.appendChild(
      el('span', 'sm-title', `Spark jobs: ${jobs.length} (running ${running}, succeeded ${succeeded}, failed ${failed})`)
    );
    const app = jobs.length ? this.model.app(jobs[jobs.length - 1].appId) : undefined;
    if (app) {
      header.appendChild(
        el('span', 'sm-app', `${app.appName} · ${app.numExecutors} executors · ${app.totalCores} cores · ${app.state}`)
      );
    }
    this.node.appendChild(header);

    const table = el('table', 'sm-jobs');
    const head = table.createTHead().insertRow();
    for (const title of ['Job', 'Name', 'Status', 'Stages', 'Tasks', 'Submitted', 'Duration']) {
      head.appendChild(el('th', '', title));
    }
    const body = table.createTBody();
    const now = Date.now();
    for (const job of jobs) {
      body.appendChild(this.row(job, now));
    }
    this.node.appendChild(table);

    // Durations of running jobs tick while any job runs.
    if (running > 0 && this._ticker === 0) {
      this._ticker = window.setInterval(() => this.scheduleRender(), 1000);
    } else if (running === 0 && this._ticker !== 0) {
      window.clearInterval(this._ticker);
      this._ticker = 0;
    }
  }

  private row(job: Job, now: number): HTMLTableRowElement {
    const tr = el('tr', `sm-job sm-status-${job.status.toLowerCase()}`);
    tr.dataset.jobId = String(job.jobId);
    tr.dataset.status = job.status;
    tr.appendChild(el('td', 'sm-job-id', String(job.jobId)));
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
    tasks.appendChild(progress(job));
    tr.appendChild(tasks);
    tr.appendChild(el('td', 'sm-job-submitted', new Date(job.submissionTime).toLocaleTimeString()));
    const end = job.completionTime ?? now;
    tr.appendChild(el('td', 'sm-job-duration', formatDuration(end - job.submissionTime)));
    return tr;
  }

  private _frame = 0;
  private _ticker = 0;
  private readonly _unsubscribe: () => void;
}

function progress(job: Job): HTMLElement {
  const total = job.numTasks;
  const bar = el('div', 'sm-progress');
  bar.dataset.completed = String(job.numCompletedTasks);
  bar.dataset.total = String(total);
  bar.dataset.running = String(job.numActiveTasks);
  bar.dataset.failed = String(job.numFailedTasks);
  const pct = (n: number) => `${total > 0 ? Math.min(100, (100 * n) / total) : 0}%`;
  const segments = el('div', 'sm-progress-track');
  for (const [cls, n] of [
    ['sm-progress-completed', job.numCompletedTasks],
    ['sm-progress-running', job.numActiveTasks],
    ['sm-progress-failed', job.numFailedTasks]
  ] as const) {
    const seg = el('div', cls);
    seg.style.width = pct(n);
    segments.appendChild(seg);
  }
  bar.appendChild(segments);
  let text = `${job.numCompletedTasks}/${total}`;
  const extra = [];
  if (job.numActiveTasks) {
    extra.push(`${job.numActiveTasks} running`);
  }
  if (job.numFailedTasks) {
    extra.push(`${job.numFailedTasks} failed`);
  }
  if (job.numSkippedTasks) {
    extra.push(`${job.numSkippedTasks} skipped`);
  }
  if (extra.length) {
    text += ` (${extra.join(', ')})`;
  }
  bar.appendChild(el('span', 'sm-progress-text', text));
  return bar;
}
