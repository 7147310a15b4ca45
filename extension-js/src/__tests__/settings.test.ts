import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_SETTINGS, readSettings } from '../settings';

test('settings fall back to defaults for missing or mistyped values', () => {
  assert.deepEqual(readSettings({}), DEFAULT_SETTINGS);
  assert.deepEqual(
    readSettings({
      autoCollapse: 'yes',
      maxJobsPerCell: 50,
      refreshRateMs: -5
    }),
    {
      ...DEFAULT_SETTINGS,
      maxJobsPerCell: 50,
      refreshRateMs: 0
    }
  );
});

test('writing summaries into notebooks is off unless asked for', () => {
  assert.equal(DEFAULT_SETTINGS.writeSummary, false);
  assert.equal(readSettings({ writeSummary: true }).writeSummary, true);
});

test('the stall threshold defaults to 10 s and stays within 1 s to 10 min', () => {
  assert.equal(DEFAULT_SETTINGS.stallAfterSeconds, 10);
  assert.equal(readSettings({ stallAfterSeconds: 30 }).stallAfterSeconds, 30);
  assert.equal(readSettings({ stallAfterSeconds: 0 }).stallAfterSeconds, 1);
  assert.equal(
    readSettings({ stallAfterSeconds: 9999 }).stallAfterSeconds,
    600
  );
});
