import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Job, SQLExecution, Stage } from '../api';
import { CancelControl } from '../cancel';
import { IRowContext, renderRow } from '../job-rows';
import { Row } from '../rows';
import { signature, v, IVNode } from '../vnode';

function stage(over: Partial<Stage> = {}): Stage {
  return {
    stageId: 1,
    attemptId: 0,
    name: 'count at cell 2',
    status: 'ACTIVE',
    numTasks: 4,
    numCompletedTasks: 2,
    numActiveTasks: 1,
    numFailedTasks: 0,
    numKilledTasks: 0,
    submissionTime: 1000,
    completionTime: null,
    failureReason: null,
    executorRunTime: 0,
    inputBytes: 0,
    inputRecords: 0,
    outputBytes: 0,
    outputRecords: 0,
    shuffleReadBytes: 0,
    shuffleReadRecords: 0,
    shuffleWriteBytes: 2048,
    shuffleWriteRecords: 4,
    memoryBytesSpilled: 0,
    diskBytesSpilled: 0,
    taskTime: null,
    ...over
  };
}

function job(over: Partial<Job> = {}): Job {
  return {
    appId: 'app-1',
    jobId: 7,
    name: 'count at cell 2',
    description: null,
    jobGroup: null,
    cellId: 'c',
    sqlExecutionId: null,
    status: 'RUNNING',
    submissionTime: 1000,
    completionTime: null,
    error: null,
    numStages: 1,
    numCompletedStages: 0,
    numSkippedStages: 0,
    numFailedStages: 0,
    numActiveStages: 1,
    numTasks: 4,
    numCompletedTasks: 2,
    numActiveTasks: 1,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numSkippedTasks: 0,
    stages: [stage()],
    failures: [],
    hints: [],
    ...over
  };
}

function ctx(over: Partial<IRowContext> = {}): IRowContext {
  return {
    now: 4000,
    uiUrl: (appId, target) => `/ui/${appId}/${target.kind}`,
    jobCancel: () => 'none',
    stageCancel: () => 'none',
    ...over
  };
}

const jobRow = (j: Job): Row => ({
  kind: 'job',
  key: 'job',
  job: j,
  expanded: false
});

/** The first node of `tree` (depth first) with class `cls`. */
function find(tree: IVNode, cls: string): IVNode | undefined {
  if ((tree.attrs.class ?? '').split(' ').includes(cls)) {
    return tree;
  }
  for (const child of tree.children) {
    const found = find(child, cls);
    if (found) {
      return found;
    }
  }
  return undefined;
}

test('job row: status, the Spark UI link, task progress with widths and counts, duration so far', () => {
  const tr = renderRow(jobRow(job()), 3, ctx());
  assert.equal(tr.tag, 'tr');
  assert.equal(tr.attrs.class, 'sm-job sm-status-running');
  assert.equal(tr.attrs['data-job-id'], '7');
  assert.equal(tr.attrs['data-status'], 'RUNNING');
  assert.equal(tr.attrs['data-row'], '3');
  assert.equal(tr.children.length, 7, 'one cell per column');
  const link = find(tr, 'sm-ui-link')!;
  assert.equal(link.attrs.href, '/ui/app-1/job');
  assert.equal(link.text, '7');
  const bar = find(tr, 'sm-progress')!;
  assert.deepEqual(
    [
      bar.attrs['data-completed'],
      bar.attrs['data-total'],
      bar.attrs['data-running'],
      bar.attrs['data-failed']
    ],
    ['2', '4', '1', '0']
  );
  assert.equal(find(tr, 'sm-progress-completed')!.attrs.style, 'width: 50%;');
  assert.equal(find(tr, 'sm-progress-running')!.attrs.style, 'width: 25%;');
  assert.equal(find(tr, 'sm-progress-text')!.text, '2/4 (1 running)');
  assert.equal(find(tr, 'sm-job-duration')!.text, '3.0 s');
});

test('job row: a cancel button, disabled while the cancel is pending; none without a Spark UI', () => {
  for (const [control, label, disabled] of [
    ['enabled', 'cancel', undefined],
    ['pending', 'cancelling…', '']
  ] as [CancelControl, string, string | undefined][]) {
    const button = find(
      renderRow(jobRow(job()), 0, ctx({ jobCancel: () => control })),
      'sm-cancel-job'
    )!;
    assert.equal(button.text, label);
    assert.equal(button.attrs.disabled, disabled);
    assert.equal(button.attrs['data-pending'], String(control === 'pending'));
  }
  assert.equal(
    find(renderRow(jobRow(job()), 0, ctx()), 'sm-cancel'),
    undefined
  );
  const noUI = renderRow(jobRow(job()), 0, ctx({ uiUrl: () => null }));
  assert.equal(find(noUI, 'sm-ui-link'), undefined);
  assert.equal(find(noUI, 'sm-ui-text')!.text, '7');
});

test('stage row: shuffle bytes as data, progress of its own tasks', () => {
  const row: Row = { kind: 'stage', key: 'stage', job: job(), stage: stage() };
  const tr = renderRow(row, 1, ctx());
  assert.equal(tr.attrs['data-stage-id'], '1');
  assert.equal(
    find(tr, 'sm-stage-io')!.attrs['data-shuffle-write-bytes'],
    '2048'
  );
  assert.equal(find(tr, 'sm-progress-text')!.text, '2/4 (1 running)');
});

test('signature: equal for the same data, different when a count or the clock of a running job moves', () => {
  const a = signature(renderRow(jobRow(job()), 0, ctx()));
  assert.equal(signature(renderRow(jobRow(job()), 0, ctx())), a);
  assert.notEqual(
    signature(renderRow(jobRow(job({ numCompletedTasks: 3 })), 0, ctx())),
    a
  );
  assert.notEqual(
    signature(renderRow(jobRow(job()), 0, ctx({ now: 9000 }))),
    a,
    'the duration of a running job grows'
  );
  const done = job({
    status: 'SUCCEEDED',
    completionTime: 3000,
    numCompletedTasks: 4,
    numActiveTasks: 0
  });
  assert.equal(
    signature(renderRow(jobRow(done), 0, ctx({ now: 9000 }))),
    signature(renderRow(jobRow(done), 0, ctx({ now: 5000 }))),
    'a finished job does not change with the clock'
  );
});

test('v: no class attribute without a class, no text for an empty text', () => {
  assert.deepEqual(v('td', ''), { tag: 'td', attrs: {}, children: [] });
  assert.deepEqual(v('td', 'x', ''), {
    tag: 'td',
    attrs: { class: 'x' },
    children: []
  });
  assert.deepEqual(v('a', 'l', 't', { href: '/u' }), {
    tag: 'a',
    attrs: { class: 'l', href: '/u' },
    text: 't',
    children: []
  });
});

test("a SQL query's row has a Plan button, pressed while its plan is open", () => {
  const j = job();
  const row: Row = {
    kind: 'sql',
    key: 'sql:app-1:7',
    group: { appId: j.appId, executionId: 7, sql: null, jobs: [j] }
  };
  const open = new Set<string>();
  const render = () =>
    renderRow(row, 0, ctx({ planOpen: (app, id) => open.has(`${app}:${id}`) }));
  const closed = find(render(), 'sm-plan-open');
  assert.equal(closed?.text, 'Plan');
  assert.equal(closed?.attrs['aria-pressed'], 'false');
  open.add(`${j.appId}:7`);
  assert.equal(find(render(), 'sm-plan-open')?.attrs['aria-pressed'], 'true');
  // Without a plan view (no planOpen), no button.
  assert.equal(find(renderRow(row, 0, ctx()), 'sm-plan-open'), undefined);
});

test('job row: named by its cell line when known, Spark call site and description in the tooltip', () => {
  const named = find(
    renderRow(
      jobRow(
        job({
          name: '$anonfun$withThreadLocalCaptured$2 at CompletableFuture.java:1768',
          description: 'my job',
          cellLine: 3,
          cellLineText: 'df.groupBy("k").count()'
        })
      ),
      0,
      ctx()
    ),
    'sm-job-name'
  )!;
  assert.equal(named.text, 'line 3: df.groupBy("k").count()');
  assert.equal(
    named.attrs.title,
    'line 3: df.groupBy("k").count()\nSpark: $anonfun$withThreadLocalCaptured$2 at CompletableFuture.java:1768\nSpark: my job'
  );
  assert.equal(
    named.attrs['data-call-site'],
    '$anonfun$withThreadLocalCaptured$2 at CompletableFuture.java:1768'
  );
  assert.equal(named.attrs['data-description'], 'my job');
  const plain = find(renderRow(jobRow(job()), 0, ctx()), 'sm-job-name')!;
  assert.equal(plain.text, 'count at cell 2');
  assert.equal(plain.attrs.title, 'count at cell 2');
  const bare = find(
    renderRow(jobRow(job({ cellLine: 12 })), 0, ctx()),
    'sm-job-name'
  )!;
  assert.equal(bare.text, 'line 12', 'a line without source (a blank line)');
});

test('SQL row: named by its cell line when known, the query text in the tooltip', () => {
  const sql = (over: Partial<SQLExecution>): SQLExecution => ({
    appId: 'app-1',
    executionId: 4,
    rootExecutionId: 4,
    description: 'count at NativeMethodAccessorImpl.java:0',
    status: 'RUNNING',
    startTime: 1000,
    endTime: null,
    error: null,
    ...over
  });
  const row = (s: SQLExecution): Row => ({
    kind: 'sql',
    key: 'sql',
    group: { appId: 'app-1', executionId: 4, sql: s, jobs: [job()] }
  });
  const named = find(
    renderRow(
      row(sql({ cellLine: 5, cellLineText: 'spark.sql(q).collect()' })),
      0,
      ctx()
    ),
    'sm-sql-description'
  )!;
  assert.equal(named.text, 'line 5: spark.sql(q).collect()');
  assert.equal(
    named.attrs.title,
    'line 5: spark.sql(q).collect()\nSpark: count at NativeMethodAccessorImpl.java:0'
  );
  const plain = find(renderRow(row(sql({})), 0, ctx()), 'sm-sql-description')!;
  assert.equal(plain.text, 'count at NativeMethodAccessorImpl.java:0');
});
