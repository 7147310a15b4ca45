// The static summary of a cell's Spark jobs, written into the notebook as an ordinary output once they are done:
// text/plain and text/html (inline styles, no scripts) for viewers without the extension (nbviewer, VS Code,
// GitHub), and its own mime type carrying the data, which the extension renders as a one-line note (the live monitor
// is right above it). No DOM: unit-tested in Node.
import { Job } from './api';
import { formatDuration } from './format';

export const SUMMARY_MIME = 'application/vnd.sparkmonitor-go.summary+json';
/** Jobs listed in a summary; the totals always count them all. */
export const SUMMARY_MAX_JOBS = 100;

export interface ISummaryJob {
  appId: string;
  jobId: number;
  name: string;
  status: string;
  sqlExecutionId: number | null;
  numTasks: number;
  numCompletedTasks: number;
  numFailedTasks: number;
  numSkippedTasks: number;
  durationMs: number;
}

export interface ISummaryData {
  version: 1;
  cellId: string;
  numJobs: number;
  numSucceeded: number;
  numFailed: number;
  numTasks: number;
  numCompletedTasks: number;
  numFailedTasks: number;
  /** From the first job's submission to the last job's completion. */
  durationMs: number;
  /** The first SUMMARY_MAX_JOBS jobs. */
  jobs: ISummaryJob[];
}

export function summaryData(cellId: string, jobs: Job[]): ISummaryData {
  const sum = (f: (j: Job) => number) => jobs.reduce((n, j) => n + f(j), 0);
  const start = jobs.length ? Math.min(...jobs.map(j => j.submissionTime)) : 0;
  const end = jobs.length
    ? Math.max(...jobs.map(j => j.completionTime ?? j.submissionTime))
    : 0;
  return {
    version: 1,
    cellId,
    numJobs: jobs.length,
    numSucceeded: jobs.filter(j => j.status === 'SUCCEEDED').length,
    numFailed: jobs.filter(j => j.status === 'FAILED').length,
    numTasks: sum(j => j.numTasks),
    numCompletedTasks: sum(j => j.numCompletedTasks),
    numFailedTasks: sum(j => j.numFailedTasks),
    durationMs: end - start,
    jobs: jobs.slice(0, SUMMARY_MAX_JOBS).map(j => ({
      appId: j.appId,
      jobId: j.jobId,
      name: j.name,
      status: j.status,
      sqlExecutionId: j.sqlExecutionId,
      numTasks: j.numTasks,
      numCompletedTasks: j.numCompletedTasks,
      numFailedTasks: j.numFailedTasks,
      numSkippedTasks: j.numSkippedTasks,
      durationMs: (j.completionTime ?? j.submissionTime) - j.submissionTime
    }))
  };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]);
}

/** The one-line headline of a summary. */
export function summaryHeadline(d: ISummaryData): string {
  const tasks = `${d.numCompletedTasks}/${d.numTasks} tasks${d.numFailedTasks ? ` (${d.numFailedTasks} failed)` : ''}`;
  return (
    `Spark jobs: ${d.numJobs} (succeeded ${d.numSucceeded}, failed ${d.numFailed}) · ${tasks} · ` +
    `${formatDuration(d.durationMs)}`
  );
}

function tasksText(j: ISummaryJob): string {
  const extra = [
    j.numFailedTasks ? `${j.numFailedTasks} failed` : '',
    j.numSkippedTasks ? `${j.numSkippedTasks} skipped` : ''
  ]
    .filter(Boolean)
    .join(', ');
  return `${j.numCompletedTasks}/${j.numTasks}${extra ? ` (${extra})` : ''}`;
}

export function summaryText(d: ISummaryData): string {
  const lines = [summaryHeadline(d)];
  for (const j of d.jobs) {
    lines.push(
      `  job ${j.jobId}  ${j.status}  ${tasksText(j)} tasks  ${formatDuration(j.durationMs)}  ${j.name}`
    );
  }
  if (d.numJobs > d.jobs.length) {
    lines.push(`  … and ${d.numJobs - d.jobs.length} more jobs`);
  }
  return lines.join('\n');
}

const STATUS_COLORS: Record<string, string> = {
  SUCCEEDED: '#2e7d32',
  FAILED: '#c62828',
  RUNNING: '#1565c0',
  CANCELLED: '#ef6c00'
};

/** A small static table: inline styles only, every text escaped, no scripts. */
export function summaryHtml(d: ISummaryData): string {
  const cell =
    'style="padding:2px 8px;border-bottom:1px solid #ddd;text-align:left"';
  const head = ['Job', 'Name', 'Status', 'Tasks', 'Duration']
    .map(h => `<th ${cell}>${h}</th>`)
    .join('');
  const rows = d.jobs.map(j => {
    const color = STATUS_COLORS[j.status] ?? 'inherit';
    return (
      `<tr><td ${cell}>${j.jobId}</td><td ${cell}>${escapeHtml(j.name)}</td>` +
      `<td style="padding:2px 8px;border-bottom:1px solid #ddd;color:${color}">${escapeHtml(j.status)}</td>` +
      `<td ${cell}>${escapeHtml(tasksText(j))}</td><td ${cell}>${escapeHtml(formatDuration(j.durationMs))}</td></tr>`
    );
  });
  if (d.numJobs > d.jobs.length) {
    rows.push(
      `<tr><td ${cell} colspan="5">… and ${d.numJobs - d.jobs.length} more jobs</td></tr>`
    );
  }
  return (
    `<div class="sparkmonitor-summary" style="font-family:sans-serif;font-size:12px">` +
    `<div style="font-weight:600;margin:4px 0">${escapeHtml(summaryHeadline(d))}</div>` +
    `<table style="border-collapse:collapse"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>` +
    `</div>`
  );
}

/** The display_data output holding a summary (nbformat v4). */
export function summaryOutput(d: ISummaryData): {
  output_type: 'display_data';
  data: Record<string, string | ISummaryData>;
  metadata: Record<string, never>;
} {
  return {
    output_type: 'display_data',
    data: {
      'text/plain': summaryText(d),
      'text/html': summaryHtml(d),
      [SUMMARY_MIME]: d
    },
    metadata: {}
  };
}
