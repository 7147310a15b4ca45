// Which cells of a notebook are running now, and since when, from the kernel's messages (as cell-runs.ts times them,
// for every kernel): the execute request carries the cell id (JupyterLab's metadata.cellId); the kernel publishes a
// `busy` status when it starts the request and an `idle` one when it is done, with its own clock in the header.
import { NotebookPanel } from '@jupyterlab/notebook';

import { IMessageLike, messageTime } from './cell-runs';

/** Execute requests remembered until their `idle` (the oldest are forgotten beyond it), and running cells held. */
const MAX_TRACKED = 1000;

type PanelKernel = NonNullable<
  NonNullable<NotebookPanel['sessionContext']['session']>['kernel']
>;

interface IAnyMessageArgs {
  msg: IMessageLike;
  direction: 'send' | 'recv';
}

/** The running cells of one panel's notebook, following whichever kernel the panel has. */
export class RunningCells {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _onChange: (cellId: string) => void
  ) {
    _panel.sessionContext.kernelChanged.connect(this._follow, this);
    _panel.sessionContext.sessionChanged.connect(this._follow, this);
    this._follow();
  }

  /** When the cell's current run started (epoch ms, the kernel's clock), or undefined while it does not run. */
  since(cellId: string): number | undefined {
    return this._running.get(cellId);
  }

  /** The ids of the running cells. */
  cells(): string[] {
    return [...this._running.keys()];
  }

  dispose(): void {
    this._panel.sessionContext.kernelChanged.disconnect(this._follow, this);
    this._panel.sessionContext.sessionChanged.disconnect(this._follow, this);
    this._kernel?.anyMessage.disconnect(this._onMessage, this);
    this._kernel = null;
    this._running.clear();
  }

  private _follow(): void {
    this._kernel?.anyMessage.disconnect(this._onMessage, this);
    this._kernel = this._panel.isDisposed
      ? null
      : (this._panel.sessionContext.session?.kernel ?? null);
    this._kernel?.anyMessage.connect(this._onMessage, this);
    const was = this.cells();
    this._pending.clear();
    this._running.clear();
    was.forEach(id => this._onChange(id)); // a new kernel runs none of them
  }

  private _onMessage(_: unknown, args: IAnyMessageArgs): void {
    const msg = args.msg;
    if (args.direction === 'send') {
      const cellId = (msg.metadata as { cellId?: unknown }).cellId;
      if (
        msg.header.msg_type === 'execute_request' &&
        typeof cellId === 'string'
      ) {
        this._pending.set(msg.header.msg_id, cellId);
        if (this._pending.size > MAX_TRACKED) {
          this._pending.delete(this._pending.keys().next().value as string);
        }
      }
      return;
    }
    if (msg.channel !== 'iopub' || msg.header.msg_type !== 'status') {
      return;
    }
    const parent = (msg.parent_header as { msg_id?: string }).msg_id ?? '';
    const cellId = this._pending.get(parent);
    if (cellId === undefined) {
      return;
    }
    const state = (msg.content as { execution_state?: unknown })
      .execution_state;
    if (state === 'busy') {
      this._running.set(cellId, messageTime(msg));
      if (this._running.size > MAX_TRACKED) {
        this._running.delete(this._running.keys().next().value as string);
      }
    } else if (state === 'idle') {
      this._pending.delete(parent);
      this._running.delete(cellId);
    } else {
      return;
    }
    this._onChange(cellId);
  }

  private _kernel: PanelKernel | null = null;
  private readonly _pending = new Map<string, string>(); // execute request msg_id -> cell id
  private readonly _running = new Map<string, number>(); // cell id -> run start
}
