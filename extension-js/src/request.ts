// One GET of a monitor endpoint (spark/api/API.md) with Jupyter's auth, and its envelope read: the data, or an Error
// with the server's reason, or the HTTP status when the answer is not the monitor's JSON.
import { ServerConnection } from '@jupyterlab/services';

import { ErrorEnvelope, SuccessEnvelope } from './api';

/** GETs `url`; `what` names the data in errors ("timeline not available: …"). A 404 is an error too. */
export async function getData<T>(
  settings: ServerConnection.ISettings,
  url: string,
  what: string
): Promise<T> {
  const data = await get<T>(settings, url, what, false);
  return data as T;
}

/** As getData, but a 404 (nothing there yet) answers null. */
export async function getDataOrNull<T>(
  settings: ServerConnection.ISettings,
  url: string,
  what: string
): Promise<T | null> {
  return get<T>(settings, url, what, true);
}

async function get<T>(
  settings: ServerConnection.ISettings,
  url: string,
  what: string,
  nullOn404: boolean
): Promise<T | null> {
  let resp: Response;
  try {
    resp = await ServerConnection.makeRequest(url, {}, settings);
  } catch (err) {
    throw new Error(
      `SparkMonitor server not reachable: ${(err as Error).message}`,
      { cause: err }
    );
  }
  if (nullOn404 && resp.status === 404) {
    return null;
  }
  let body: SuccessEnvelope<T> | ErrorEnvelope | null = null;
  try {
    body = (await resp.json()) as SuccessEnvelope<T> | ErrorEnvelope;
  } catch {
    // not JSON: reported below with the status
  }
  if (resp.ok && body && body.status === 'success') {
    return body.data;
  }
  const why =
    body && body.status === 'error'
      ? body.error
      : `${resp.status} ${resp.statusText}`;
  throw new Error(`${what} not available: ${why}`);
}
