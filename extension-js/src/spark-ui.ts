// Links into an application's Spark UI, reverse-proxied by the monitor under `{baseUrl}sparkmonitor/{uiPath}`
// (spark/api/API.md § Spark UI). No DOM: unit-tested in Node.
import { URLExt } from '@jupyterlab/coreutils';

import { App } from './api';

const PREFIX = 'sparkmonitor/';

/** What a link points at: the app's UI, or one of its pages. */
export type UITarget =
  | { kind: 'app' }
  | { kind: 'job'; jobId: number }
  | { kind: 'stage'; stageId: number; attemptId: number }
  | { kind: 'sql'; executionId: number };

/** The page of a target, relative to the app's UI root, and its query string. */
function page(target: UITarget): [string, string] {
  switch (target.kind) {
    case 'app':
      return ['', ''];
    case 'job':
      return ['jobs/job/', `?id=${target.jobId}`];
    case 'stage':
      return [
        'stages/stage/',
        `?id=${target.stageId}&attempt=${target.attemptId}`
      ];
    case 'sql':
      return ['SQL/execution/', `?id=${target.executionId}`];
  }
}

/**
 * A path from the server with each segment percent-encoded exactly once, whether the server encoded it or not (an app
 * id may hold `/`, `?`, `#`, `%` or spaces; a segment that is not valid percent-encoding is encoded as it is).
 */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map(seg => {
      let raw = seg;
      try {
        raw = decodeURIComponent(seg);
      } catch {
        // a lone '%': the segment was not encoded
      }
      return encodeURIComponent(raw);
    })
    .join('/');
}

/**
 * The URL of a target in the app's proxied Spark UI, or null when the app has no UI (uiPath null: no UI, or the app
 * ended). `baseUrl` is the Jupyter server's (e.g. `https://hub.example/user/alice/`).
 */
export function sparkUIUrl(
  baseUrl: string,
  app: Pick<App, 'uiPath'> | undefined,
  target: UITarget
): string | null {
  if (!app || !app.uiPath) {
    return null;
  }
  const root = encodePath(
    app.uiPath.endsWith('/') ? app.uiPath : `${app.uiPath}/`
  );
  const [path, query] = page(target);
  const url = URLExt.join(baseUrl, PREFIX, root, path);
  // URLExt.join drops a trailing slash only for an empty last part: keep the UI root's.
  return `${url.endsWith('/') ? url : `${url}/`}${query}`;
}

/** The tooltip (and accessible name) of a link. */
export function sparkUILabel(target: UITarget): string {
  switch (target.kind) {
    case 'app':
      return 'Open the Spark UI of this application (new tab)';
    case 'job':
      return `Open job ${target.jobId} in the Spark UI (new tab)`;
    case 'stage':
      return `Open stage ${target.stageId} (attempt ${target.attemptId}) in the Spark UI (new tab)`;
    case 'sql':
      return `Open SQL query ${target.executionId} in the Spark UI (new tab)`;
  }
}
