// The failure cards under a cell: one per FAILED or CANCELLED job of the cell (the newest first, at most MAX_CARDS),
// each saying what failed (the exception), where (the cell's line, the stage, the task's attempts, executor and host)
// and what to do (the category's fix), from the card the monitor builds (spark/api/wire/failure.go). Long traces fold;
// the first trace of the first card is open.
import type { FailureCard, Job } from './api';
import type { Send } from './cancel';
import { explainEnabled, explainNode } from './explain';
import { el } from './job-rows';

/** At most this many cards under one cell; older failures are counted in a note. */
export const MAX_CARDS = 3;

/** The cards of a cell's jobs, rebuilt only when the set of failed jobs changes (so folds keep their state). */
export class FailureCards {
  readonly node = el('div', 'sm-failure-cards');

  constructor() {
    this.node.hidden = true;
  }

  update(jobs: Job[]): void {
    const failed = jobs
      .filter(j => j.failureCard)
      .sort(
        (a, b) =>
          (b.completionTime ?? 0) - (a.completionTime ?? 0) || b.jobId - a.jobId
      );
    const key = failed.map(j => `${j.appId}/${j.jobId}`).join(',');
    if (key === this._key) {
      return;
    }
    this._key = key;
    const shown = failed.slice(0, MAX_CARDS);
    const children: HTMLElement[] = shown.map((j, i) => cardNode(j, i === 0));
    if (failed.length > shown.length) {
      const more = failed.length - shown.length;
      children.push(
        el(
          'div',
          'sm-fc-more',
          `${more} older failed job${more === 1 ? '' : 's'} not shown`
        )
      );
    }
    this.node.replaceChildren(...children);
    this.node.hidden = shown.length === 0;
    void this._addExplain(key, shown, children);
  }

  /** Where the Explain buttons send (set by the cell monitor); unset: no buttons. */
  explain?: { send: Send; baseUrl: string };

  /** Adds an Explain button to each card when the monitor offers it (asked each time the cards change). */
  private async _addExplain(
    key: string,
    jobs: Job[],
    nodes: HTMLElement[]
  ): Promise<void> {
    const ex = this.explain;
    if (
      !ex ||
      jobs.length === 0 ||
      !(await explainEnabled(ex.send, ex.baseUrl))
    ) {
      return;
    }
    if (key !== this._key) {
      return; // the cards changed while asking
    }
    jobs.forEach((j, i) =>
      nodes[i].append(explainNode(j, ex.send, ex.baseUrl))
    );
  }

  private _key = '';
}

/** Where the failure happened, in words: "job 3 · stage 4 (attempt 1) · line 5". */
export function whereText(job: Job, card: FailureCard): string {
  const parts = [`job ${job.jobId}`];
  if (card.stageId !== null) {
    parts.push(
      `stage ${card.stageId}${card.stageAttemptId ? ` (attempt ${card.stageAttemptId})` : ''}`
    );
  }
  if (card.line !== null) {
    parts.push(`line ${card.line}`);
  }
  return parts.join(' · ');
}

/** The failed task in words: "task 12 failed 4 times, last on executor 1 (host)". */
export function taskText(card: FailureCard): string {
  if (card.taskId === null) {
    return '';
  }
  const times = card.attempts === 1 ? 'once' : `${card.attempts} times`;
  const on = card.executorId
    ? `, last on executor ${card.executorId}${card.host ? ` (${card.host})` : ''}`
    : '';
  return `Task ${card.taskId} failed ${times}${on}`;
}

export function cardNode(job: Job, first: boolean): HTMLElement {
  const card = job.failureCard!;
  const node = el('div', 'sm-failure-card');
  node.setAttribute('role', 'group');
  node.dataset.category = card.category;
  node.dataset.appId = job.appId;
  node.dataset.jobId = String(job.jobId);
  node.dataset.stageId = card.stageId === null ? '' : String(card.stageId);
  node.dataset.line = card.line === null ? '' : String(card.line);
  node.dataset.executorId = card.executorId;
  const head = el('div', 'sm-fc-head');
  head.append(
    el('span', 'sm-fc-title', card.title),
    el('span', 'sm-fc-where', whereText(job, card))
  );
  node.append(head);
  if (card.exceptionClass || card.message) {
    const ex = el('div', 'sm-fc-exception');
    if (card.exceptionClass) {
      ex.append(el('code', 'sm-fc-class', card.exceptionClass), ': ');
    }
    ex.append(el('span', 'sm-fc-message', card.message));
    node.append(ex);
  }
  if (card.line !== null && card.lineText) {
    node.append(el('pre', 'sm-fc-line', `line ${card.line}: ${card.lineText}`));
  }
  if (job.cellLine && job.cellLine !== card.line) {
    // The failure points inside a function (a UDF); the job itself was started by this line of the cell.
    node.append(
      el(
        'pre',
        'sm-fc-call',
        `called from line ${job.cellLine}: ${job.cellLineText ?? ''}`
      )
    );
  }
  const task = taskText(card);
  if (task) {
    node.append(el('div', 'sm-fc-task', task));
  }
  node.append(el('p', 'sm-fc-fix', card.fix));
  card.traces.forEach((trace, i) => {
    const fold = el('details', 'sm-fc-trace');
    fold.open = first && i === 0;
    fold.append(
      el(
        'summary',
        '',
        i === 0 && card.taskId !== null ? 'Task error' : 'Job error'
      ),
      el('pre', 'sm-fc-trace-text', trace)
    );
    node.append(fold);
  });
  return node;
}
