import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  confSummary,
  fetchProfiles,
  parseReport,
  IProfile,
  IProfileList,
  profilesUrl,
  readChoice,
  sessionNote,
  unavailableReason,
  useProfileCode
} from '../profiles-model';

const small: IProfile = {
  name: 'small',
  description: 'Two cores',
  valid: true,
  conf: { 'spark.master': 'local[2]' },
  problems: []
};
const bad: IProfile = {
  name: 'bad',
  description: '',
  valid: false,
  conf: null,
  problems: [
    '/etc/jupyter/sparkmonitor.yaml:7: profile bad: executor.memory "4gb": write 4g'
  ]
};
const list: IProfileList = {
  config: '/etc/jupyter/sparkmonitor.yaml',
  configError: null,
  profiles: [small, bad]
};

test('the profiles URL is under the monitor prefix, JupyterHub base URLs included', () => {
  assert.equal(
    profilesUrl('https://hub.example.org/user/alice/'),
    'https://hub.example.org/user/alice/sparkmonitor/api/profiles'
  );
});

test("fetchProfiles returns the list, or throws with the monitor's reason", async () => {
  const ok = async () =>
    new Response(JSON.stringify({ status: 'success', data: list }), {
      status: 200
    });
  assert.deepEqual(await fetchProfiles(ok, '/'), list);
  const refused = async () =>
    new Response(
      JSON.stringify({
        status: 'error',
        errorType: 'unauthorized',
        error: 'open the monitor through Jupyter'
      }),
      { status: 401 }
    );
  await assert.rejects(
    fetchProfiles(refused, '/'),
    /did not list the Spark profiles: open the monitor through Jupyter/
  );
  const html = async () =>
    new Response('<html>bad gateway</html>', {
      status: 502,
      statusText: 'Bad Gateway'
    });
  await assert.rejects(fetchProfiles(html, '/'), /502 Bad Gateway/);
});

test('the choice is read from the notebook metadata', () => {
  assert.equal(readChoice({ profile: 'small' }), 'small');
  for (const m of [
    undefined,
    null,
    {},
    { profile: '' },
    { profile: 3 },
    'small'
  ]) {
    assert.equal(readChoice(m), null);
  }
});

test('the kernel code is one call whose argument Python reads as the JSON payload', () => {
  const tricky: IProfile = {
    ...small,
    conf: { 'spark.app.name': 'it\'s "quoted" \\ and\nnew line ü' }
  };
  const code = useProfileCode(tricky);
  const m =
    /^__import__\('sparkmonitor_go\.kernel'\)\.kernel\.use_profile\((".*")\)$/s.exec(
      code
    );
  assert.ok(m, code);
  // A JSON string literal is a Python string literal with the same value.
  assert.deepEqual(JSON.parse(JSON.parse(m[1])), {
    name: 'small',
    conf: tricky.conf
  });
  assert.ok(!code.includes('\n'), 'one line');
  assert.deepEqual(
    JSON.parse(JSON.parse(/\((".*")\)$/.exec(useProfileCode(null))![1])),
    { name: null, conf: {} }
  );
});

test('the kernel report is read from application/json or text/plain, and a failure says why', () => {
  const report = {
    profile: 'small',
    sessionActive: true,
    appliedProfile: null
  };
  assert.deepEqual(
    parseReport({ status: 'ok', data: { 'application/json': report } }),
    report
  );
  assert.deepEqual(
    parseReport({
      status: 'ok',
      data: { 'text/plain': JSON.stringify(report) }
    }),
    report
  );
  assert.throws(
    () =>
      parseReport({
        status: 'error',
        ename: 'ModuleNotFoundError',
        evalue: "No module named 'sparkmonitor_go'"
      }),
    /cannot take Spark profiles \(ModuleNotFoundError: No module named 'sparkmonitor_go'\)/
  );
  assert.throws(() => parseReport(undefined), /no answer/);
  assert.throws(
    () => parseReport({ status: 'ok', data: { 'text/plain': '42' } }),
    /something else/
  );
});

test('a choice made while a session runs applies to the next one, and the note says how', () => {
  const running = {
    profile: 'small',
    sessionActive: true,
    appliedProfile: null
  };
  assert.match(
    sessionNote('small', running)!,
    /^A SparkSession is already running in this kernel \(without a profile\)\. Profile small applies to the next SparkSession: restart the kernel/
  );
  assert.equal(
    sessionNote('small', { ...running, appliedProfile: 'small' }),
    null,
    'the running one has it'
  );
  assert.equal(
    sessionNote('small', { ...running, sessionActive: false }),
    null,
    'no session: it applies to the next'
  );
  assert.match(
    sessionNote(null, { ...running, appliedProfile: 'big' })!,
    /\(with profile big\)\. No profile applies/
  );
});

test('a chosen profile that is invalid or gone cannot be applied, and the reason says so', () => {
  assert.equal(unavailableReason('small', list), null);
  assert.equal(unavailableReason('bad', list), bad.problems[0]);
  assert.equal(
    unavailableReason('gone', list),
    "profile gone is no longer in the monitor's config file (/etc/jupyter/sparkmonitor.yaml)"
  );
});

test('the summary lists the settings, bounded', () => {
  const many: IProfile = {
    ...small,
    conf: Object.fromEntries(
      Array.from({ length: 9 }, (_, i) => [`spark.k${i}`, `${i}`])
    )
  };
  assert.equal(confSummary(small), 'spark.master=local[2]');
  assert.equal(confSummary(many, 2), 'spark.k0=0 · spark.k1=1 · and 7 more');
  assert.equal(confSummary(bad), '');
});
