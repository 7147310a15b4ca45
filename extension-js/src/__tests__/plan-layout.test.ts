import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  clusterNodes,
  heatLevel,
  HEAT_STEPS,
  IBox,
  IPlanGraph,
  layoutKey,
  layoutPlan,
  topOperators
} from '../plan-layout';
import { fixture } from './plan-fixture';

function overlap(a: IBox, b: IBox): boolean {
  return (
    a.x < b.x + b.width &&
    b.x < a.x + a.width &&
    a.y < b.y + b.height &&
    b.y < a.y + a.height
  );
}

function inside(inner: IBox, outer: IBox): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

test('every plan node is drawn once: an operator box, or the box of its codegen cluster', () => {
  for (const name of ['sort_merge_join-final', 'broadcast_join-final']) {
    const g = fixture(name);
    const l = layoutPlan(g);
    const drawn = [...l.nodes.keys(), ...l.clusters.map(c => c.id)].sort(
      (a, b) => a - b
    );
    assert.deepEqual(
      drawn,
      g.nodes.map(n => n.id).sort((a, b) => a - b),
      name
    );
    assert.ok(l.clusters.length > 0, `${name}: codegen clusters are boxes`);
  }
});

test('operators do not overlap, sit inside their cluster box, and data flows downwards', () => {
  const g = fixture('sort_merge_join-final');
  const l = layoutPlan(g);
  const boxes = [...l.nodes.entries()];
  for (const [i, [a, ba]] of boxes.entries()) {
    for (const [b, bb] of boxes.slice(i + 1)) {
      assert.ok(!overlap(ba, bb), `operators ${a} and ${b} overlap`);
    }
    assert.ok(ba.x >= 0 && ba.x + ba.width <= l.width + 0.5, `${a} in width`);
    assert.ok(
      ba.y >= 0 && ba.y + ba.height <= l.height + 0.5,
      `${a} in height`
    );
  }
  const clusterBox = new Map(l.clusters.map(c => [c.cluster, c]));
  for (const n of g.nodes) {
    const box = l.nodes.get(n.id);
    const c = clusterBox.get(n.cluster);
    if (box && c) {
      assert.ok(
        inside(box, c),
        `${n.name} ${n.id} inside cluster ${n.cluster}`
      );
    }
  }
  // Spark's edges run from an operator to its reader: the reader is lower (the scans on top, the result last).
  for (const e of l.edges) {
    assert.ok(
      l.nodes.get(e.fromId)!.y < l.nodes.get(e.toId)!.y,
      `edge ${e.fromId}→${e.toId} points down`
    );
    assert.ok(e.points.length >= 2, 'an edge has a path');
  }
  const result = g.nodes.find(n => n.name === 'AdaptiveSparkPlan')!;
  const scans = g.nodes.filter(n => n.name === 'Range');
  for (const s of scans) {
    assert.ok(l.nodes.get(s.id)!.y < l.nodes.get(result.id)!.y);
  }
});

test('the layout key changes with the node set (AQE adds operators) and not with values', () => {
  const running = fixture('sort_merge_join-running');
  const final = fixture('sort_merge_join-final');
  const again: IPlanGraph = JSON.parse(JSON.stringify(final));
  again.nodes.forEach(n => {
    n.timeMs += 5;
    n.rows = (n.rows ?? 0) + 1;
  });
  assert.equal(layoutKey(again), layoutKey(final));
  assert.notEqual(layoutKey(running), layoutKey(final));
  assert.ok(running.nodes.length < final.nodes.length);
});

test('clusters are the WholeStageCodegen nodes that have operators in the plan', () => {
  const g = fixture('sort_merge_join-final');
  const c = clusterNodes(g);
  for (const [cluster, id] of c) {
    const n = g.nodes.find(x => x.id === id)!;
    assert.equal(n.name, `WholeStageCodegen (${cluster})`);
    assert.ok(g.nodes.some(x => x.cluster === cluster && x.id !== id));
  }
  assert.equal(
    c.size,
    g.nodes.filter(n => n.name.startsWith('WholeStageCodegen')).length
  );
});

test('heat levels rise with the share of time, 0 for none', () => {
  assert.equal(heatLevel(0), 0);
  assert.equal(heatLevel(NaN), 0);
  assert.equal(heatLevel(0.001), 1);
  assert.equal(heatLevel(1), HEAT_STEPS.length + 1);
  let last = 0;
  for (let s = 0; s <= 1; s += 0.01) {
    const h = heatLevel(s);
    assert.ok(h >= last, `level at ${s}`);
    last = h;
  }
  // On the recording: the hottest operator has the top level, one without time none.
  const g = fixture('sort_merge_join-final');
  const hottest = g.nodes.reduce((a, b) => (b.share > a.share ? b : a));
  assert.equal(heatLevel(hottest.share), HEAT_STEPS.length);
  assert.ok(hottest.share >= HEAT_STEPS[HEAT_STEPS.length - 2]);
  assert.equal(
    heatLevel(g.nodes.find(n => n.name === 'AdaptiveSparkPlan')!.share),
    0
  );
});

test('the top operators are the three with the most time, most first', () => {
  const g = fixture('sort_merge_join-final');
  const want = [...g.nodes]
    .sort((a, b) => b.timeMs - a.timeMs)
    .slice(0, 3)
    .map(n => n.id);
  assert.deepEqual(
    topOperators(g).map(n => n.id),
    want
  );
  assert.deepEqual(topOperators(fixture('sort_merge_join-running')), []);
});
