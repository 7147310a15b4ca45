import assert from 'node:assert/strict';
import { test } from 'node:test';

import { App, Job, SQLExecution, Update } from '../api';
import { MAX_UNREFERENCED_SQL, MonitorModel, notebookQuery } from '../model';

function job(
  jobId: number,
  cellId: string | null,
  over: Partial<Job> = {}
): Job {
  return {
    appId: 'app-1',
    jobId,
    name: `collect at cell:${jobId}`,
    description: null,
    jobGroup: null,
    cellId,
    sqlExecutionId: null,
    status: 'RUNNING',
    submissionTime: 1000 + jobId,
    completionTime: null,
    error: null,
    numStages: 1,
    numCompletedStages: 0,
    numSkippedStages: 0,
    numFailedStages: 0,
    numActiveStages: 1,
    numTasks: 10,
    numCompletedTasks: 0,
    numActiveTasks: 0,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numSkippedTasks: 0,
    stages: [],
    failures: [],
    hints: [],
    ...over
  };
}

function sql(
  executionId: number,
  over: Partial<SQLExecution> = {}
): SQLExecution {
  return {
    appId: 'app-1',
    executionId,
    rootExecutionId: null,
    description: `query ${executionId}`,
    status: 'RUNNING',
    startTime: 1000 + executionId,
    endTime: null,
    error: null,
    ...over
  };
}

function app(jobs?: Job[], sqlExecutions?: SQLExecution[]): App {
  return {
    appId: 'app-1',
    attemptId: null,
    appName: 'demo',
    sparkVersion: '4.1.1',
    sparkUser: 'u',
    master: 'local[*]',
    uiUrl: null,
    kernelId: 'k',
    notebookPath: 'nb.ipynb',
    state: 'RUNNING',
    startTime: 1,
    endTime: null,
    uiPath: 'ui/a/',
    cancelEnabled: true,
    numExecutors: 1,
    totalCores: 2,
    numJobs: jobs?.length ?? 0,
    numActiveJobs: 0,
    numCompletedJobs: 0,
    numFailedJobs: 0,
    droppedEvents: 0,
    evictedJobs: 0,
    source: 'live',
    driverLost: false,
    jobs,
    sqlExecutions
  };
}

test('a snapshot groups jobs under the cell that started them', () => {
  const m = new MonitorModel();
  m.apply({
    type: 'snapshot',
    apps: [app([job(0, 'c1'), job(1, 'c2'), job(2, 'c1'), job(3, null)])]
  });
  assert.deepEqual(
    m.jobsForCell('c1').map(j => j.jobId),
    [0, 2]
  );
  assert.deepEqual(
    m.jobsForCell('c2').map(j => j.jobId),
    [1]
  );
  assert.deepEqual(m.cellIds().sort(), ['c1', 'c2']);
  assert.equal(m.app('app-1')?.appName, 'demo');
  assert.equal(
    (m.app('app-1') as App).jobs,
    undefined,
    'apps are kept without their jobs'
  );
});

test('a delta replaces changed jobs whole and notifies only their cells', () => {
  const m = new MonitorModel();
  m.apply({ type: 'snapshot', apps: [app([job(0, 'c1'), job(1, 'c2')])] });
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  const delta: Update = {
    type: 'delta',
    apps: [app()],
    jobs: [
      job(0, 'c1', { status: 'SUCCEEDED', numCompletedTasks: 10 }),
      job(4, 'c3')
    ]
  };
  m.apply(delta);
  assert.equal(m.jobsForCell('c1')[0].status, 'SUCCEEDED');
  assert.equal(m.jobsForCell('c1')[0].numCompletedTasks, 10);
  assert.deepEqual(
    m.jobsForCell('c3').map(j => j.jobId),
    [4]
  );
  assert.deepEqual(notified.sort(), ['c1', 'c3']);
});

test('a new snapshot (after a reconnect) replaces the state and clears cells that lost their jobs', () => {
  const m = new MonitorModel();
  m.apply({ type: 'snapshot', apps: [app([job(0, 'c1'), job(1, 'c2')])] });
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  m.apply({ type: 'snapshot', apps: [app([job(1, 'c2')])] });
  assert.deepEqual(m.jobsForCell('c1'), []);
  assert.deepEqual(notified.sort(), ['c1', 'c2']);
  m.clear();
  assert.deepEqual(m.cellIds(), []);
});

test('jobs per cell are bounded, dropping the oldest finished jobs and keeping running ones', () => {
  const m = new MonitorModel(3);
  const jobs = [
    job(0, 'c1'), // running, oldest
    job(1, 'c1', { status: 'SUCCEEDED' }),
    job(2, 'c1', { status: 'FAILED' }),
    job(3, 'c1', { status: 'SUCCEEDED' }),
    job(4, 'c1', { status: 'SUCCEEDED' })
  ];
  m.apply({ type: 'snapshot', apps: [app(jobs)] });
  assert.deepEqual(
    m.jobsForCell('c1').map(j => j.jobId),
    [0, 3, 4]
  );
});

test('unsubscribing stops notifications; dispose drops everything', () => {
  const m = new MonitorModel();
  let calls = 0;
  const off = m.onCellChanged(() => calls++);
  m.apply({ type: 'delta', apps: [app()], jobs: [job(0, 'c1')] });
  off();
  m.apply({ type: 'delta', apps: [app()], jobs: [job(1, 'c1')] });
  assert.equal(calls, 1);
  m.dispose();
  assert.deepEqual(m.jobsForCell('c1'), []);
});

test("a cell's jobs are grouped by SQL query in order; jobs outside queries form runs of their own", () => {
  const m = new MonitorModel();
  const jobs = [
    job(0, 'c1'),
    job(1, 'c1', { sqlExecutionId: 5 }),
    job(2, 'c1', { sqlExecutionId: 6 }), // a sub-query of 5: shown under 5
    job(3, 'c1'),
    job(4, 'c1', { sqlExecutionId: 7 }), // its query is not known (yet)
    job(5, 'c1', { sqlExecutionId: 5 }),
    job(6, 'c2', { sqlExecutionId: 5 })
  ];
  m.apply({
    type: 'snapshot',
    apps: [app(jobs, [sql(5), sql(6, { rootExecutionId: 5 })])]
  });
  const groups = m.groupsForCell('c1');
  assert.deepEqual(
    groups.map(g => [
      g.executionId,
      g.sql?.description ?? null,
      g.jobs.map(j => j.jobId)
    ]),
    [
      [null, null, [0]],
      [5, 'query 5', [1, 2, 5]],
      [null, null, [3]],
      [7, null, [4]]
    ]
  );
  assert.deepEqual(
    m.groupsForCell('c2').map(g => g.jobs.map(j => j.jobId)),
    [[6]]
  );
  assert.deepEqual(m.groupsForCell('nope'), []);
});

test('a delta updates SQL executions and notifies the cells whose jobs belong to them', () => {
  const m = new MonitorModel();
  m.apply({
    type: 'snapshot',
    apps: [app([job(1, 'c1', { sqlExecutionId: 5 }), job(2, 'c2')], [sql(5)])]
  });
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  m.apply({
    type: 'delta',
    apps: [],
    sqlExecutions: [sql(5, { status: 'COMPLETED', endTime: 2000 })]
  });
  assert.equal(m.groupsForCell('c1')[0].sql?.status, 'COMPLETED');
  assert.deepEqual(notified, ['c1']);
});

test('jobs outside any cell are not kept; SQL executions no job belongs to are bounded', () => {
  const m = new MonitorModel();
  m.apply({ type: 'delta', apps: [], jobs: [job(1, null)] });
  assert.deepEqual(m.cellIds(), []);
  const many = Array.from({ length: MAX_UNREFERENCED_SQL + 50 }, (_, i) =>
    sql(i)
  );
  m.apply({
    type: 'delta',
    apps: [],
    sqlExecutions: many,
    jobs: [job(9, 'c1', { sqlExecutionId: 0 })]
  });
  assert.equal(m.sqlCount, MAX_UNREFERENCED_SQL + 1);
  assert.equal(
    m.sqlExecution('app-1', 0)?.executionId,
    0,
    'the query of a retained job stays'
  );
  assert.equal(
    m.sqlExecution('app-1', 1),
    undefined,
    'the oldest unreferenced ones go first'
  );
  assert.equal(
    m.sqlExecution('app-1', MAX_UNREFERENCED_SQL + 49)?.executionId,
    MAX_UNREFERENCED_SQL + 49
  );
});

test("the model shows the cell a job's server-sent cellId names, and nothing of its app's notebook", () => {
  // The server decides which cell a job is under and sends a notebook only its cells' jobs (spark/api/API.md § Cells):
  // the model does not second-guess it with the app's kernel or path.
  const m = new MonitorModel();
  const other = {
    ...app(),
    appId: 'app-2',
    kernelId: 'k-other',
    notebookPath: '/elsewhere/x.ipynb'
  };
  m.apply({
    type: 'snapshot',
    apps: [
      app([job(0, 'c1')]),
      { ...other, jobs: [job(0, 'c1', { appId: 'app-2' })] }
    ]
  });
  assert.deepEqual(
    m.jobsForCell('c1').map(j => `${j.appId}/${j.jobId}`),
    ['app-1/0', 'app-2/0']
  );
  // A job the server moves under another cell (a reported cell run placed it) moves.
  m.apply({ type: 'delta', apps: [], jobs: [job(0, 'c2')] });
  assert.deepEqual(
    m.jobsForCell('c1').map(j => j.appId),
    ['app-2']
  );
  assert.deepEqual(
    m.jobsForCell('c2').map(j => j.jobId),
    [0]
  );
  assert.equal(
    notebookQuery({ kernelId: 'k 1', path: 'd/a b.ipynb' }),
    '&kernelId=k%201&notebookPath=d%2Fa%20b.ipynb'
  );
  assert.equal(notebookQuery({ kernelId: null, path: '' }), '');
});
