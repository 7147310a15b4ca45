// The plan layout's Web Worker: dagre on a plan of hundreds of operators takes longer than a frame (a 505-operator
// plan: about 0.4 s), so the view lays plans out here, off the page's main thread.
import { IPlanGraph, layoutPlan } from './plan-layout';

const ctx = self as unknown as {
  onmessage:
    ((ev: MessageEvent<{ seq: number; graph: IPlanGraph }>) => void) | null;
  postMessage(message: unknown): void;
};

ctx.onmessage = ev => {
  const { seq, graph } = ev.data;
  try {
    ctx.postMessage({ seq, layout: layoutPlan(graph) });
  } catch (err) {
    ctx.postMessage({ seq, error: String(err) });
  }
};
