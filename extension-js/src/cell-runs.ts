// Times each cell's runs from its notebook's kernel messages, for the time-window fallback (model.ts, CellRun): the
// execute request carries the cell id (JupyterLab's metadata.cellId); every kernel, IPython or not, publishes a `busy`
// status when it starts handling a request and an `idle` one when it is done, with the request as parent and the
// kernel's own clock in the header's date.
import { NotebookPanel } from '@jupyterlab/notebook';

import { MonitorModel } from './model';

/** The panel's kernel connection (typed through the panel: JupyterLab may bundle more than one services package). */
type PanelKernel = NonNullable<NonNullable<NotebookPanel['sessionContext']['session']>['kernel']>;

/** What is read of a kernel message (a structural subset of KernelMessage.IMessage). */
export interface MessageLike {
  channel: string;
  header: { msg_id: string; msg_type: string; date?: string };
  parent_header: object;
  metadata: object;
  content: object;
}

interface AnyMessageArgs {
  msg: MessageLike;
  direction: 'send' | 'recv';
}

/** Execute requests whose cell is remembered until their `idle` status; beyond it the oldest are forgotten. */
const MAX_PENDING = 1000;

/** The kernel's time of a message (epoch ms), or the browser's when the kernel gave none that parses. */
export function messageTime(msg: MessageLike): number {
  const t = Date.parse(msg.header.date ?? '');
  return Number.isFinite(t) ? t : Date.now();
}

/** Records in `model` when each cell of the panel's notebook runs, following whichever kernel the panel has. */
export function trackCellRuns(panel: NotebookPanel, model: MonitorModel): void {
  const pending = new Map<string, string>(); // execute request msg_id -> cell id
  const onMessage = (_: unknown, args: AnyMessageArgs) => {
    const msg = args.msg;
    if (args.direction === 'send') {
      const cellId = (msg.metadata as { cellId?: unknown }).cellId;
      if (msg.header.msg_type === 'execute_request' && typeof cellId === 'string') {
        pending.set(msg.header.msg_id, cellId);
        if (pending.size > MAX_PENDING) {
          pending.delete(pending.keys().next().value as string);
        }
      }
      return;
    }
    if (msg.channel !== 'iopub' || msg.header.msg_type !== 'status') {
      return;
    }
    const parent = (msg.parent_header as { msg_id?: string }).msg_id;
    const cellId = parent === undefined ? undefined : pending.get(parent);
    if (cellId === undefined) {
      return;
    }
    const state = (msg.content as { execution_state?: unknown }).execution_state;
    if (state === 'busy') {
      model.cellStarted(panel.context.localPath, cellId, messageTime(msg));
    } else if (state === 'idle') {
      pending.delete(parent as string);
      model.cellFinished(panel.context.localPath, cellId, messageTime(msg));
    }
  };
  let kernel: PanelKernel | null = null;
  const follow = () => {
    kernel?.anyMessage.disconnect(onMessage);
    kernel = panel.isDisposed ? null : (panel.sessionContext.session?.kernel ?? null);
    kernel?.anyMessage.connect(onMessage);
  };
  panel.sessionContext.kernelChanged.connect(follow);
  panel.sessionContext.sessionChanged.connect(follow);
  panel.disposed.connect(() => {
    panel.sessionContext.kernelChanged.disconnect(follow);
    panel.sessionContext.sessionChanged.disconnect(follow);
    kernel?.anyMessage.disconnect(onMessage);
    kernel = null;
  });
  follow();
}
