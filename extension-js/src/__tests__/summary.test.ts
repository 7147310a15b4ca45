import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Job } from '../api';
import {
  escapeHtml,
  SUMMARY_MAX_JOBS,
  SUMMARY_MIME,
  summaryData,
  summaryHtml,
  summaryOutput,
  summaryText
} from '../summary';

function job(jobId: number, over: Partial<Job> = {}): Job {
  return {
    appId: 'a',
    jobId,
    name: `collect at <cell>:${jobId}`,
    description: null,
    jobGroup: null,
    cellId: 'c',
    sqlExecutionId: null,
    status: 'SUCCEEDED',
    submissionTime: 1000 + jobId * 100,
    completionTime: 1500 + jobId * 100,
    error: null,
    numStages: 1,
    numCompletedStages: 1,
    numSkippedStages: 0,
    numFailedStages: 0,
    numActiveStages: 0,
    numTasks: 10,
    numCompletedTasks: 10,
    numActiveTasks: 0,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numSkippedTasks: 0,
    stages: [],
    failures: [],
    hints: [],
    ...over
  };
}

test("the summary counts the jobs, their tasks and the cell's Spark time", () => {
  const d = summaryData('c', [
    job(0),
    job(1, { status: 'FAILED', numCompletedTasks: 7, numFailedTasks: 4 })
  ]);
  assert.equal(d.numJobs, 2);
  assert.equal(d.numSucceeded, 1);
  assert.equal(d.numFailed, 1);
  assert.equal(d.numTasks, 20);
  assert.equal(d.numCompletedTasks, 17);
  assert.equal(d.numFailedTasks, 4);
  assert.equal(d.durationMs, 600);
  assert.equal(d.jobs[1].durationMs, 500);
  assert.match(
    summaryText(d),
    /^Spark jobs: 2 \(succeeded 1, failed 1\) · 17\/20 tasks \(4 failed\) · 600 ms\n {2}job 0 {2}SUCCEEDED/
  );
});

test('the HTML escapes every text, uses inline styles only and no scripts', () => {
  const evil = job(0, {
    name: '<script>alert("x")</script> & <img src=x onerror=alert(1)>',
    status: 'FAILED'
  });
  const html = summaryHtml(summaryData('c', [evil]));
  assert.ok(!html.includes('<script'), html);
  assert.ok(!html.includes('<img'), html);
  assert.ok(
    html.includes(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;'
    )
  );
  assert.ok(!/class="sm-|<style|javascript:/.test(html));
  assert.equal(escapeHtml(`a'b"c<d>&`), 'a&#39;b&quot;c&lt;d&gt;&amp;');
});

test('the output is one display_data with text, HTML and the data under its own mime type; jobs listed are bounded', () => {
  const jobs = Array.from({ length: SUMMARY_MAX_JOBS + 5 }, (_, i) => job(i));
  const out = summaryOutput(summaryData('c', jobs));
  assert.equal(out.output_type, 'display_data');
  assert.deepEqual(
    Object.keys(out.data).sort(),
    [SUMMARY_MIME, 'text/html', 'text/plain'].sort()
  );
  const data = out.data[SUMMARY_MIME] as ReturnType<typeof summaryData>;
  assert.equal(data.numJobs, SUMMARY_MAX_JOBS + 5);
  assert.equal(data.jobs.length, SUMMARY_MAX_JOBS);
  assert.ok((out.data['text/html'] as string).includes('… and 5 more jobs'));
  assert.deepEqual(
    JSON.parse(JSON.stringify(out)),
    out,
    'plain JSON, as nbformat stores it'
  );
});
