import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TaskSpan, TimelineApp } from '../api';
import { layoutActivity, stepLine } from '../activity';
import {
  describeBar,
  hitTest,
  layoutTimeline,
  niceStep,
  packIntervals,
  samplingNote
} from '../timeline-layout';

function task(
  taskId: number,
  executorId: string,
  start: number,
  end: number | null,
  over: Partial<TaskSpan> = {}
): TaskSpan {
  return {
    stageId: 0,
    stageAttemptId: 0,
    taskId,
    index: taskId,
    attempt: 0,
    executorId,
    host: 'h',
    start,
    end,
    status: end === null ? 'RUNNING' : 'SUCCESS',
    ...over
  };
}

function timelineApp(over: Partial<TimelineApp> = {}): TimelineApp {
  return {
    appId: 'a',
    start: 1000,
    end: 2000,
    jobs: [
      { jobId: 0, name: 'collect', status: 'SUCCEEDED', start: 1000, end: 2000 }
    ],
    stages: [
      {
        stageId: 0,
        attemptId: 0,
        jobId: 0,
        name: 's0',
        status: 'COMPLETE',
        start: 1000,
        end: 1500
      },
      {
        stageId: 1,
        attemptId: 0,
        jobId: 0,
        name: 's1',
        status: 'COMPLETE',
        start: 1500,
        end: 2000
      },
      {
        stageId: 2,
        attemptId: 0,
        jobId: 0,
        name: 'never',
        status: 'SKIPPED',
        start: null,
        end: null
      }
    ],
    tasks: [
      task(1, '1', 1000, 1400),
      task(2, '1', 1100, 1500),
      task(3, '1', 1500, 1900),
      task(4, '2', 1000, 2000)
    ],
    numTasks: 4,
    sampled: false,
    executors: [
      {
        executorId: '1',
        host: 'h1',
        cores: 2,
        addedTime: 900,
        removedTime: null,
        removedReason: null
      },
      {
        executorId: '2',
        host: 'h2',
        cores: 4,
        addedTime: 900,
        removedTime: 1800,
        removedReason: 'lost'
      },
      {
        executorId: '3',
        host: 'h3',
        cores: 4,
        addedTime: 1200,
        removedTime: null,
        removedReason: null
      }
    ],
    activity: [
      { time: 1000, activeTasks: 2, cores: 6 },
      { time: 1500, activeTasks: 3, cores: 10 },
      { time: 1800, activeTasks: 1, cores: 6 }
    ],
    ...over
  };
}

test('intervals are packed greedily into the fewest slots, capped', () => {
  const iv = [
    { start: 0, end: 10 },
    { start: 5, end: 15 },
    { start: 10, end: 20 },
    { start: 12, end: 13 }
  ];
  assert.deepEqual(packIntervals(iv, 8), { slots: [0, 1, 0, 2], count: 3 });
  const capped = packIntervals(iv, 2);
  assert.equal(capped.count, 2);
  assert.equal(capped.slots[3], 1, 'beyond the cap, the slot that frees first');
});

test('one lane per executor (even without tasks), jobs and stages on top, time maps linearly to x', () => {
  const layout = layoutTimeline([timelineApp()], {
    width: 1120,
    now: 5000,
    labelWidth: 120
  });
  assert.equal(layout.numLanes, 3);
  assert.deepEqual(
    layout.lanes.map(l => l.kind),
    ['jobs', 'stages', 'executor', 'executor', 'executor']
  );
  assert.deepEqual(
    layout.lanes.slice(2).map(l => l.label),
    ['executor 1', 'executor 2', 'executor 3']
  );
  assert.equal(layout.lanes[3].removedTime, 1800);
  assert.equal(layout.t0, 1000);
  assert.equal(layout.t1, 2000);
  assert.equal(layout.plotWidth, 1120 - 120 - 8);
  const scale = layout.plotWidth / 1000;
  const t1 = layout.bars.find(
    b => b.ref.kind === 'task' && b.ref.task.taskId === 1
  )!;
  assert.equal(t1.x, 120);
  assert.ok(Math.abs(t1.w - 400 * scale) < 1e-9);
  const t2 = layout.bars.find(
    b => b.ref.kind === 'task' && b.ref.task.taskId === 2
  )!;
  const t3 = layout.bars.find(
    b => b.ref.kind === 'task' && b.ref.task.taskId === 3
  )!;
  assert.notEqual(
    t1.y,
    t2.y,
    'overlapping tasks of one executor get two slots'
  );
  assert.equal(t1.y, t3.y, 'a task after another reuses its slot');
  assert.equal(
    layout.bars.filter(b => b.ref.kind === 'stage').length,
    2,
    'stages never started are not drawn'
  );
  assert.equal(layout.tasksDrawn, 4);
  assert.equal(layout.tasksTotal, 4);
  assert.equal(layout.sampled, false);
  assert.ok(layout.ticks.length >= 5 && layout.ticks[0].label === '0');
  // Hover finds the task under the pointer and describes it.
  const hit = hitTest(layout, t3.x + 1, t3.y + 1);
  assert.equal(hit?.ref.kind === 'task' && hit.ref.task.taskId, 3);
  assert.match(
    describeBar(hit!.ref, 5000),
    /^Task 3\.0 \(id 3\) of stage 0\.0 · SUCCESS · 400 ms/
  );
  assert.equal(hitTest(layout, 5, 5), null);
});

test('running spans end at now; tasks on an unknown executor still get a lane', () => {
  const app = timelineApp({
    end: null,
    tasks: [task(9, '7', 1000, null)],
    executors: []
  });
  const layout = layoutTimeline([app], { width: 600, now: 3000 });
  assert.equal(layout.t1, 3000);
  assert.equal(layout.numLanes, 1);
  const bar = layout.bars.find(b => b.ref.kind === 'task')!;
  assert.equal(bar.color, 'running');
  assert.ok(
    Math.abs(bar.x + bar.w - (layout.plotLeft + layout.plotWidth)) < 1e-9
  );
});

test('20000 sampled spans are laid out quickly, and the note says they were sampled', () => {
  const tasks = Array.from({ length: 20_000 }, (_, i) =>
    task(i, String(i % 50), 1000 + (i % 1000), 1000 + (i % 1000) + 50)
  );
  const app = timelineApp({
    tasks,
    numTasks: 100_000,
    sampled: true,
    executors: []
  });
  const started = Date.now();
  const layout = layoutTimeline([app], { width: 1200, now: 3000 });
  assert.ok(
    Date.now() - started < 1000,
    'layout of 20k spans takes well under a second'
  );
  assert.equal(layout.tasksDrawn, 20_000);
  assert.equal(layout.numLanes, 50);
  assert.equal(samplingNote([app]), 'showing 20000 of 100000 tasks (sampled)');
  assert.equal(samplingNote([timelineApp()]), null);
});

test('axis steps are round', () => {
  assert.equal(niceStep(1000, 10), 100);
  assert.equal(niceStep(60_000, 5), 15_000);
  assert.equal(niceStep(3, 10), 1);
});

test('activity: step lines of active tasks and cores, markers for executors added or removed in the window', () => {
  const layout = layoutActivity([timelineApp()], {
    width: 548,
    height: 128,
    now: 5000,
    left: 40
  });
  // plot: x from 40 over 500 px for 1000 ms; y from 8 over 100 px for 0..10.
  assert.equal(layout.points, 3);
  assert.equal(layout.yMax, 10);
  const active = layout.series[0].active;
  assert.deepEqual(
    active.map(p => [p.x, p.y]),
    [
      [40, 88], // 2 tasks from t=1000
      [290, 88],
      [290, 78], // 3 from t=1500
      [440, 78],
      [440, 98], // 1 from t=1800
      [540, 98] // held until the app's end
    ]
  );
  assert.deepEqual(
    layout.series[0].cores.map(p => p.y),
    [48, 48, 8, 8, 48, 48]
  );
  assert.deepEqual(
    layout.markers.map(m => [m.kind, m.x]),
    [
      ['removed', 440],
      ['added', 140]
    ],
    'executors added before the window are not marked'
  );
  assert.match(layout.markers[0].label, /executor 2 removed: lost/);
});

test('a step line of one point holds its value until the end', () => {
  const pts = stepLine(
    [{ time: 0, activeTasks: 1, cores: 2 }],
    p => p.activeTasks,
    10,
    t => t,
    v => v
  );
  assert.deepEqual(pts, [
    { x: 0, y: 1 },
    { x: 10, y: 1 }
  ]);
});
