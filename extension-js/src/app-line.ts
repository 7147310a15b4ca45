// The cell monitor's line about an application (no DOM: unit-tested in Node).
import { App } from './api';
import { appStateLabel, counted } from './format';

/** "4900 older jobs not kept" when the monitor no longer holds some of the application's jobs, else ''. */
export function olderJobsNote(app: Pick<App, 'evictedJobs'>): string {
  const n = app.evictedJobs ?? 0;
  return n > 0 ? `${counted(n, 'older job')} not kept` : '';
}

/** Why older jobs are missing: the tooltip of the note. */
export const OLDER_JOBS_TITLE =
  'The monitor keeps the newest jobs of each Spark application (retention.maxJobsPerApp in its config file, ' +
  '1000 by default); older ones were dropped and no longer show after a reload. Spark UI still lists them while ' +
  'the application runs.';

/** "demo · 2 executors · 4 cores · RUNNING" (or "driver lost"), then the older jobs the monitor dropped, if any. */
export function appLine(app: App): string {
  const parts = [
    app.appName,
    counted(app.numExecutors, 'executor'),
    counted(app.totalCores, 'core'),
    appStateLabel(app)
  ];
  const older = olderJobsNote(app);
  if (older) {
    parts.push(older);
  }
  return parts.join(' · ');
}
