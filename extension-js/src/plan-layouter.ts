// Lays plans out in a Web Worker (plan-worker.ts), one at a time; on the main thread when the page cannot start one.
import { IPlanGraph, IPlanLayout, layoutPlan } from './plan-layout';

type Reply = { seq: number; layout?: IPlanLayout; error?: string };

let worker: Worker | null | undefined;
let seq = 0;
const waiting = new Map<
  number,
  {
    graph: IPlanGraph;
    resolve: (l: IPlanLayout) => void;
    reject: (e: Error) => void;
  }
>();

/** The shared layout worker, started on first use; null when workers are not available here. */
function layoutWorker(): Worker | null {
  if (worker !== undefined) {
    return worker;
  }
  try {
    worker = new Worker(new URL('./plan-worker.js', import.meta.url));
    worker.onmessage = (ev: MessageEvent<Reply>) => {
      const w = waiting.get(ev.data.seq);
      waiting.delete(ev.data.seq);
      if (ev.data.layout) {
        w?.resolve({ ...ev.data.layout, worker: true });
      } else {
        w?.reject(new Error(`plan layout failed: ${ev.data.error}`));
      }
    };
    worker.onerror = () => {
      // The worker did not load (a page that forbids workers): lay out here from now on, the waiting plans too.
      worker?.terminate();
      worker = null;
      for (const [id, w] of waiting) {
        waiting.delete(id);
        try {
          w.resolve(layoutPlan(w.graph));
        } catch (err) {
          w.reject(err as Error);
        }
      }
    };
  } catch {
    worker = null;
  }
  return worker;
}

/** Lays a plan out off the main thread when it can (the view's default layouter). */
export function layoutOffThread(graph: IPlanGraph): Promise<IPlanLayout> {
  const w = layoutWorker();
  if (!w) {
    return Promise.resolve(layoutPlan(graph));
  }
  const id = ++seq;
  return new Promise((resolve, reject) => {
    waiting.set(id, { graph, resolve, reject });
    w.postMessage({ seq: id, graph });
  });
}
