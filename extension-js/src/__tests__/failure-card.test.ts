import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FailureCard, Job } from '../api';
import { taskText, whereText } from '../failure-card';

function card(over: Partial<FailureCard> = {}): FailureCard {
  return {
    category: 'pythonUdf',
    title: 'Python error in a UDF',
    fix: 'fix it',
    exceptionClass: 'ZeroDivisionError',
    message: 'integer division or modulo by zero',
    line: 5,
    lineText: '',
    stageId: 4,
    stageAttemptId: 0,
    attempts: 4,
    taskId: 12,
    executorId: '1',
    host: '10.0.0.2',
    traces: ['trace'],
    ...over
  };
}

const job = { jobId: 3 } as Job;

test('where a failure happened: job, stage (with a retry attempt), cell line', () => {
  assert.equal(whereText(job, card()), 'job 3 · stage 4 · line 5');
  assert.equal(
    whereText(job, card({ stageAttemptId: 1 })),
    'job 3 · stage 4 (attempt 1) · line 5'
  );
  assert.equal(whereText(job, card({ stageId: null, line: null })), 'job 3');
});

test('the failed task: attempts, executor and host', () => {
  assert.equal(
    taskText(card()),
    'Task 12 failed 4 times, last on executor 1 (10.0.0.2)'
  );
  assert.equal(
    taskText(card({ attempts: 1, host: '' })),
    'Task 12 failed once, last on executor 1'
  );
  assert.equal(taskText(card({ taskId: null })), '');
});
