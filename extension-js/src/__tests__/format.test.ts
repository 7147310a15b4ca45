import assert from 'node:assert/strict';
import { test } from 'node:test';

import { appStateLabel, counted, formatBytes, formatDuration } from '../format';

test('durations read like the Spark UI', () => {
  assert.equal(formatDuration(250), '250 ms');
  assert.equal(formatDuration(1500), '1.5 s');
  assert.equal(formatDuration(125_000), '2 min 5 s');
  assert.equal(formatDuration(2 * 3600_000 + 60_000), '2 h 1 min');
});

test('bytes use binary units and empty for nothing', () => {
  assert.equal(formatBytes(0), '');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(4404), '4.3 KiB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
});

test('counted: singular for one, plural otherwise', () => {
  assert.equal(counted(1, 'executor'), '1 executor');
  assert.equal(counted(0, 'core'), '0 cores');
  assert.equal(counted(2, 'core'), '2 cores');
});

test('an app whose driver was lost reads "driver lost", others their state', () => {
  assert.equal(
    appStateLabel({ state: 'FINISHED', driverLost: true }),
    'driver lost'
  );
  assert.equal(
    appStateLabel({ state: 'FINISHED', driverLost: false }),
    'FINISHED'
  );
  assert.equal(appStateLabel({ state: 'DISCONNECTED' }), 'DISCONNECTED');
});
