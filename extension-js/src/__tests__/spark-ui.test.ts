import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodePath, sparkUILabel, sparkUIUrl } from '../spark-ui';

const HUB = 'https://hub.example.org/user/alice/';

test('Spark UI links: app root and deep links under a JupyterHub prefix', () => {
  const app = { uiPath: 'ui/local-1700000000000/' };
  assert.equal(
    sparkUIUrl(HUB, app, { kind: 'app' }),
    `${HUB}sparkmonitor/ui/local-1700000000000/`
  );
  assert.equal(
    sparkUIUrl(HUB, app, { kind: 'job' as const, jobId: 7 }),
    `${HUB}sparkmonitor/ui/local-1700000000000/jobs/job/?id=7`
  );
  assert.equal(
    sparkUIUrl(HUB, app, { kind: 'stage', stageId: 3, attemptId: 1 }),
    `${HUB}sparkmonitor/ui/local-1700000000000/stages/stage/?id=3&attempt=1`
  );
  assert.equal(
    sparkUIUrl(HUB, app, { kind: 'sql', executionId: 12 }),
    `${HUB}sparkmonitor/ui/local-1700000000000/SQL/execution/?id=12`
  );
  // A base URL without its trailing slash, and a uiPath without one, give the same links.
  assert.equal(
    sparkUIUrl(HUB.slice(0, -1), { uiPath: 'ui/a' }, { kind: 'job', jobId: 1 }),
    `${HUB}sparkmonitor/ui/a/jobs/job/?id=1`
  );
  assert.equal(
    sparkUIUrl('/', app, { kind: 'app' }),
    '/sparkmonitor/ui/local-1700000000000/'
  );
});

test('Spark UI links: no link when the app has no UI or is unknown', () => {
  assert.equal(
    sparkUIUrl(HUB, { uiPath: null }, { kind: 'job', jobId: 1 }),
    null
  );
  assert.equal(sparkUIUrl(HUB, { uiPath: '' }, { kind: 'app' }), null);
  assert.equal(sparkUIUrl(HUB, undefined, { kind: 'app' }), null);
});

test('Spark UI links: special characters of an app id are encoded once', () => {
  assert.equal(
    sparkUIUrl(HUB, { uiPath: 'ui/app 1?x#y/' }, { kind: 'job', jobId: 2 }),
    `${HUB}sparkmonitor/ui/app%201%3Fx%23y/jobs/job/?id=2`
  );
  // Already encoded by the server: not encoded twice.
  assert.equal(
    sparkUIUrl(HUB, { uiPath: 'ui/app%201/' }, { kind: 'app' }),
    `${HUB}sparkmonitor/ui/app%201/`
  );
  // A lone '%' is not an escape: it is encoded.
  assert.equal(encodePath('ui/50%off/'), 'ui/50%25off/');
  assert.equal(
    encodePath('ui/application_1700000000000_0001/'),
    'ui/application_1700000000000_0001/'
  );
});

test('Spark UI links say what they open', () => {
  assert.match(sparkUILabel({ kind: 'job', jobId: 4 }), /job 4 .*new tab/);
  assert.match(
    sparkUILabel({ kind: 'stage', stageId: 2, attemptId: 0 }),
    /stage 2 \(attempt 0\)/
  );
});
