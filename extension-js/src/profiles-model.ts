// Spark configuration profiles (spark/api/API.md § Profiles; docs/user-guide.md): the monitor's list, the notebook's
// choice (kept in its metadata), the kernel call that hands the choice to the next SparkSession, and what the chooser
// says. No DOM: unit-tested in Node.
import { URLExt } from '@jupyterlab/coreutils';

import { ErrorEnvelope, Profile, ProfileList, SuccessEnvelope } from './api';

const PREFIX = 'sparkmonitor/';
/** The notebook metadata key: `{"sparkmonitor": {"profile": "name"}}`. */
export const METADATA_KEY = 'sparkmonitor';

/** One profile of api/profiles (spark/api/wire's Profile). */
export type IProfile = Profile;

/** The answer of api/profiles (spark/api/wire's ProfileList). */
export type IProfileList = ProfileList;

/** What the kernel says after a choice (sparkmonitor_go.kernel.ProfileReport). */
export interface IKernelReport {
  /** The profile the kernel will apply to its next SparkContext (null: none). */
  profile: string | null;
  /** A SparkContext runs in the kernel now. */
  sessionActive: boolean;
  /** The profile the running SparkContext got (null: none, or no context). */
  appliedProfile: string | null;
}

/** Sends a request with the server's settings (Jupyter's auth goes along). */
export type Send = (url: string, init: RequestInit) => Promise<Response>;

export function profilesUrl(baseUrl: string): string {
  return URLExt.join(baseUrl, PREFIX, 'api/profiles');
}

/** Reads api/profiles; throws an Error with the monitor's reason when it fails. */
export async function fetchProfiles(
  send: Send,
  baseUrl: string
): Promise<IProfileList> {
  const resp = await send(profilesUrl(baseUrl), { method: 'GET' });
  let body: SuccessEnvelope<IProfileList> | ErrorEnvelope | null;
  try {
    body = (await resp.json()) as SuccessEnvelope<IProfileList> | ErrorEnvelope;
  } catch {
    body = null;
  }
  if (!resp.ok || !body || body.status !== 'success') {
    const reason =
      body && body.status === 'error'
        ? body.error
        : `${resp.status} ${resp.statusText}`;
    throw new Error(`the monitor did not list the Spark profiles: ${reason}`);
  }
  return body.data;
}

/** The profile a notebook's metadata names, or null. */
export function readChoice(metadata: unknown): string | null {
  if (!metadata || typeof metadata !== 'object') {
    return null;
  }
  const name = (metadata as { profile?: unknown }).profile;
  return typeof name === 'string' && name !== '' ? name : null;
}

/** The kernel code of a choice: a call of sparkmonitor_go.kernel.use_profile with a JSON payload (a JSON string is
 * a valid Python string literal). `profile` null clears the kernel's profile. */
export function useProfileCode(profile: IProfile | null): string {
  const payload = JSON.stringify({
    name: profile?.name ?? null,
    conf: profile?.conf ?? {}
  });
  return `__import__('sparkmonitor_go.kernel').kernel.use_profile(${JSON.stringify(payload)})`;
}

/** The user expression that reads the kernel's report back. */
export const REPORT_EXPRESSION =
  "__import__('sparkmonitor_go.kernel').kernel.profile_report()";

/** The report in an execute_reply's user_expressions entry, or an Error saying why there is none. */
export function parseReport(entry: unknown): IKernelReport {
  const e = entry as
    | {
        status?: string;
        data?: Record<string, unknown>;
        ename?: string;
        evalue?: string;
      }
    | undefined;
  if (!e || e.status !== 'ok' || !e.data) {
    const why = e && e.ename ? `${e.ename}: ${e.evalue ?? ''}` : 'no answer';
    throw new Error(
      `the kernel cannot take Spark profiles (${why}); is sparkmonitor-go installed in its environment?`
    );
  }
  const json =
    e.data['application/json'] ??
    JSON.parse(String(e.data['text/plain'] ?? 'null'));
  const r = json as IKernelReport | null;
  if (!r || typeof r.sessionActive !== 'boolean') {
    throw new Error('the kernel answered something else than a profile report');
  }
  return r;
}

/** The running session, one sentence (null when none runs). */
export function runningNote(report: IKernelReport): string | null {
  if (!report.sessionActive) {
    return null;
  }
  const running = report.appliedProfile
    ? `with profile ${report.appliedProfile}`
    : 'without a profile';
  return `A SparkSession is already running in this kernel (${running}).`;
}

/** What a choice means for the running session (null when there is nothing to say): it applies to the next one. */
export function sessionNote(
  chosen: string | null,
  report: IKernelReport
): string | null {
  const running = runningNote(report);
  if (!running || report.appliedProfile === chosen) {
    return null;
  }
  const next = chosen ? `Profile ${chosen}` : 'No profile';
  return `${running} ${next} applies to the next SparkSession: restart the kernel, or stop the session (spark.stop()) and create a new one.`;
}

/** Why a notebook's chosen profile cannot be applied now, or null when it can. */
export function unavailableReason(
  chosen: string,
  list: IProfileList
): string | null {
  const p = list.profiles.find(x => x.name === chosen);
  if (!p) {
    return `profile ${chosen} is no longer in the monitor's config file${list.config ? ` (${list.config})` : ''}`;
  }
  return p.valid ? null : p.problems.join('\n');
}

/** A short summary of a profile's settings for the chooser, e.g. "spark.master=local[2] · spark.executor.memory=4g". */
export function confSummary(p: IProfile, max = 6): string {
  const entries = Object.entries(p.conf ?? {});
  const shown = entries.slice(0, max).map(([k, v]) => `${k}=${v}`);
  if (entries.length > max) {
    shown.push(`and ${entries.length - max} more`);
  }
  return shown.join(' · ');
}
