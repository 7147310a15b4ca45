import assert from 'node:assert/strict';
import { test } from 'node:test';

import { App } from '../api';
import { appLine, olderJobsNote } from '../app-line';

function app(over: Partial<App> = {}): App {
  return {
    appId: 'a',
    attemptId: null,
    appName: 'demo',
    sparkVersion: '4.1.1',
    sparkUser: 'u',
    master: 'local[2]',
    uiUrl: null,
    kernelId: 'k',
    notebookPath: 'n.ipynb',
    state: 'RUNNING',
    startTime: 1,
    endTime: null,
    uiPath: null,
    cancelEnabled: true,
    numExecutors: 1,
    totalCores: 2,
    numJobs: 1000,
    numActiveJobs: 1000,
    numCompletedJobs: 0,
    numFailedJobs: 0,
    droppedEvents: 0,
    evictedJobs: 0,
    source: 'live',
    driverLost: false,
    ...over
  };
}

test('the cell monitor says how many older jobs of the application the monitor no longer holds', () => {
  assert.equal(appLine(app()), 'demo · 1 executor · 2 cores · RUNNING');
  assert.equal(
    appLine(app({ evictedJobs: 99000 })),
    'demo · 1 executor · 2 cores · RUNNING · 99000 older jobs not kept'
  );
  assert.equal(olderJobsNote(app({ evictedJobs: 1 })), '1 older job not kept');
  assert.equal(olderJobsNote(app()), '');
  // A server from before the field: no note.
  assert.equal(olderJobsNote({} as App), '');
});
