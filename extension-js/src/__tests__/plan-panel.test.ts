import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  formatFigure,
  metricRows,
  nodeDetail,
  sidePanel,
  topLine
} from '../plan-panel';
import { IVNode } from '../vnode';
import { fixture } from './plan-fixture';

function texts(node: IVNode): string[] {
  return [node.text ?? '', ...node.children.flatMap(texts)].filter(Boolean);
}

function find(node: IVNode, cls: string): IVNode[] {
  const own = (node.attrs.class ?? '').split(' ').includes(cls) ? [node] : [];
  return [...own, ...node.children.flatMap(c => find(c, cls))];
}

test("an operator's box shows its output rows and its time with its share", () => {
  const g = fixture('sort_merge_join-final');
  const agg = g.nodes.find(n => n.id === 10)!; // HashAggregate: 1,000 rows, 2.1 s
  assert.equal(agg.name, 'HashAggregate');
  assert.equal(nodeDetail(agg), '1,000 rows · 2.1 s (27%)');
  const result = g.nodes.find(n => n.name === 'AdaptiveSparkPlan')!;
  assert.equal(nodeDetail(result), '');
  const running = fixture('sort_merge_join-running');
  assert.ok(running.nodes.every(n => n.timeMs === 0));
});

test('the side panel lists every metric, with min / median / max where Spark measured them per task', () => {
  const g = fixture('sort_merge_join-final');
  const node = g.nodes.find(n => n.id === 13)!; // WholeStageCodegen (3)
  const panel = sidePanel(
    node,
    id =>
      `https://hub/user/a/sparkmonitor/proxy/4040/stages/stage/?id=${id}&attempt=0`
  );
  assert.equal(panel.attrs['data-node-id'], '13');
  const rows = find(panel, 'sm-plan-metric');
  assert.equal(rows.length, node.metrics.length);
  // Spark's text: "2.4 s (315 ms, 952 ms, 1.2 s (stage 4.0: task 6))"
  assert.deepEqual(texts(rows[0]), [
    'duration',
    '2.4 s',
    '315 ms',
    '952 ms',
    '1.2 s'
  ]);
  const links = find(panel, 'sm-ui-link');
  assert.deepEqual(
    links.map(l => l.attrs.href),
    node.stages.map(
      s =>
        `https://hub/user/a/sparkmonitor/proxy/4040/stages/stage/?id=${s}&attempt=0`
    )
  );
  assert.deepEqual(node.stages, [4]);
  // Without a Spark UI (the app ended), the stage ids are text.
  const noUi = sidePanel(node, () => null);
  assert.equal(find(noUi, 'sm-ui-link').length, 0);
  assert.deepEqual(texts(find(noUi, 'sm-plan-panel-stages')[0]), [
    'Stages: ',
    '4'
  ]);
});

test('every metric of the recording gets its row; sizes and counts read as Spark wrote them', () => {
  for (const name of ['sort_merge_join-final', 'broadcast_join-final']) {
    for (const n of fixture(name).nodes) {
      const rows = metricRows(n);
      assert.equal(rows.length, n.metrics.length);
      n.metrics.forEach((m, i) => {
        assert.equal(rows[i].name, m.name);
        if (!m.value) {
          assert.equal(rows[i].value, m.text);
          return;
        }
        assert.equal(rows[i].min !== '', m.value.dist, `${n.name} ${m.name}`);
        // Spark's own text holds the figure shown (same units and rounding), for counts and sizes.
        if (m.value.hasTotal && m.value.kind !== 'ms' && m.value.total > 0) {
          assert.ok(
            m.text.includes(rows[i].value),
            `${name} ${n.name} ${m.name}: ${rows[i].value} in ${m.text}`
          );
        }
      });
    }
  }
  assert.equal(formatFigure('bytes', 9216), '9.0 KiB');
  assert.equal(formatFigure('bytes', 1031.8 * 1024), '1031.8 KiB');
  assert.equal(formatFigure('bytes', 0), '0.0 B');
  assert.equal(formatFigure('count', 1000000), '1,000,000');
});

test('"Top 3 operators" names the three, most time first, and marks the selected one', () => {
  const g = fixture('sort_merge_join-final');
  const line = topLine(g, 21);
  const buttons = find(line, 'sm-plan-top');
  assert.deepEqual(
    buttons.map(b => b.attrs['data-node-id']),
    g.top.map(String)
  );
  assert.deepEqual(
    buttons.map(b => b.attrs['aria-pressed']),
    g.top.map(id => String(id === 21))
  );
  assert.equal(buttons[0].text, '1. WholeStageCodegen (3) #13 2.4 s (30%)');
  const none = topLine(fixture('sort_merge_join-running'), null);
  assert.deepEqual(texts(none), ['Top 3 operators:', 'no time measured yet']);
});
