import assert from 'node:assert/strict';
import { test } from 'node:test';

import { App, StreamingQuery } from '../api';
import { MAX_STREAMS, MonitorModel } from '../model';
import {
  durationParts,
  formatRate,
  sparkPoints,
  stopUrl
} from '../streaming-panel';

function query(
  queryId: string,
  cellId: string | null,
  over: Partial<StreamingQuery> = {}
): StreamingQuery {
  return {
    appId: 'app-1',
    queryId,
    runId: `run-${queryId}`,
    name: null,
    cellId,
    status: 'ACTIVE',
    error: null,
    startTime: 1000,
    endTime: null,
    sink: 'MemorySink',
    sources: [],
    numBatches: 0,
    numJobs: 0,
    batches: [],
    ...over
  };
}

const app = { appId: 'app-1' } as App;

test('streaming queries are kept per cell; a delta replaces a query whole', () => {
  const m = new MonitorModel();
  const changed: string[] = [];
  m.onCellChanged(id => changed.push(id));
  m.apply({
    type: 'snapshot',
    apps: [{ ...app, streamingQueries: [query('q1', 'c1'), query('q2', null)] }]
  });
  assert.deepEqual(
    m.streamsForCell('c1').map(q => q.queryId),
    ['q1']
  );
  assert.deepEqual(changed, ['c1']);
  m.apply({
    type: 'delta',
    apps: [app],
    streamingQueries: [query('q1', 'c1', { status: 'STOPPED', numBatches: 7 })]
  });
  const [q] = m.streamsForCell('c1');
  assert.equal(q.status, 'STOPPED');
  assert.equal(q.numBatches, 7);
  m.apply({ type: 'snapshot', apps: [app] });
  assert.equal(m.streamsForCell('c1').length, 0, 'a snapshot replaces all');
});

test('the model keeps at most MAX_STREAMS queries, dropping ended ones first', () => {
  const m = new MonitorModel();
  const qs = [query('active-old', 'c', { startTime: 0 })];
  for (let i = 1; i <= MAX_STREAMS; i++) {
    qs.push(query(`q${i}`, 'c', { status: 'STOPPED', startTime: i }));
  }
  m.apply({ type: 'snapshot', apps: [{ ...app, streamingQueries: qs }] });
  const kept = m.streamsForCell('c').map(q => q.queryId);
  assert.equal(kept.length, MAX_STREAMS);
  assert.ok(kept.includes('active-old'), 'the active query stays');
  assert.ok(!kept.includes('q1'), 'the oldest ended query goes');
});

test('figures: rates, duration parts, sparkline, stop URL', () => {
  assert.equal(formatRate(5.25), '5.3 rows/s');
  assert.equal(formatRate(null), '–');
  assert.equal(
    durationParts({
      triggerExecution: 900,
      walCommit: 10,
      addBatch: 800,
      latestOffset: 2,
      custom: 1
    }),
    'latestOffset 2 ms · addBatch 800 ms · walCommit 10 ms · custom 1 ms'
  );
  assert.equal(
    sparkPoints([0, 5, 10], 10, 100, 20),
    '0.0,20.0 50.0,10.0 100.0,0.0'
  );
  assert.equal(sparkPoints([3], 3, 100, 20), '');
  assert.equal(
    stopUrl('/user/a/', query('q/1', 'c')),
    '/user/a/sparkmonitor/api/apps/app-1/streams/q%2F1/stop'
  );
});
