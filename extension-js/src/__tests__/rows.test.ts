import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Hint, Job, SQLExecution, Stage } from '../api';
import { IJobGroup, jobKey } from '../model';
import {
  flattenRows,
  oneLine,
  ROW_HEIGHT,
  summarizeGroup,
  visibleWindow
} from '../rows';

function stage(stageId: number): Stage {
  return {
    stageId,
    attemptId: 0,
    name: `s${stageId}`,
    status: 'COMPLETE',
    numTasks: 1,
    numCompletedTasks: 1,
    numActiveTasks: 0,
    numFailedTasks: 0,
    numKilledTasks: 0,
    submissionTime: 1,
    completionTime: 2,
    failureReason: null,
    executorRunTime: 0,
    inputBytes: 0,
    inputRecords: 0,
    outputBytes: 0,
    outputRecords: 0,
    shuffleReadBytes: 0,
    shuffleReadRecords: 0,
    shuffleWriteBytes: 0,
    shuffleWriteRecords: 0,
    memoryBytesSpilled: 0,
    diskBytesSpilled: 0,
    taskTime: null
  };
}

function job(jobId: number, over: Partial<Job> = {}): Job {
  return {
    appId: 'a',
    jobId,
    name: `j${jobId}`,
    description: null,
    jobGroup: null,
    cellId: 'c',
    sqlExecutionId: null,
    status: 'SUCCEEDED',
    submissionTime: 100 + jobId,
    completionTime: 200 + jobId,
    error: null,
    numStages: 2,
    numCompletedStages: 2,
    numSkippedStages: 0,
    numFailedStages: 0,
    numActiveStages: 0,
    numTasks: 4,
    numCompletedTasks: 4,
    numActiveTasks: 0,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numSkippedTasks: 0,
    stages: [stage(1), stage(2)],
    failures: [],
    hints: [],
    ...over
  };
}

const hint: Hint = {
  kind: 'spill',
  severity: 'warning',
  stageId: 2,
  attemptId: 0,
  message: 'Stage 2 spilled 1 GiB to disk.'
};
const query: SQLExecution = {
  appId: 'a',
  executionId: 3,
  rootExecutionId: null,
  description: 'SELECT\n  *\nFROM t',
  status: 'COMPLETED',
  startTime: 90,
  endTime: 400,
  error: null
};

test('rows: a SQL header per query, jobs, stages of expanded jobs, hints, failures of failed or expanded jobs', () => {
  const failed = job(2, {
    status: 'FAILED',
    failures: [
      {
        reason: 'ZeroDivisionError: division by zero',
        count: 3,
        detail: 'Traceback …'
      }
    ]
  });
  const groups: IJobGroup[] = [
    { appId: 'a', executionId: null, sql: null, jobs: [job(0)] },
    {
      appId: 'a',
      executionId: 3,
      sql: query,
      jobs: [job(1, { hints: [hint] }), failed]
    }
  ];
  const rows = flattenRows(groups, new Set([jobKey(job(1))]));
  assert.deepEqual(
    rows.map(r => r.kind),
    ['job', 'sql', 'job', 'stage', 'stage', 'hint', 'job', 'failure']
  );
  assert.equal(
    new Set(rows.map(r => r.key)).size,
    rows.length,
    'row keys are unique'
  );
  const collapsed = flattenRows(groups, new Set());
  assert.deepEqual(
    collapsed.map(r => r.kind),
    ['job', 'sql', 'job', 'hint', 'job', 'failure']
  );
});

test('1000 jobs give 1000 rows of which only the visible window and its overscan are rendered', () => {
  const jobs = Array.from({ length: 1000 }, (_, i) => job(i));
  const rows = flattenRows(
    [{ appId: 'a', executionId: null, sql: null, jobs }],
    new Set()
  );
  assert.equal(rows.length, 1000);
  // At the top: 15 rows of 24 px visible (+1 partial), 10 overscan below.
  const top = visibleWindow(rows.length, 0, 15 * ROW_HEIGHT, { overscan: 10 });
  assert.deepEqual(top, {
    start: 0,
    end: 26,
    top: 0,
    bottom: (1000 - 26) * ROW_HEIGHT
  });
  // Scrolled to row 500: rows 490..526 rendered, the spacers stand for the rest.
  const mid = visibleWindow(rows.length, 500 * ROW_HEIGHT, 15 * ROW_HEIGHT, {
    overscan: 10
  });
  assert.deepEqual(mid, {
    start: 490,
    end: 526,
    top: 490 * ROW_HEIGHT,
    bottom: 474 * ROW_HEIGHT
  });
  assert.equal(
    mid.top + (mid.end - mid.start) * ROW_HEIGHT + mid.bottom,
    1000 * ROW_HEIGHT,
    'the height is kept'
  );
  // At the very end (and beyond, after the rows shrank): the last rows.
  const end = visibleWindow(rows.length, 2000 * ROW_HEIGHT, 15 * ROW_HEIGHT, {
    overscan: 10
  });
  assert.equal(end.end, 1000);
  assert.equal(end.start, 1000 - 16 - 10);
  // A sticky header of one row shifts the rows down.
  assert.equal(
    visibleWindow(1000, ROW_HEIGHT * 11, 360, {
      overscan: 0,
      headerHeight: ROW_HEIGHT
    }).start,
    10
  );
});

test('few rows are all rendered; no rows render nothing', () => {
  assert.deepEqual(visibleWindow(5, 0, 360), {
    start: 0,
    end: 5,
    top: 0,
    bottom: 0
  });
  assert.deepEqual(visibleWindow(0, 0, 360), {
    start: 0,
    end: 0,
    top: 0,
    bottom: 0
  });
});

test('a SQL group sums its jobs; its status and times come from the query when known', () => {
  const group: IJobGroup = {
    appId: 'a',
    executionId: 3,
    sql: query,
    jobs: [
      job(1),
      job(2, {
        status: 'RUNNING',
        completionTime: null,
        numActiveTasks: 2,
        numCompletedTasks: 1
      })
    ]
  };
  const s = summarizeGroup(group);
  assert.equal(s.status, 'COMPLETED');
  assert.equal(s.start, 90);
  assert.equal(s.numTasks, 8);
  assert.equal(s.numCompletedTasks, 5);
  assert.equal(s.numActiveTasks, 2);
  const unknown = summarizeGroup({ ...group, sql: null });
  assert.equal(unknown.status, 'RUNNING');
  assert.equal(unknown.end, null);
  assert.equal(unknown.start, 101);
  assert.equal(oneLine(query.description), 'SELECT * FROM t');
  assert.equal(oneLine('x'.repeat(500), 10).length, 10);
});
