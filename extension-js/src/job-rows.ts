// The DOM of one row of the jobs table, per kind of row (rows.ts). Every row is one line of ROW_HEIGHT pixels.
import { FailureReason, Hint, Job, Stage } from './api';
import { CancelControl } from './cancel';
import { formatBytes, formatDuration } from './format';
import { GroupSummary, oneLine, Row, summarizeGroup } from './rows';
import { JobGroup } from './model';
import { sparkUILabel, UITarget } from './spark-ui';

/** What rows need besides their data: the time, links into the Spark UI, and the cancel controls to show. */
export interface RowContext {
  now: number;
  /** The URL of a Spark UI page of an app, or null when it has none (then no link). */
  uiUrl(appId: string, target: UITarget): string | null;
  jobCancel(job: Job): CancelControl;
  stageCancel(job: Job, stage: Stage): CancelControl;
}

/** Columns of the jobs table. */
export const COLUMNS = ['Job', 'Name', 'Status', 'Stages', 'Tasks', 'Submitted', 'Duration'];

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/** Sets a node's text unless it already has it (a write replaces the text node, which restyles even when equal). */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

function cell(cls: string, text: string, title?: string): HTMLTableCellElement {
  const td = el('td', cls, text);
  if (title) {
    td.title = title;
  }
  return td;
}

const HINT_LABELS: Record<string, string> = { skew: 'skew', spill: 'spill', tinyTasks: 'tiny tasks' };

/**
 * A link into the Spark UI that opens in a new tab (`a.sm-ui-link[data-kind]`), or just the text when there is no
 * URL. The jobs table ignores clicks on links (they do not expand rows).
 */
export function uiLink(url: string | null, target: UITarget, text: string): HTMLElement {
  if (url === null) {
    return el('span', 'sm-ui-text', text);
  }
  const a = el('a', 'sm-ui-link', text);
  a.href = url;
  a.target = '_blank';
  a.rel = 'noopener';
  a.dataset.kind = target.kind;
  a.title = sparkUILabel(target);
  a.setAttribute('aria-label', sparkUILabel(target));
  return a;
}

/** A cancel button (`button.sm-cancel-{kind}`): "cancel", or "cancelling…" (disabled) while the request is pending. */
export function cancelButton(kind: 'job' | 'stage' | 'cell', control: CancelControl, what: string): HTMLButtonElement {
  const pending = control === 'pending';
  const label = kind === 'cell' ? "Cancel this cell's jobs" : 'cancel';
  const button = el('button', `sm-cancel sm-cancel-${kind}`, pending ? 'cancelling…' : label);
  button.type = 'button';
  button.disabled = pending;
  button.dataset.pending = String(pending);
  button.title = pending ? `Cancelling ${what}…` : `Cancel ${what}`;
  button.setAttribute('aria-label', button.title);
  return button;
}

/** Builds the row at `index` of the table. */
export function renderRow(row: Row, index: number, ctx: RowContext): HTMLTableRowElement {
  let tr: HTMLTableRowElement;
  switch (row.kind) {
    case 'sql':
      tr = sqlRow(row.group, summarizeGroup(row.group), ctx);
      break;
    case 'job':
      tr = jobRow(row.job, row.expanded, ctx);
      break;
    case 'stage':
      tr = stageRow(row.job, row.stage, ctx);
      break;
    case 'hint':
      tr = hintRow(row.hint);
      break;
    case 'failure':
      tr = failureRow(row.failure, row.job);
      break;
  }
  tr.dataset.row = String(index);
  return tr;
}

function sqlRow(group: JobGroup, s: GroupSummary, ctx: RowContext): HTMLTableRowElement {
  const now = ctx.now;
  const tr = el('tr', `sm-sql sm-status-${s.status.toLowerCase()}`);
  tr.dataset.executionId = String(group.executionId);
  tr.dataset.status = s.status;
  const description = group.sql?.description || `SQL query ${group.executionId}`;
  const id = el('td', 'sm-sql-id');
  const target: UITarget = { kind: 'sql', executionId: group.executionId as number };
  id.appendChild(uiLink(ctx.uiUrl(group.appId, target), target, `SQL ${group.executionId}`));
  tr.appendChild(id);
  tr.appendChild(cell('sm-sql-description', oneLine(description), description));
  tr.appendChild(cell('sm-sql-status', s.status, group.sql?.error ?? undefined));
  tr.appendChild(cell('sm-sql-jobs', `${group.jobs.length} job${group.jobs.length === 1 ? '' : 's'}`));
  const tasks = el('td', 'sm-sql-tasks');
  tasks.appendChild(progress(s.numCompletedTasks, s.numTasks, s.numActiveTasks, s.numFailedTasks, s.numSkippedTasks));
  tr.appendChild(tasks);
  tr.appendChild(cell('sm-sql-submitted', new Date(s.start).toLocaleTimeString()));
  tr.appendChild(cell('sm-sql-duration', formatDuration((s.end ?? now) - s.start)));
  return tr;
}

function jobRow(job: Job, expanded: boolean, ctx: RowContext): HTMLTableRowElement {
  const now = ctx.now;
  const tr = el('tr', `sm-job sm-status-${job.status.toLowerCase()}`);
  tr.dataset.appId = job.appId;
  tr.dataset.jobId = String(job.jobId);
  tr.dataset.status = job.status;
  tr.dataset.expanded = String(expanded);
  tr.title = expanded ? 'Hide stages' : 'Show stages';
  const id = cell('sm-job-id', `${expanded ? '▾' : '▸'} `);
  const target: UITarget = { kind: 'job', jobId: job.jobId };
  id.appendChild(uiLink(ctx.uiUrl(job.appId, target), target, String(job.jobId)));
  tr.appendChild(id);
  tr.appendChild(cell('sm-job-name', job.name, job.description ?? job.name));
  const status = cell('sm-job-status', job.status, job.error ?? undefined);
  const control = ctx.jobCancel(job);
  if (control !== 'none') {
    status.appendChild(cancelButton('job', control, `job ${job.jobId}`));
  }
  tr.appendChild(status);
  tr.appendChild(cell('sm-job-stages', `${job.numCompletedStages}/${job.numStages - job.numSkippedStages}`));
  const tasks = el('td', 'sm-job-tasks');
  tasks.appendChild(
    progress(job.numCompletedTasks, job.numTasks, job.numActiveTasks, job.numFailedTasks, job.numSkippedTasks)
  );
  tr.appendChild(tasks);
  tr.appendChild(cell('sm-job-submitted', new Date(job.submissionTime).toLocaleTimeString()));
  tr.appendChild(cell('sm-job-duration', formatDuration((job.completionTime ?? now) - job.submissionTime)));
  return tr;
}

/** The stage's input, output, shuffle and spill figures on one line. */
export function stageIO(stage: Stage): string {
  return [
    stage.inputBytes ? `in ${formatBytes(stage.inputBytes)} / ${stage.inputRecords} rec` : '',
    stage.outputBytes ? `out ${formatBytes(stage.outputBytes)} / ${stage.outputRecords} rec` : '',
    stage.shuffleReadBytes ? `shuffle read ${formatBytes(stage.shuffleReadBytes)} / ${stage.shuffleReadRecords} rec` : '',
    stage.shuffleWriteBytes
      ? `shuffle write ${formatBytes(stage.shuffleWriteBytes)} / ${stage.shuffleWriteRecords} rec`
      : '',
    stage.memoryBytesSpilled || stage.diskBytesSpilled
      ? `spill ${formatBytes(stage.memoryBytesSpilled)} mem, ${formatBytes(stage.diskBytesSpilled)} disk`
      : '',
    stage.taskTime
      ? `task time min ${formatDuration(stage.taskTime.min)}, median ${formatDuration(stage.taskTime.median)}, ` +
        `max ${formatDuration(stage.taskTime.max)}`
      : ''
  ]
    .filter(Boolean)
    .join(' · ');
}

function stageRow(job: Job, stage: Stage, ctx: RowContext): HTMLTableRowElement {
  const now = ctx.now;
  const tr = el('tr', `sm-stage sm-status-${stage.status.toLowerCase()}`);
  tr.dataset.stageId = String(stage.stageId);
  tr.dataset.attempt = String(stage.attemptId);
  tr.dataset.status = stage.status;
  const id = el('td', 'sm-stage-id');
  const target: UITarget = { kind: 'stage', stageId: stage.stageId, attemptId: stage.attemptId };
  id.appendChild(uiLink(ctx.uiUrl(job.appId, target), target, `stage ${stage.stageId}.${stage.attemptId}`));
  tr.appendChild(id);
  tr.appendChild(cell('sm-stage-name', stage.name, stage.failureReason ?? stage.name));
  const status = cell('sm-stage-status', stage.status, stage.failureReason ?? undefined);
  const control = ctx.stageCancel(job, stage);
  if (control !== 'none') {
    status.appendChild(cancelButton('stage', control, `stage ${stage.stageId}`));
  }
  tr.appendChild(status);
  const io = stageIO(stage);
  const ioCell = cell('sm-stage-io', io, io);
  ioCell.dataset.shuffleWriteBytes = String(stage.shuffleWriteBytes);
  ioCell.dataset.inputRecords = String(stage.inputRecords);
  tr.appendChild(ioCell);
  const tasks = el('td', 'sm-stage-tasks');
  tasks.appendChild(progress(stage.numCompletedTasks, stage.numTasks, stage.numActiveTasks, stage.numFailedTasks, 0));
  tr.appendChild(tasks);
  tr.appendChild(
    cell('sm-stage-submitted', stage.submissionTime ? new Date(stage.submissionTime).toLocaleTimeString() : '')
  );
  const duration = stage.submissionTime ? (stage.completionTime ?? now) - stage.submissionTime : null;
  tr.appendChild(cell('sm-stage-duration', duration === null ? '' : formatDuration(duration)));
  return tr;
}

function hintRow(hint: Hint): HTMLTableRowElement {
  const tr = el('tr', `sm-hint sm-hint-${hint.severity}`);
  tr.dataset.kind = hint.kind;
  tr.dataset.severity = hint.severity;
  tr.dataset.stageId = String(hint.stageId);
  const td = el('td', 'sm-hint-cell');
  td.colSpan = COLUMNS.length;
  td.title = hint.message;
  td.appendChild(el('span', 'sm-hint-kind', HINT_LABELS[hint.kind] ?? hint.kind));
  td.appendChild(el('span', 'sm-hint-message', hint.message));
  tr.appendChild(td);
  return tr;
}

function failureRow(failure: FailureReason, job: Job): HTMLTableRowElement {
  const tr = el('tr', 'sm-failure');
  tr.dataset.count = String(failure.count);
  tr.dataset.jobId = String(job.jobId);
  const td = el('td', 'sm-failure-cell');
  td.colSpan = COLUMNS.length;
  const text = `${failure.count} failed task${failure.count === 1 ? '' : 's'}: ${failure.reason}`;
  td.title = text;
  if (failure.detail) {
    const open = el('button', 'sm-failure-open', 'stack trace');
    open.title = 'Show the first stack trace below the table';
    td.appendChild(open);
  }
  td.appendChild(el('span', 'sm-failure-reason', text));
  tr.appendChild(td);
  return tr;
}

/** A task progress bar: completed, running and failed of total. */
export function progress(completed: number, total: number, running: number, failed: number, skipped: number): HTMLElement {
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
  bar.appendChild(el('span', 'sm-progress-text', `${completed}/${total}${extra.length ? ` (${extra.join(', ')})` : ''}`));
  return bar;
}
