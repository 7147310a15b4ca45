// The DOM of one row of the jobs table, per kind of row (rows.ts). Every row is one line of ROW_HEIGHT pixels.
import { FailureReason, Hint, Job, Stage } from './api';
import { formatBytes, formatDuration } from './format';
import { GroupSummary, oneLine, Row, summarizeGroup } from './rows';
import { JobGroup } from './model';

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

function cell(cls: string, text: string, title?: string): HTMLTableCellElement {
  const td = el('td', cls, text);
  if (title) {
    td.title = title;
  }
  return td;
}

const HINT_LABELS: Record<string, string> = { skew: 'skew', spill: 'spill', tinyTasks: 'tiny tasks' };

/** Builds the row at `index` of the table. */
export function renderRow(row: Row, index: number, now: number): HTMLTableRowElement {
  let tr: HTMLTableRowElement;
  switch (row.kind) {
    case 'sql':
      tr = sqlRow(row.group, summarizeGroup(row.group), now);
      break;
    case 'job':
      tr = jobRow(row.job, row.expanded, now);
      break;
    case 'stage':
      tr = stageRow(row.stage, now);
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

function sqlRow(group: JobGroup, s: GroupSummary, now: number): HTMLTableRowElement {
  const tr = el('tr', `sm-sql sm-status-${s.status.toLowerCase()}`);
  tr.dataset.executionId = String(group.executionId);
  tr.dataset.status = s.status;
  const description = group.sql?.description || `SQL query ${group.executionId}`;
  tr.appendChild(cell('sm-sql-id', `SQL ${group.executionId}`));
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

function jobRow(job: Job, expanded: boolean, now: number): HTMLTableRowElement {
  const tr = el('tr', `sm-job sm-status-${job.status.toLowerCase()}`);
  tr.dataset.jobId = String(job.jobId);
  tr.dataset.status = job.status;
  tr.dataset.expanded = String(expanded);
  tr.title = expanded ? 'Hide stages' : 'Show stages';
  tr.appendChild(cell('sm-job-id', `${expanded ? '▾' : '▸'} ${job.jobId}`));
  tr.appendChild(cell('sm-job-name', job.name, job.description ?? job.name));
  tr.appendChild(cell('sm-job-status', job.status, job.error ?? undefined));
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

function stageRow(stage: Stage, now: number): HTMLTableRowElement {
  const tr = el('tr', `sm-stage sm-status-${stage.status.toLowerCase()}`);
  tr.dataset.stageId = String(stage.stageId);
  tr.dataset.attempt = String(stage.attemptId);
  tr.dataset.status = stage.status;
  tr.appendChild(cell('sm-stage-id', `stage ${stage.stageId}.${stage.attemptId}`));
  tr.appendChild(cell('sm-stage-name', stage.name, stage.failureReason ?? stage.name));
  tr.appendChild(cell('sm-stage-status', stage.status, stage.failureReason ?? undefined));
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
