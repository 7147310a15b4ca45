// A SQL query's plan (the monitor's `GET …/sql/{id}/plan`, spark/plan's Graph) laid out for drawing: operators in
// layers from the scans at the top to the result at the bottom (dagre), whole-stage-codegen clusters as boxes around
// their operators, a heat level per operator from its share of the query's time, and the top operators. No DOM:
// unit-tested in Node.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';

import { PlanGraph, PlanMetric, PlanNode, PlanValue } from './api';

/** The plan types of the monitor's API (spark/api/wire/plan.go), under the names this view uses. */
export type IPlanValue = PlanValue;
export type IPlanMetric = PlanMetric;
export type IPlanNode = PlanNode;
export type IPlanGraph = PlanGraph;

/** Size of an operator's box, in CSS pixels (two lines: the name, then rows and time). */
export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 40;
/** The most operators drawn: spark/plan.MaxNodes, which the monitor never exceeds. */
export const MAX_PLAN_NODES = 5000;

export interface IBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A whole-stage-codegen cluster: the plan node that stands for it, and the box around its operators. */
export interface IClusterBox extends IBox {
  id: number;
  cluster: number;
}

export interface IPlanLayout {
  /** The plan's node set it was made for (layoutKey): a new layout only when it changes. */
  key: string;
  width: number;
  height: number;
  /** Operators' boxes (top-left corner), by plan node id. */
  nodes: Map<number, IBox>;
  clusters: IClusterBox[];
  edges: { fromId: number; toId: number; points: { x: number; y: number }[] }[];
  /** Laid out in the Web Worker (plan-layouter.ts), not on the page's main thread. */
  worker?: boolean;
}

const CLUSTER_NAME = /^WholeStageCodegen \((\d+)\)$/;

/** The ids of the plan nodes that stand for a codegen cluster with operators in the plan, by cluster number. */
export function clusterNodes(graph: IPlanGraph): Map<number, number> {
  const members = new Set<number>();
  for (const n of graph.nodes) {
    if (n.cluster > 0 && !CLUSTER_NAME.test(n.name)) {
      members.add(n.cluster);
    }
  }
  const byCluster = new Map<number, number>();
  for (const n of graph.nodes) {
    if (CLUSTER_NAME.test(n.name) && members.has(n.cluster)) {
      byCluster.set(n.cluster, n.id);
    }
  }
  return byCluster;
}

/** A key of the plan's nodes, clusters and edges: equal keys, equal layout (values may differ). */
export function layoutKey(graph: IPlanGraph): string {
  const nodes = graph.nodes.map(n => `${n.id}:${n.cluster}`).sort();
  const edges = graph.edges.map(e => `${e.fromId}>${e.toId}`).sort();
  return `${nodes.join(',')}|${edges.join(',')}`;
}

/**
 * Lays the plan out top-down: Spark's edges run from an operator to the one that reads its output, so the scans come
 * first and the query's result last. Operators of a codegen cluster are grouped in its box.
 */
export function layoutPlan(graph: IPlanGraph): IPlanLayout {
  const clusters = clusterNodes(graph);
  const clusterIds = new Set(clusters.values());
  const g = new graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({
    rankdir: 'TB',
    nodesep: 16,
    ranksep: 28,
    marginx: 8,
    marginy: 8
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of clusterIds) {
    g.setNode(`c${id}`, {});
  }
  const drawn = new Set<number>();
  for (const n of graph.nodes) {
    if (clusterIds.has(n.id)) {
      continue;
    }
    drawn.add(n.id);
    g.setNode(`n${n.id}`, { width: NODE_WIDTH, height: NODE_HEIGHT });
    const box = clusters.get(n.cluster);
    if (box !== undefined) {
      g.setParent(`n${n.id}`, `c${box}`);
    }
  }
  const edges = graph.edges.filter(
    e => drawn.has(e.fromId) && drawn.has(e.toId) && e.fromId !== e.toId
  );
  for (const e of edges) {
    g.setEdge(`n${e.fromId}`, `n${e.toId}`);
  }
  dagreLayout(g);
  const out: IPlanLayout = {
    key: layoutKey(graph),
    width: Math.ceil(g.graph().width ?? 0),
    height: Math.ceil(g.graph().height ?? 0),
    nodes: new Map(),
    clusters: [],
    edges: []
  };
  for (const id of drawn) {
    const p = g.node(`n${id}`);
    out.nodes.set(id, {
      x: p.x - p.width / 2,
      y: p.y - p.height / 2,
      width: p.width,
      height: p.height
    });
  }
  for (const [cluster, id] of clusters) {
    const p = g.node(`c${id}`);
    out.clusters.push({
      id,
      cluster,
      x: p.x - p.width / 2,
      y: p.y - p.height / 2,
      width: p.width,
      height: p.height
    });
  }
  for (const e of edges) {
    const points = g.edge(`n${e.fromId}`, `n${e.toId}`)?.points ?? [];
    out.edges.push({
      ...e,
      points: points.map((p: { x: number; y: number }) => ({ x: p.x, y: p.y }))
    });
  }
  return out;
}

/** Heat levels 0 (no measured time) to 5; the upper bounds of the shares of levels 1 to 4. */
export const HEAT_STEPS = [0.02, 0.05, 0.15, 0.3];

/** An operator's heat level, from its share of the query's time (0..1): what colours its box. */
export function heatLevel(share: number): number {
  if (!(share > 0)) {
    return 0;
  }
  const i = HEAT_STEPS.findIndex(step => share < step);
  return i < 0 ? HEAT_STEPS.length + 1 : i + 1;
}

/** The top operators (the plan's `top`, most time first) that are in the plan. */
export function topOperators(graph: IPlanGraph): IPlanNode[] {
  const byId = new Map(graph.nodes.map(n => [n.id, n]));
  return graph.top
    .map(id => byId.get(id))
    .filter((n): n is IPlanNode => n !== undefined);
}
