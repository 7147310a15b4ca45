import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { App } from '../api';
import {
  IThreadDump,
  inspectUnavailable,
  MAX_FRAMES,
  stackFrames,
  taskThread
} from '../inspect';

const thread = (name: string, elems: string[] = []): IThreadDump => ({
  threadId: 1,
  threadName: name,
  threadState: 'TIMED_WAITING',
  stackTrace: { elems }
});

test("a task's thread is found by its TID, not by a task id that only starts the same", () => {
  const threads = [
    thread('Executor task launch worker for task 1.0 in stage 0.0 (TID 17)'),
    thread('Executor task launch worker for task 3.0 in stage 0.0 (TID 7)', [
      'java.lang.Thread.sleep(Native Method)'
    ]),
    thread('dispatcher-event-loop-0')
  ];
  assert.equal(taskThread(threads, 7)?.threadName.endsWith('(TID 7)'), true);
  assert.equal(taskThread(threads, 1), undefined);
  // Before Spark 3 the name ended with the task id.
  const old = [
    thread('Executor task launch worker for task 70'),
    thread('Executor task launch worker for task 7')
  ];
  assert.equal(
    taskThread(old, 7)?.threadName,
    'Executor task launch worker for task 7'
  );
});

test('stack frames: both shapes, bounded', () => {
  assert.deepEqual(stackFrames({ ...thread('t'), stackTrace: 'a\n  b\n' }), [
    'a',
    'b'
  ]);
  const many = Array.from({ length: MAX_FRAMES + 5 }, (_, i) => `f${i}`);
  const frames = stackFrames(thread('t', many));
  assert.equal(frames.length, MAX_FRAMES + 1);
  assert.equal(frames[MAX_FRAMES], '… 5 more frames');
});

test('the inspector says why when the Spark UI is disabled or the app ended', () => {
  const app = {
    appId: 'a',
    state: 'RUNNING',
    uiUrl: 'http://h:4040',
    uiPath: 'ui/a/'
  } as App;
  assert.equal(inspectUnavailable(app), null);
  assert.match(
    inspectUnavailable({ ...app, uiUrl: null, uiPath: null }) ?? '',
    /Spark UI is disabled.*spark\.ui\.enabled=false/
  );
  assert.match(
    inspectUnavailable({ ...app, state: 'FINISHED', uiPath: null }) ?? '',
    /has ended/
  );
});
