// Reports each cell's runs to the monitor, for notebooks whose kernel has no cell-id hook (not IPython: nothing tags
// their jobs with cell ids); the server puts such a notebook's jobs under the cell whose run contains them
// (spark/api/API.md § Cells). Timed from the kernel's messages: the execute request carries the cell id (JupyterLab's
// metadata.cellId); every kernel publishes a `busy` status when it starts handling a request and an `idle` one when it
// is done, with the request as parent and the kernel's own clock in the header's date.
import { URLExt } from '@jupyterlab/coreutils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import { CSRF_HEADER } from './cancel';

/** The panel's kernel connection (typed through the panel: JupyterLab may bundle more than one services package). */
type PanelKernel = NonNullable<
  NonNullable<NotebookPanel['sessionContext']['session']>['kernel']
>;

/** What is read of a kernel message (a structural subset of KernelMessage.IMessage). */
export interface IMessageLike {
  channel: string;
  header: { msg_id: string; msg_type: string; date?: string };
  parent_header: object;
  metadata: object;
  content: object;
}

interface IAnyMessageArgs {
  msg: IMessageLike;
  direction: 'send' | 'recv';
}

/** Execute requests whose cell is remembered until their `idle` status; beyond it the oldest are forgotten. */
const MAX_PENDING = 1000;

/** The kernel's time of a message (epoch ms), or the browser's when the kernel gave none that parses. */
export function messageTime(msg: IMessageLike): number {
  const t = Date.parse(msg.header.date ?? '');
  return Number.isFinite(t) ? t : Date.now();
}

/** The request that reports a run of a cell (start, and end once known) of the notebook at `path`. */
export function cellRunRequest(
  baseUrl: string,
  path: string,
  cellId: string,
  start: number,
  end: number | null
): { url: string; init: RequestInit } {
  const e = encodeURIComponent;
  return {
    url:
      URLExt.join(baseUrl, 'sparkmonitor/', `api/cells/${e(cellId)}/runs`) +
      `?notebookPath=${e(path)}`,
    init: {
      method: 'POST',
      headers: { [CSRF_HEADER]: '1', 'Content-Type': 'application/json' },
      body: JSON.stringify({ start, end })
    }
  };
}

/**
 * Reports to the monitor when each cell of the panel's notebook runs, while the panel's kernel is not IPython (an
 * IPython kernel has our hook, which tells the driver itself), following whichever kernel the panel has.
 */
export function trackCellRuns(
  panel: NotebookPanel,
  settings: ServerConnection.ISettings
): void {
  const pending = new Map<string, { cellId: string; start: number }>(); // execute request msg_id -> its run
  let hooked = true; // until the kernel's info says otherwise
  const report = (cellId: string, start: number, end: number | null) => {
    const { url, init } = cellRunRequest(
      settings.baseUrl,
      panel.context.localPath,
      cellId,
      start,
      end
    );
    ServerConnection.makeRequest(url, init, settings).catch(err =>
      console.warn('SparkMonitor: could not report a cell run', err)
    );
  };
  const onMessage = (_: unknown, args: IAnyMessageArgs) => {
    if (hooked) {
      return;
    }
    const msg = args.msg;
    if (args.direction === 'send') {
      const cellId = (msg.metadata as { cellId?: unknown }).cellId;
      if (
        msg.header.msg_type === 'execute_request' &&
        typeof cellId === 'string'
      ) {
        pending.set(msg.header.msg_id, { cellId, start: 0 });
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
    const run = parent === undefined ? undefined : pending.get(parent);
    if (run === undefined) {
      return;
    }
    const state = (msg.content as { execution_state?: unknown })
      .execution_state;
    if (state === 'busy') {
      run.start = messageTime(msg);
      report(run.cellId, run.start, null);
    } else if (state === 'idle' && run.start > 0) {
      pending.delete(parent as string);
      report(run.cellId, run.start, Math.max(messageTime(msg), run.start));
    }
  };
  let kernel: PanelKernel | null = null;
  const follow = () => {
    kernel?.anyMessage.disconnect(onMessage);
    kernel = panel.isDisposed
      ? null
      : (panel.sessionContext.session?.kernel ?? null);
    kernel?.anyMessage.connect(onMessage);
    hooked = true;
    const current = kernel;
    void current?.info.then(
      info => {
        if (kernel === current) {
          hooked = info.implementation === 'ipython';
        }
      },
      () => undefined
    );
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
