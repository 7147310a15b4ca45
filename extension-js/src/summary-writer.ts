// Appends the static summary (summary.ts) to a cell's outputs once per execution: when the execution has finished and
// every Spark job it started is done. Only with the setting `writeSummary`.
import { ICodeCellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import { Notebook, NotebookActions } from '@jupyterlab/notebook';

import { jobKey, MonitorModel } from './model';
import { IMonitorSettings } from './settings';
import { summaryData, summaryOutput } from './summary';

/** Quiet time after the last change before the summary is written (a last job's final update may lag the reply). */
const SETTLE_MS = 1000;

interface IPendingExecution {
  cellModel: ICodeCellModel;
  cellId: string;
  /** Jobs the cell had before this execution: not part of its summary. */
  before: Set<string>;
  executed: boolean;
  timer: number;
}

export class SummaryWriter {
  /** Writes the summaries of the cells of `notebook` (one writer per notebook, with that notebook's model). */
  constructor(
    private readonly model: MonitorModel,
    private readonly settings: () => IMonitorSettings,
    private readonly notebook?: Notebook
  ) {
    NotebookActions.executionScheduled.connect(this._onScheduled, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    this._unsubscribe = model.onCellChanged(cellId => {
      for (const pending of this._pending.values()) {
        if (pending.cellId === cellId && pending.executed) {
          this._check(pending);
        }
      }
    });
  }

  dispose(): void {
    NotebookActions.executionScheduled.disconnect(this._onScheduled, this);
    NotebookActions.executed.disconnect(this._onExecuted, this);
    this._unsubscribe();
    for (const pending of this._pending.values()) {
      window.clearTimeout(pending.timer);
    }
    this._pending.clear();
  }

  private _onScheduled(
    _: unknown,
    args: { notebook: Notebook; cell: { model: unknown } }
  ): void {
    const cellModel = args.cell.model as ICodeCellModel;
    if (
      !this.settings().writeSummary ||
      cellModel.type !== 'code' ||
      (this.notebook && args.notebook !== this.notebook)
    ) {
      return;
    }
    const cellId = cellModel.id;
    const previous = this._pending.get(cellModel);
    if (previous) {
      window.clearTimeout(previous.timer);
    }
    const before = new Set(this.model.jobsForCell(cellId).map(jobKey));
    this._pending.set(cellModel, {
      cellModel,
      cellId,
      before,
      executed: false,
      timer: 0
    });
  }

  private _onExecuted(_: unknown, args: { cell: { model: unknown } }): void {
    const pending = this._pending.get(args.cell.model as ICodeCellModel);
    if (pending) {
      pending.executed = true;
      this._check(pending);
    }
  }

  /** The jobs of this execution, if there are some and all are done. */
  private _doneJobs(pending: IPendingExecution) {
    const jobs = this.model
      .jobsForCell(pending.cellId)
      .filter(j => !pending.before.has(jobKey(j)));
    return jobs.length > 0 && jobs.every(j => j.status !== 'RUNNING')
      ? jobs
      : null;
  }

  private _check(pending: IPendingExecution): void {
    window.clearTimeout(pending.timer);
    if (!this._doneJobs(pending)) {
      return; // jobs still running (or none seen yet): checked again on the next change of the cell's jobs
    }
    pending.timer = window.setTimeout(() => this._write(pending), SETTLE_MS);
  }

  private _write(pending: IPendingExecution): void {
    if (this._pending.get(pending.cellModel) !== pending) {
      return; // the cell was executed again
    }
    const jobs = this._doneJobs(pending);
    if (
      !jobs ||
      pending.cellModel.isDisposed ||
      !this.settings().writeSummary
    ) {
      return;
    }
    this._pending.delete(pending.cellModel);
    const output = summaryOutput(summaryData(pending.cellId, jobs));
    pending.cellModel.outputs.add(output as unknown as nbformat.IOutput);
  }

  /** One pending execution per cell (bounded by the cells executed with the setting on, until they finish). */
  private readonly _pending = new Map<ICodeCellModel, IPendingExecution>();
  private readonly _unsubscribe: () => void;
}
