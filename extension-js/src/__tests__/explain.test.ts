import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CSRF_HEADER, Send } from '../cancel';
import { askExplain, explainEnabled, explainUrl } from '../explain';

const HUB = 'https://hub.example.org/user/alice/';

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status });
}

test('the explain URL names the app (escaped) and the job', () => {
  assert.equal(
    explainUrl(HUB, 'app/1', 3),
    'https://hub.example.org/user/alice/sparkmonitor/api/apps/app%2F1/jobs/3/explain'
  );
});

test('an explain is a POST with the CSRF header, and its answer is the text', async () => {
  const seen: RequestInit[] = [];
  const send: Send = async (_url, init) => {
    seen.push(init);
    return answer(200, {
      status: 'success',
      data: { text: 'do <b>this</b>', cut: false }
    });
  };
  const r = await askExplain(send, HUB, 'app-1', 0);
  assert.deepEqual(r, { ok: true, text: 'do <b>this</b>' });
  assert.equal(seen[0].method, 'POST');
  assert.equal((seen[0].headers as Record<string, string>)[CSRF_HEADER], '1');
});

test('a cut answer says so; a refusal shows the monitor reason', async () => {
  const cut: Send = async () =>
    answer(200, { status: 'success', data: { text: 'abc', cut: true } });
  assert.match(
    (await askExplain(cut, HUB, 'a', 1)).text,
    /^abc\n\[the answer was cut/
  );
  const off: Send = async () =>
    answer(404, {
      status: 'error',
      errorType: 'not_found',
      error: 'explain is off: no explain section'
    });
  assert.deepEqual(await askExplain(off, HUB, 'a', 1), {
    ok: false,
    text: 'Explain failed: explain is off: no explain section'
  });
  const down: Send = async () => {
    throw new Error('refused');
  };
  assert.match(
    (await askExplain(down, HUB, 'a', 1)).text,
    /not reachable: refused/
  );
});

test('the button is offered only when api/health says explain: true', async () => {
  const health =
    (explain: unknown): Send =>
    async () =>
      answer(200, { status: 'success', data: { ok: true, explain } });
  assert.equal(await explainEnabled(health(true), HUB), true);
  assert.equal(await explainEnabled(health(false), HUB), false);
  assert.equal(await explainEnabled(health(undefined), HUB), false);
});
