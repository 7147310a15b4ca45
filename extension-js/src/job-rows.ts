// One row of the jobs table, per kind of row (rows.ts), as a VNode (vnode.ts). Every row is one line of ROW_HEIGHT
// pixels.
import { FailureReason, Hint, Job, Stage } from './api';
import { CancelControl } from './cancel';
import { lineLabel } from './cell-line';
import { formatBytes, formatDuration } from './format';
import { IGroupSummary, oneLine, Row, summarizeGroup } from './rows';
import { IJobGroup } from './model';
import { sparkUILabel, UITarget } from './spark-ui';
import { create, v, IVNode } from './vnode';

/** What rows need besides their data: the time, links into the Spark UI, and the cancel controls to show. */
export interface IRowContext {
  now: number;
  /** The URL of a Spark UI page of an app, or null when it has none (then no link). */
  uiUrl(appId: string, target: UITarget): string | null;
  jobCancel(job: Job): CancelControl;
  stageCancel(job: Job, stage: Stage): CancelControl;
  /** Whether the plan of a SQL query is open under the table (its "Plan" button is pressed); no button without it. */
  planOpen?(appId: string, executionId: number): boolean;
}

/** Columns of the jobs table. */
export const COLUMNS = [
  'Job',
  'Name',
  'Status',
  'Stages',
  'Tasks',
  'Submitted',
  'Duration'
];

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  text?: string
): HTMLElementTagNameMap[K] {
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

function cell(cls: string, text: string, title?: string): IVNode {
  return v('td', cls, text, title ? { title } : {});
}

const HINT_LABELS: Record<string, string> = {
  skew: 'skew',
  spill: 'spill',
  tinyTasks: 'tiny tasks'
};

/**
 * A link into the Spark UI that opens in a new tab (`a.sm-ui-link[data-kind]`), or just the text when there is no
 * URL. The jobs table ignores clicks on links (they do not expand rows).
 */
export function uiLinkV(
  url: string | null,
  target: UITarget,
  text: string
): IVNode {
  if (url === null) {
    return v('span', 'sm-ui-text', text);
  }
  const label = sparkUILabel(target);
  return v('a', 'sm-ui-link', text, {
    href: url,
    target: '_blank',
    rel: 'noopener',
    'data-kind': target.kind,
    title: label,
    'aria-label': label
  });
}

/** uiLinkV's DOM. */
export function uiLink(
  url: string | null,
  target: UITarget,
  text: string
): HTMLElement {
  return create(uiLinkV(url, target, text));
}

/** A cancel button (`button.sm-cancel-{kind}`): "cancel", or "cancelling…" (disabled) while the request is pending. */
export function cancelButtonV(
  kind: 'job' | 'stage' | 'cell',
  control: CancelControl,
  what: string
): IVNode {
  const pending = control === 'pending';
  const label = kind === 'cell' ? "Cancel this cell's jobs" : 'cancel';
  const title = pending ? `Cancelling ${what}…` : `Cancel ${what}`;
  return v(
    'button',
    `sm-cancel sm-cancel-${kind}`,
    pending ? 'cancelling…' : label,
    {
      type: 'button',
      ...(pending ? { disabled: '' } : {}),
      'data-pending': String(pending),
      title,
      'aria-label': title
    }
  );
}

/** cancelButtonV's DOM. */
export function cancelButton(
  kind: 'job' | 'stage' | 'cell',
  control: CancelControl,
  what: string
): HTMLButtonElement {
  return create(cancelButtonV(kind, control, what)) as HTMLButtonElement;
}

/** Builds the row at `index` of the table. */
export function renderRow(row: Row, index: number, ctx: IRowContext): IVNode {
  let tr: IVNode;
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
  tr.attrs['data-row'] = String(index);
  return tr;
}

function sqlRow(group: IJobGroup, s: IGroupSummary, ctx: IRowContext): IVNode {
  const now = ctx.now;
  const description =
    group.sql?.description || `SQL query ${group.executionId}`;
  const target: UITarget = {
    kind: 'sql',
    executionId: group.executionId as number
  };
  const id = v('td', 'sm-sql-id');
  id.children.push(
    uiLinkV(ctx.uiUrl(group.appId, target), target, `SQL ${group.executionId}`)
  );
  const tasks = v('td', 'sm-sql-tasks');
  tasks.children.push(
    progress(
      s.numCompletedTasks,
      s.numTasks,
      s.numActiveTasks,
      s.numFailedTasks,
      s.numSkippedTasks
    )
  );
  const tr = v('tr', `sm-sql sm-status-${s.status.toLowerCase()}`, undefined, {
    'data-execution-id': String(group.executionId),
    'data-status': s.status
  });
  // The status cell has room for the Plan button (the id column is too narrow for it).
  const status = cell('sm-sql-status', s.status, group.sql?.error ?? undefined);
  if (ctx.planOpen) {
    status.children.push(
      planButtonV(ctx.planOpen(group.appId, target.executionId))
    );
  }
  tr.children.push(
    id,
    sqlNameCell(group, description),
    status,
    cell(
      'sm-sql-jobs',
      `${group.jobs.length} job${group.jobs.length === 1 ? '' : 's'}`
    ),
    tasks,
    cell('sm-sql-submitted', new Date(s.start).toLocaleTimeString()),
    cell('sm-sql-duration', formatDuration((s.end ?? now) - s.start))
  );
  return tr;
}

/** The button that opens a SQL query's plan under the table (`button.sm-plan-open`), pressed while it is open. */
function planButtonV(open: boolean): IVNode {
  const title = open
    ? 'Close the plan of this query'
    : 'Show the plan of this query';
  return v('button', 'sm-plan-open', 'Plan', {
    type: 'button',
    'aria-pressed': String(open),
    title
  });
}

/**
 * A query's name: its cell line when known (cell-line.ts), else its text or Spark's description; `data-description`
 * keeps the text either way.
 */
function sqlNameCell(group: IJobGroup, description: string): IVNode {
  const l = group.sql ? lineLabel(group.sql, [description]) : null;
  const td = l
    ? cell('sm-sql-description', oneLine(l.name), l.title)
    : cell('sm-sql-description', oneLine(description), description);
  td.attrs['data-description'] = description;
  return td;
}

/**
 * A job's name: its cell line when known (cell-line.ts), else Spark's call site; `data-call-site` and
 * `data-description` (when Spark has one) keep Spark's texts either way.
 */
function jobNameCell(job: Job): IVNode {
  const l = lineLabel(job, [job.name, job.description]);
  const td = l
    ? cell('sm-job-name', oneLine(l.name), l.title)
    : cell('sm-job-name', job.name, job.description ?? job.name);
  td.attrs['data-call-site'] = job.name;
  if (job.description) {
    td.attrs['data-description'] = job.description;
  }
  return td;
}

function jobRow(job: Job, expanded: boolean, ctx: IRowContext): IVNode {
  const now = ctx.now;
  const tr = v(
    'tr',
    `sm-job sm-status-${job.status.toLowerCase()}`,
    undefined,
    {
      'data-app-id': job.appId,
      'data-job-id': String(job.jobId),
      'data-status': job.status,
      'data-expanded': String(expanded),
      title: expanded ? 'Hide stages' : 'Show stages'
    }
  );
  const id = cell('sm-job-id', `${expanded ? '▾' : '▸'} `);
  const target: UITarget = { kind: 'job', jobId: job.jobId };
  id.children.push(
    uiLinkV(ctx.uiUrl(job.appId, target), target, String(job.jobId))
  );
  const status = cell('sm-job-status', job.status, job.error ?? undefined);
  const control = ctx.jobCancel(job);
  if (control !== 'none') {
    status.children.push(cancelButtonV('job', control, `job ${job.jobId}`));
  }
  const tasks = v('td', 'sm-job-tasks');
  tasks.children.push(
    progress(
      job.numCompletedTasks,
      job.numTasks,
      job.numActiveTasks,
      job.numFailedTasks,
      job.numSkippedTasks
    )
  );
  tr.children.push(
    id,
    jobNameCell(job),
    status,
    cell(
      'sm-job-stages',
      `${job.numCompletedStages}/${job.numStages - job.numSkippedStages}`
    ),
    tasks,
    cell('sm-job-submitted', new Date(job.submissionTime).toLocaleTimeString()),
    cell(
      'sm-job-duration',
      formatDuration((job.completionTime ?? now) - job.submissionTime)
    )
  );
  return tr;
}

/** The stage's input, output, shuffle and spill figures on one line. */
export function stageIO(stage: Stage): string {
  return [
    stage.inputBytes
      ? `in ${formatBytes(stage.inputBytes)} / ${stage.inputRecords} rec`
      : '',
    stage.outputBytes
      ? `out ${formatBytes(stage.outputBytes)} / ${stage.outputRecords} rec`
      : '',
    stage.shuffleReadBytes
      ? `shuffle read ${formatBytes(stage.shuffleReadBytes)} / ${stage.shuffleReadRecords} rec`
      : '',
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

function stageRow(job: Job, stage: Stage, ctx: IRowContext): IVNode {
  const now = ctx.now;
  const tr = v(
    'tr',
    `sm-stage sm-status-${stage.status.toLowerCase()}`,
    undefined,
    {
      'data-stage-id': String(stage.stageId),
      'data-attempt': String(stage.attemptId),
      'data-status': stage.status
    }
  );
  const id = v('td', 'sm-stage-id');
  const target: UITarget = {
    kind: 'stage',
    stageId: stage.stageId,
    attemptId: stage.attemptId
  };
  id.children.push(
    uiLinkV(
      ctx.uiUrl(job.appId, target),
      target,
      `stage ${stage.stageId}.${stage.attemptId}`
    )
  );
  const status = cell(
    'sm-stage-status',
    stage.status,
    stage.failureReason ?? undefined
  );
  const control = ctx.stageCancel(job, stage);
  if (control !== 'none') {
    status.children.push(
      cancelButtonV('stage', control, `stage ${stage.stageId}`)
    );
  }
  const io = stageIO(stage);
  const ioCell = cell('sm-stage-io', io, io);
  ioCell.attrs['data-shuffle-write-bytes'] = String(stage.shuffleWriteBytes);
  ioCell.attrs['data-input-records'] = String(stage.inputRecords);
  const tasks = v('td', 'sm-stage-tasks');
  tasks.children.push(
    progress(
      stage.numCompletedTasks,
      stage.numTasks,
      stage.numActiveTasks,
      stage.numFailedTasks,
      0
    )
  );
  const duration = stage.submissionTime
    ? (stage.completionTime ?? now) - stage.submissionTime
    : null;
  tr.children.push(
    id,
    cell('sm-stage-name', stage.name, stage.failureReason ?? stage.name),
    status,
    ioCell,
    tasks,
    cell(
      'sm-stage-submitted',
      stage.submissionTime
        ? new Date(stage.submissionTime).toLocaleTimeString()
        : ''
    ),
    cell('sm-stage-duration', duration === null ? '' : formatDuration(duration))
  );
  return tr;
}

function hintRow(hint: Hint): IVNode {
  const td = v('td', 'sm-hint-cell', undefined, {
    colspan: String(COLUMNS.length),
    title: hint.message
  });
  td.children.push(
    v('span', 'sm-hint-kind', HINT_LABELS[hint.kind] ?? hint.kind),
    v('span', 'sm-hint-message', hint.message)
  );
  const tr = v('tr', `sm-hint sm-hint-${hint.severity}`, undefined, {
    'data-kind': hint.kind,
    'data-severity': hint.severity,
    'data-stage-id': String(hint.stageId)
  });
  tr.children.push(td);
  return tr;
}

function failureRow(failure: FailureReason, job: Job): IVNode {
  const text = `${failure.count} failed task${failure.count === 1 ? '' : 's'}: ${failure.reason}`;
  const td = v('td', 'sm-failure-cell', undefined, {
    colspan: String(COLUMNS.length),
    title: text
  });
  if (failure.detail) {
    td.children.push(
      v('button', 'sm-failure-open', 'stack trace', {
        title: 'Show the first stack trace below the table'
      })
    );
  }
  td.children.push(v('span', 'sm-failure-reason', text));
  const tr = v('tr', 'sm-failure', undefined, {
    'data-count': String(failure.count),
    'data-job-id': String(job.jobId)
  });
  tr.children.push(td);
  return tr;
}

/** A task progress bar: completed, running and failed of total. */
export function progress(
  completed: number,
  total: number,
  running: number,
  failed: number,
  skipped: number
): IVNode {
  const bar = v('div', 'sm-progress', undefined, {
    'data-completed': String(completed),
    'data-total': String(total),
    'data-running': String(running),
    'data-failed': String(failed)
  });
  const pct = (n: number) =>
    `${total > 0 ? Math.min(100, (100 * n) / total) : 0}%`;
  const segments = v('div', 'sm-progress-track');
  for (const [cls, n] of [
    ['sm-progress-completed', completed],
    ['sm-progress-running', running],
    ['sm-progress-failed', failed]
  ] as const) {
    segments.children.push(
      v('div', cls, undefined, { style: `width: ${pct(n)};` })
    );
  }
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
  bar.children.push(
    segments,
    v(
      'span',
      'sm-progress-text',
      `${completed}/${total}${extra.length ? ` (${extra.join(', ')})` : ''}`
    )
  );
  return bar;
}
