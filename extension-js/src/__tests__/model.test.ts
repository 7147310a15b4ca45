import assert from 'node:assert/strict';
import { test } from 'node:test';

import { App, Job, SQLExecution, Update } from '../api';
import { MAX_UNREFERENCED_SQL, MonitorModel, notebookQuery, runsIn } from '../model';

function job(jobId: number, cellId: string | null, over: Partial<Job> = {}): Job {
  return {
    appId: 'app-1', jobId, name: `collect at cell:${jobId}`, description: null, jobGroup: null, cellId,
    sqlExecutionId: null, status: 'RUNNING', submissionTime: 1000 + jobId, completionTime: null, error: null,
    numStages: 1, numCompletedStages: 0, numSkippedStages: 0, numFailedStages: 0, numActiveStages: 1, numTasks: 10,
    numCompletedTasks: 0, numActiveTasks: 0, numFailedTasks: 0, numKilledTasks: 0, numSkippedTasks: 0, stages: [], failures: [], hints: [],
    ...over
  };
}

function sql(executionId: number, over: Partial<SQLExecution> = {}): SQLExecution {
  return {
    appId: 'app-1', executionId, rootExecutionId: null, description: `query ${executionId}`, status: 'RUNNING',
    startTime: 1000 + executionId, endTime: null, error: null, ...over
  };
}

function app(jobs?: Job[], sqlExecutions?: SQLExecution[]): App {
  return {
    appId: 'app-1', attemptId: null, appName: 'demo', sparkVersion: '4.1.1', sparkUser: 'u', master: 'local[*]',
    uiUrl: null, kernelId: 'k', notebookPath: 'nb.ipynb', state: 'RUNNING', startTime: 1, endTime: null, uiPath: 'ui/a/', cancelEnabled: true,
    numExecutors: 1, totalCores: 2, numJobs: jobs?.length ?? 0, numActiveJobs: 0, numCompletedJobs: 0,
    numFailedJobs: 0, droppedEvents: 0, evictedJobs: 0, jobs, sqlExecutions
  };
}

test('a snapshot groups jobs under the cell that started them', () => {
  const m = new MonitorModel();
  m.apply({ type: 'snapshot', apps: [app([job(0, 'c1'), job(1, 'c2'), job(2, 'c1'), job(3, null)])] });
  assert.deepEqual(m.jobsForCell('c1').map(j => j.jobId), [0, 2]);
  assert.deepEqual(m.jobsForCell('c2').map(j => j.jobId), [1]);
  assert.deepEqual(m.cellIds().sort(), ['c1', 'c2']);
  assert.equal(m.app('app-1')?.appName, 'demo');
  assert.equal((m.app('app-1') as App).jobs, undefined, 'apps are kept without their jobs');
});

test('a delta replaces changed jobs whole and notifies only their cells', () => {
  const m = new MonitorModel();
  m.apply({ type: 'snapshot', apps: [app([job(0, 'c1'), job(1, 'c2')])] });
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  const delta: Update = {
    type: 'delta',
    apps: [app()],
    jobs: [job(0, 'c1', { status: 'SUCCEEDED', numCompletedTasks: 10 }), job(4, 'c3')]
  };
  m.apply(delta);
  assert.equal(m.jobsForCell('c1')[0].status, 'SUCCEEDED');
  assert.equal(m.jobsForCell('c1')[0].numCompletedTasks, 10);
  assert.deepEqual(m.jobsForCell('c3').map(j => j.jobId), [4]);
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
  assert.deepEqual(m.jobsForCell('c1').map(j => j.jobId), [0, 3, 4]);
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
  m.apply({ type: 'snapshot', apps: [app(jobs, [sql(5), sql(6, { rootExecutionId: 5 })])] });
  const groups = m.groupsForCell('c1');
  assert.deepEqual(
    groups.map(g => [g.executionId, g.sql?.description ?? null, g.jobs.map(j => j.jobId)]),
    [
      [null, null, [0]],
      [5, 'query 5', [1, 2, 5]],
      [null, null, [3]],
      [7, null, [4]]
    ]
  );
  assert.deepEqual(m.groupsForCell('c2').map(g => g.jobs.map(j => j.jobId)), [[6]]);
  assert.deepEqual(m.groupsForCell('nope'), []);
});

test('a delta updates SQL executions and notifies the cells whose jobs belong to them', () => {
  const m = new MonitorModel();
  m.apply({ type: 'snapshot', apps: [app([job(1, 'c1', { sqlExecutionId: 5 }), job(2, 'c2')], [sql(5)])] });
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  m.apply({ type: 'delta', apps: [], sqlExecutions: [sql(5, { status: 'COMPLETED', endTime: 2000 })] });
  assert.equal(m.groupsForCell('c1')[0].sql?.status, 'COMPLETED');
  assert.deepEqual(notified, ['c1']);
});

test('jobs outside any cell are not kept; SQL executions no job belongs to are bounded', () => {
  const m = new MonitorModel();
  m.apply({ type: 'delta', apps: [], jobs: [job(1, null)] });
  assert.deepEqual(m.cellIds(), []);
  const many = Array.from({ length: MAX_UNREFERENCED_SQL + 50 }, (_, i) => sql(i));
  m.apply({ type: 'delta', apps: [], sqlExecutions: many, jobs: [job(9, 'c1', { sqlExecutionId: 0 })] });
  assert.equal(m.sqlCount, MAX_UNREFERENCED_SQL + 1);
  assert.equal(m.sqlExecution('app-1', 0)?.executionId, 0, 'the query of a retained job stays');
  assert.equal(m.sqlExecution('app-1', 1), undefined, 'the oldest unreferenced ones go first');
  assert.equal(m.sqlExecution('app-1', MAX_UNREFERENCED_SQL + 49)?.executionId, MAX_UNREFERENCED_SQL + 49);
});

test('copies of a notebook (same cell ids, other kernel and path) see only their own jobs', () => {
  const m = new MonitorModel();
  const original = { ...app([job(0, 'c1'), job(1, 'c1')]), kernelId: 'k-a', notebookPath: '/home/u/work/a.ipynb' };
  const copy = {
    ...app([job(0, 'c1', { appId: 'app-2' })]),
    appId: 'app-2',
    kernelId: 'k-b',
    notebookPath: '/home/u/work/a-Copy1.ipynb'
  };
  m.apply({ type: 'snapshot', apps: [original, copy] });
  const ids = (nb?: { kernelId: string | null; path: string }) => m.jobsForCell('c1', nb).map(j => `${j.appId}/${j.jobId}`);
  assert.deepEqual(ids({ kernelId: 'k-a', path: 'work/a.ipynb' }), ['app-1/0', 'app-1/1']);
  assert.deepEqual(ids({ kernelId: 'k-b', path: 'work/a-Copy1.ipynb' }), ['app-2/0']);
  assert.deepEqual(ids({ kernelId: null, path: 'work/a-Copy1.ipynb' }), ['app-2/0'], 'kernel not started yet: the path decides');
  assert.deepEqual(ids({ kernelId: 'k-new', path: 'work/a.ipynb' }), ['app-1/0', 'app-1/1'], 'kernel changed: the path decides');
  assert.deepEqual(ids({ kernelId: 'k-c', path: 'work/c.ipynb' }), []);
  assert.deepEqual(ids(), ['app-1/0', 'app-2/0', 'app-1/1'], 'without a notebook the cell id alone decides');
  assert.deepEqual(
    m.groupsForCell('c1', { kernelId: 'k-b', path: 'work/a-Copy1.ipynb' }).map(g => g.appId),
    ['app-2']
  );
});

test('runsIn: kernel id, then path at a folder boundary; an app that knows neither matches any notebook', () => {
  const a = { ...app(), kernelId: 'k1', notebookPath: '/srv/u/a.ipynb' };
  assert.equal(runsIn(a, { kernelId: 'k1', path: 'renamed.ipynb' }), true, 'renamed notebook, same kernel');
  assert.equal(runsIn(a, { kernelId: 'k2', path: 'copy-a.ipynb' }), false, 'a name ending the same is another file');
  assert.equal(runsIn(a, { kernelId: 'k2', path: 'x/a.ipynb' }), false);
  assert.equal(runsIn({ ...a, kernelId: '', notebookPath: '' }, { kernelId: 'k2', path: 'b.ipynb' }), true);
  assert.equal(runsIn(undefined, { kernelId: 'k2', path: 'b.ipynb' }), true, 'app header not known yet');
  assert.equal(notebookQuery({ kernelId: 'k 1', path: 'd/a b.ipynb' }), '&kernelId=k%201&notebookPath=d%2Fa%20b.ipynb');
  assert.equal(notebookQuery({ kernelId: null, path: '' }), '');
});

test("a Spark Connect server's jobs are shown in the notebook their tags name", () => {
  const m = new MonitorModel();
  const server = { ...app(), kernelId: '', notebookPath: '' };
  m.apply({
    type: 'snapshot',
    apps: [
      {
        ...server,
        jobs: [
          job(0, 'c1', { kernelId: 'ka', notebookPath: '/srv/a.ipynb' }),
          job(1, 'c1', { kernelId: 'kb', notebookPath: '/srv/b.ipynb' }),
          job(2, 'c1')
        ]
      }
    ]
  });
  const ids = (nb: { kernelId: string | null; path: string }) => m.jobsForCell('c1', nb).map(j => j.jobId);
  assert.deepEqual(ids({ kernelId: 'ka', path: 'a.ipynb' }), [0, 2], 'its own job and the one naming no notebook');
  assert.deepEqual(ids({ kernelId: 'k-new', path: 'b.ipynb' }), [1, 2], 'by path after a kernel change');
  assert.deepEqual(ids({ kernelId: 'kc', path: 'c.ipynb' }), [2]);
});

test('jobs of a kernel without the cell-id hook go to the cell whose run contains their submission', () => {
  const m = new MonitorModel();
  const untagged = { ...app(), kernelId: '', notebookPath: '/srv/work/w.ipynb' };
  const notified: string[] = [];
  m.onCellChanged(id => notified.push(id));
  m.cellStarted('work/w.ipynb', 'c1', 100);
  m.apply({ type: 'snapshot', apps: [{ ...untagged, jobs: [job(0, null, { submissionTime: 150 })] }] });
  assert.deepEqual(m.jobsForCell('c1', { kernelId: 'k1', path: 'work/w.ipynb' }).map(j => j.jobId), [0]);
  assert.deepEqual(m.jobsForCell('c1', { kernelId: 'k1', path: 'other.ipynb' }), [], 'not in another notebook');
  m.cellFinished('work/w.ipynb', 'c1', 200);
  m.cellStarted('work/w.ipynb', 'c2', 240);

  // A job whose delta arrives after its cell ended, one after the last run started, one between runs.
  m.apply({ type: 'delta', apps: [], jobs: [job(1, null, { submissionTime: 199 }), job(2, null, { submissionTime: 300 }), job(3, null, { submissionTime: 220 })] });
  assert.deepEqual(m.jobsForCell('c1').map(j => j.jobId), [0, 1]);
  assert.deepEqual(m.jobsForCell('c2').map(j => j.jobId), [2]);
  // Updates keep the job under its cell.
  m.apply({ type: 'delta', apps: [], jobs: [job(1, null, { submissionTime: 199, status: 'SUCCEEDED' })] });
  assert.equal(m.jobsForCell('c1')[1].status, 'SUCCEEDED');

  // A job that arrives before its cell's run is known waits for it.
  m.cellFinished('work/w.ipynb', 'c2', 400);
  notified.length = 0;
  m.apply({ type: 'delta', apps: [], jobs: [job(4, null, { submissionTime: 500 })] });
  assert.deepEqual(notified, []);
  m.cellStarted('work/w.ipynb', 'c3', 480);
  assert.deepEqual(m.jobsForCell('c3').map(j => j.jobId), [4]);
  assert.deepEqual(notified, ['c3']);
  assert.deepEqual(m.cellIds().sort(), ['c1', 'c2', 'c3'], 'job 3 ran between cells: under none');
});

test('jobs without a cell id of a kernel with the hook, or of no notebook, are never matched by time', () => {
  const m = new MonitorModel();
  m.cellStarted('nb.ipynb', 'c1', 0);
  m.apply({
    type: 'snapshot',
    apps: [
      app([job(0, null, { submissionTime: 10 })]), // kernel k runs the cell-id hook
      { ...app([job(1, null, { appId: 'submit', submissionTime: 10 })]), appId: 'submit', kernelId: '', notebookPath: '' }
    ]
  });
  assert.deepEqual(m.cellIds(), []);
});
