// The optional "Explain" button of a failure card (spark/api/API.md § Explain): shown when api/health says
// `explain: true` (the monitor's config file has an explain section); a click POSTs to the job's explain endpoint and
// shows "Asking …", then the answer or the error, always as plain text (textContent, never HTML).
import { URLExt } from '@jupyterlab/coreutils';

import { Explanation, Job, SuccessEnvelope } from './api';
import { cancelInit, failureReason, Send } from './cancel';
import { el } from './job-rows';

const PREFIX = 'sparkmonitor/';

/** The URL of a job's explain endpoint. */
export function explainUrl(
  baseUrl: string,
  appId: string,
  jobId: number
): string {
  return URLExt.join(
    baseUrl,
    PREFIX,
    `api/apps/${encodeURIComponent(appId)}/jobs/${jobId}/explain`
  );
}

/** The text shown for an answer: the explanation, and a note when the monitor cut it. */
export function answerText(e: Explanation): string {
  return e.cut ? `${e.text}\n[the answer was cut: too long]` : e.text;
}

/** Asks the monitor to explain a job's card; resolves the text to show (an answer or an error). */
export async function askExplain(
  send: Send,
  baseUrl: string,
  appId: string,
  jobId: number
): Promise<{ ok: boolean; text: string }> {
  let resp: Response;
  try {
    resp = await send(explainUrl(baseUrl, appId, jobId), cancelInit());
  } catch (err) {
    return {
      ok: false,
      text: `Explain failed: SparkMonitor server not reachable: ${(err as Error).message}`
    };
  }
  let body: unknown = null;
  try {
    body = await resp.json();
  } catch {
    // not JSON: the status says what happened
  }
  const env = body as SuccessEnvelope<Explanation> | null;
  if (resp.ok && env && env.status === 'success' && env.data) {
    return { ok: true, text: answerText(env.data) };
  }
  return {
    ok: false,
    text: `Explain failed: ${failureReason(resp.status, resp.statusText, body)}`
  };
}

/** Whether the monitor offers Explain (api/health's `explain`); false when it cannot say. */
export async function explainEnabled(
  send: Send,
  baseUrl: string
): Promise<boolean> {
  try {
    const resp = await send(URLExt.join(baseUrl, PREFIX, 'api/health'), {});
    const body = (await resp.json()) as SuccessEnvelope<{ explain?: boolean }>;
    return body?.data?.explain === true;
  } catch {
    return false;
  }
}

/** The button and its answer area, for a card's node. */
export function explainNode(
  job: Job,
  send: Send,
  baseUrl: string
): HTMLElement {
  const box = el('div', 'sm-fc-explain');
  const button = el('button', 'sm-fc-explain-button', 'Explain');
  button.type = 'button';
  button.title =
    'Send this card (not your data) to the explanation service your administrator configured';
  const out = el('pre', 'sm-fc-explain-text');
  out.hidden = true;
  out.setAttribute('aria-live', 'polite');
  button.onclick = async () => {
    button.disabled = true;
    out.hidden = false;
    out.dataset.state = 'asking';
    out.textContent = 'Asking …';
    const r = await askExplain(send, baseUrl, job.appId, job.jobId);
    out.dataset.state = r.ok ? 'answer' : 'error';
    out.textContent = r.text; // plain text, never HTML
    button.disabled = false;
  };
  box.append(button, out);
  return box;
}
