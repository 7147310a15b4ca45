// A plan of about `n` operators for the plan view's benchmark: copies of a real plan (spark/plan.Build on the
// sort-merge join recording, extension-js/src/__tests__/fixtures) side by side, their results read by one Union, as in
// a query that unions many joins. Ids and codegen clusters are renumbered per copy.
export function syntheticPlan(base, n) {
  const copies = Math.max(1, Math.ceil((n - 1) / base.nodes.length));
  const nodes = [];
  const edges = [];
  const root = base.nodes.find(x => x.name === 'AdaptiveSparkPlan').id;
  const union = { ...base.nodes.find(x => x.id === root), id: 1_000_000, name: 'Union', cluster: 0 };
  for (let k = 0; k < copies; k++) {
    const off = k * 1000;
    for (const x of base.nodes) {
      const cluster = x.cluster ? x.cluster + k * 100 : 0;
      const name = x.name.startsWith('WholeStageCodegen') ? `WholeStageCodegen (${cluster})` : x.name;
      nodes.push({ ...x, id: x.id + off, name, cluster, share: x.share / copies, timeMs: x.timeMs });
    }
    for (const e of base.edges) {
      edges.push({ fromId: e.fromId + off, toId: e.toId + off });
    }
    edges.push({ fromId: root + off, toId: union.id });
  }
  nodes.push(union);
  const top = [...nodes].sort((a, b) => b.timeMs - a.timeMs).slice(0, 3).map(x => x.id);
  return { ...base, nodes, edges, top, timeMs: base.timeMs * copies };
}
