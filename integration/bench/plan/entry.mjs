// The plan view's benchmark page (bench_plan.py): draws a ~500-operator plan with the extension's own PlanGraphView
// (extension-js/lib, compiled by tsc), then updates it as a running query does, while bench_plan.py's
// PerformanceObserver records every main-thread task over 50 ms.
import { PlanGraphView } from '../../../extension-js/lib/plan-graph.js';
import { layoutPlan } from '../../../extension-js/lib/plan-layout.js';
import base from '../../../extension-js/src/__tests__/fixtures/plan-sort_merge_join-final.json';
import { syntheticPlan } from './synthetic.mjs';

const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));

window.runPlanBench = async (nodes, offThread) => {
  const plan = syntheticPlan(base, nodes);
  const view = offThread
    ? new PlanGraphView(() => null)
    : new PlanGraphView(() => null, async g => layoutPlan(g));
  document.body.querySelector('.sm-cell-monitor').appendChild(view.node);
  const marks = { phases: {} };
  // The plans of the ten live updates, made before anything is measured (not the view's work).
  const updates = [];
  for (let i = 1; i <= 10; i++) {
    const next = structuredClone(plan);
    next.nodes.forEach(n => {
      n.timeMs += i * 7 * ((n.id % 5) + 1);
      n.rows = (n.rows ?? 0) + i * 1000;
      n.share = Math.min(1, n.share * (1 + i / 10));
    });
    updates.push(next);
  }
  const grown = syntheticPlan(base, nodes + 28);
  await frame();
  const phase = (name, start) => (marks.phases[name] = [start, performance.now()]);
  let t = performance.now();
  marks.start = t;
  await view.show(plan);
  await frame();
  marks.firstDrawMs = performance.now() - t;
  phase('first draw', t);
  marks.drawnNodes = view.node.querySelectorAll('svg [data-node-id]').length;
  marks.elements = view.node.querySelectorAll('*').length;
  // Ten live updates: same operators, growing values (no relayout).
  t = performance.now();
  for (const next of updates) {
    await view.show(next);
    await frame();
  }
  marks.tenUpdatesMs = performance.now() - t;
  phase('updates', t);
  // Select the top operator: its side panel opens.
  t = performance.now();
  view.select(plan.top[0]);
  await frame();
  phase('select', t);
  // AQE adds operators: a new layout.
  t = performance.now();
  await view.show(grown);
  await frame();
  marks.relayoutMs = performance.now() - t;
  phase('relayout', t);
  marks.drawnAfterRelayout = view.node.querySelectorAll('svg [data-node-id]').length;
  marks.planNodes = plan.nodes.length;
  return marks;
};
