import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Job, Stage } from '../api';
import {
  cancelFailure,
  cancelUrl,
  CSRF_HEADER,
  jobCancelControl,
  PendingCancels,
  requestCancel,
  Send,
  stageCancelControl
} from '../cancel';

const HUB = 'https://hub.example.org/user/alice/';

function stage(stageId: number, status: Stage['status']): Stage {
  return {
    stageId,
    attemptId: 0,
    name: `s${stageId}`,
    status,
    numTasks: 4,
    numCompletedTasks: 1,
    numActiveTasks: 3,
    numFailedTasks: 0,
    numKilledTasks: 0,
    submissionTime: 1,
    completionTime: null,
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

function job(jobId: number, status: Job['status'], stages: Stage[] = []): Job {
  return {
    appId: 'app/1',
    jobId,
    name: `j${jobId}`,
    description: null,
    jobGroup: null,
    cellId: 'c',
    sqlExecutionId: null,
    status,
    submissionTime: 100,
    completionTime: null,
    error: null,
    numStages: 1,
    numCompletedStages: 0,
    numSkippedStages: 0,
    numFailedStages: 0,
    numActiveStages: 1,
    numTasks: 4,
    numCompletedTasks: 1,
    numActiveTasks: 3,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numSkippedTasks: 0,
    stages,
    failures: [],
    hints: []
  };
}

/** A fake ServerConnection.makeRequest that records its calls and answers `status` with `body`. */
function fakeSend(
  status: number,
  body: string
): { send: Send; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const send: Send = async (url, init) => {
    calls.push({ url, init });
    return new Response(body, {
      status,
      statusText: status === 202 ? 'Accepted' : 'Error'
    });
  };
  return { send, calls };
}

test('cancel URLs: job, stage and cell endpoints under the prefix, ids encoded', () => {
  assert.equal(
    cancelUrl(HUB, { kind: 'job', appId: 'local-1', jobId: 3 }),
    `${HUB}sparkmonitor/api/apps/local-1/jobs/3/cancel`
  );
  assert.equal(
    cancelUrl(HUB, { kind: 'stage', appId: 'app/1 x', stageId: 5 }),
    `${HUB}sparkmonitor/api/apps/app%2F1%20x/stages/5/cancel`
  );
  assert.equal(
    cancelUrl(HUB, { kind: 'cell', cellId: 'a#b?c' }),
    `${HUB}sparkmonitor/api/cells/a%23b%3Fc/cancel`
  );
  assert.equal(
    cancelUrl(HUB, {
      kind: 'cell',
      cellId: 'c',
      notebook: { kernelId: 'k', path: 'a.ipynb' }
    }),
    `${HUB}sparkmonitor/api/cells/c/cancel?kernelId=k&notebookPath=a.ipynb`,
    "the cell's notebook goes along: a copy of the notebook has the same cell ids"
  );
});

test('a cancel is a POST with the CSRF header and a JSON content type', async () => {
  const { send, calls } = fakeSend(
    202,
    '{"status":"success","data":{"requested":1}}'
  );
  const n = await requestCancel(
    HUB,
    { kind: 'job', appId: 'local-1', jobId: 3 },
    send
  );
  assert.equal(n, 1);
  assert.equal(calls.length, 1);
  assert.equal(
    calls[0].url,
    `${HUB}sparkmonitor/api/apps/local-1/jobs/3/cancel`
  );
  assert.equal(calls[0].init.method, 'POST');
  const headers = new Headers(calls[0].init.headers);
  assert.equal(headers.get(CSRF_HEADER), '1');
  assert.equal(headers.get('Content-Type'), 'application/json');
});

test("a refused cancel throws the server's reason; without one, its status", async () => {
  const forbidden = fakeSend(
    403,
    '{"status":"error","errorType":"forbidden","error":"cancel is disabled (read-only)"}'
  );
  await assert.rejects(
    requestCancel(
      HUB,
      { kind: 'stage', appId: 'a', stageId: 2 },
      forbidden.send
    ),
    { message: 'Could not cancel stage 2: cancel is disabled (read-only)' }
  );
  const html = fakeSend(502, '<html>Bad Gateway</html>');
  await assert.rejects(
    requestCancel(HUB, { kind: 'cell', cellId: 'c' }, html.send),
    {
      message:
        "Could not cancel this cell's jobs: the monitor answered 502 Error"
    }
  );
  const down: Send = async () => {
    throw new TypeError('Failed to fetch');
  };
  await assert.rejects(
    requestCancel(HUB, { kind: 'job', appId: 'a', jobId: 1 }, down),
    {
      message:
        'Could not cancel job 1: SparkMonitor server not reachable: Failed to fetch'
    }
  );
  assert.equal(
    cancelFailure({ kind: 'job', appId: 'a', jobId: 9 }, 409, 'Conflict', {
      status: 'error',
      errorType: 'conflict',
      error: 'job 9 is not running'
    }),
    'Could not cancel job 9: job 9 is not running'
  );
});

test('cancel buttons only for running jobs and active stages of apps that allow cancelling', () => {
  const on = { cancelEnabled: true };
  const off = { cancelEnabled: false };
  const running = job(1, 'RUNNING', [stage(1, 'ACTIVE'), stage(2, 'PENDING')]);
  assert.equal(jobCancelControl(on, running, false), 'ready');
  assert.equal(jobCancelControl(on, running, true), 'pending');
  assert.equal(jobCancelControl(off, running, false), 'none');
  assert.equal(jobCancelControl(undefined, running, false), 'none');
  for (const status of ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const) {
    assert.equal(jobCancelControl(on, job(1, status), true), 'none', status);
  }
  assert.equal(
    stageCancelControl(on, running, running.stages[0], false),
    'ready'
  );
  assert.equal(
    stageCancelControl(on, running, running.stages[1], false),
    'none'
  );
  assert.equal(
    stageCancelControl(off, running, running.stages[0], false),
    'none'
  );
  assert.equal(
    stageCancelControl(on, job(1, 'FAILED'), stage(1, 'ACTIVE'), false),
    'none'
  );
});

test('a pending cancel lasts until its job leaves RUNNING, or times out with a message', () => {
  const pending = new PendingCancels();
  const j = { kind: 'job', appId: 'app/1', jobId: 1 } as const;
  const s = { kind: 'stage', appId: 'app/1', stageId: 7 } as const;
  const c = { kind: 'cell', cellId: 'c' } as const;
  pending.add(j, 0);
  pending.add(s, 0);
  pending.add(c, 0);
  const running = job(1, 'RUNNING', [stage(7, 'ACTIVE')]);
  assert.deepEqual(pending.prune([running], 1000, 30_000), []);
  assert.equal(pending.size, 3);
  // The stage ended, the job still runs.
  assert.deepEqual(
    pending.prune([job(1, 'RUNNING', [stage(7, 'FAILED')])], 2000, 30_000),
    []
  );
  assert.ok(pending.has(j) && !pending.has(s) && pending.has(c));
  // The job ended as CANCELLED: nothing waits any more.
  assert.deepEqual(pending.prune([job(1, 'CANCELLED')], 3000, 30_000), []);
  assert.equal(pending.size, 0);
  // A job that keeps running past the timeout: a message, and the button comes back.
  pending.add(j, 0);
  assert.deepEqual(pending.prune([running], 31_000, 30_000), [
    'Cancel requested, but job 1 is still running after 30 s'
  ]);
  assert.equal(pending.has(j), false);
});
