import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LogLine } from '../api';
import { visibleLines } from '../logs-filter';

const line = (
  level: LogLine['level'],
  logger: string,
  message: string
): LogLine => ({
  appId: 'app',
  time: 0,
  level,
  logger,
  thread: 'main',
  message,
  source: 'jvm'
});

const lines = [
  line('INFO', 'org.apache.spark.A', 'starting'),
  line('WARN', 'nb', 'Careful with X'),
  line('ERROR', 'py.cell', 'failed'),
  line('FATAL', 'org.apache.spark.B', 'gone')
];

test('the level filter keeps the chosen level and above', () => {
  assert.deepEqual(
    visibleLines(lines, 'ERROR', '').shown.map(l => l.message),
    ['failed', 'gone']
  );
  assert.equal(visibleLines(lines, '', '').matching, 4);
});

test('search finds messages and loggers in any case', () => {
  assert.deepEqual(
    visibleLines(lines, '', 'careful').shown.map(l => l.logger),
    ['nb']
  );
  assert.deepEqual(
    visibleLines(lines, '', 'SPARK').shown.map(l => l.message),
    ['starting', 'gone']
  );
  assert.deepEqual(
    visibleLines(lines, 'WARN', 'spark').shown.map(l => l.message),
    ['gone']
  );
});

test('only the newest rows are drawn; the rest are counted', () => {
  const many = Array.from({ length: 1200 }, (_, i) =>
    line('WARN', 'x', `m${i}`)
  );
  const { shown, matching } = visibleLines(many, '', '', 500);
  assert.deepEqual(
    [shown.length, matching, shown[0].message, shown[499].message],
    [500, 1200, 'm700', 'm1199']
  );
});
