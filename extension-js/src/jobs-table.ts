// The Jobs tab: a virtualised table. All rows have one fixed height; only the rows in view (plus an overscan) are in
// the DOM, between two spacer rows standing for the others, so a cell with thousands of jobs scrolls smoothly.
// A failure's stack trace opens in a panel below the table (not inside the virtual list).
import { CancelTarget } from './cancel';
import { COLUMNS, el, renderRow, IRowContext } from './job-rows';
import { jobKey, IJobGroup } from './model';
import {
  flattenRows,
  MAX_VISIBLE_ROWS,
  Row,
  ROW_HEIGHT,
  visibleWindow
} from './rows';
import { create, patch, signature } from './vnode';

const COLUMN_WIDTHS = ['88px', '', '176px', '72px', '260px', '96px', '88px'];

export class JobsTable {
  readonly node = el('div', 'sm-jobs-view');

  /**
   * `requestRender` asks the widget to render again (a row was expanded); `onCancel` is called when the user clicks a
   * job's or stage's cancel button.
   */
  constructor(
    private readonly requestRender: () => void,
    private readonly onCancel: (target: CancelTarget) => void,
    /** Called when the user presses a SQL query's "Plan" button. */
    private readonly onPlan?: (appId: string, executionId: number) => void
  ) {
    this._scroll.style.maxHeight = `${(MAX_VISIBLE_ROWS + 1) * ROW_HEIGHT}px`;
    const table = el('table', 'sm-jobs');
    const colgroup = el('colgroup', '');
    for (const width of COLUMN_WIDTHS) {
      const col = el('col', '');
      if (width) {
        col.style.width = width;
      }
      colgroup.appendChild(col);
    }
    table.appendChild(colgroup);
    const head = table.createTHead().insertRow();
    for (const title of COLUMNS) {
      head.appendChild(el('th', '', title));
    }
    table.appendChild(this._body);
    this._scroll.appendChild(table);
    this.node.appendChild(this._scroll);
    this.node.appendChild(this._panel);
    this._scroll.addEventListener('scroll', this._onScroll, { passive: true });
    this._body.addEventListener('click', this._onClick);
  }

  /** Rebuilds the rows from the cell's job groups and renders the visible ones. */
  update(groups: IJobGroup[], ctx: IRowContext): void {
    this._ctx = ctx;
    const focus = this._focused();
    this._rows = flattenRows(groups, this._expanded);
    setData(this._scroll, 'rows', String(this._rows.length));
    if (this._scrollTop !== 0) {
      // Scrolled: check the position, which the browser resets when the table was hidden (that fires no scroll
      // event). Unscrolled, skip the read, which would force a layout on every update.
      this._scrollTop = this._scroll.scrollTop;
    }
    this._paint();
    this._refocus(focus);
    this._renderPanel();
  }

  /** The row and control that has the keyboard focus, so a re-render can give it back. */
  private _focused(): { key: string; selector: string } | null {
    const active = document.activeElement as HTMLElement | null;
    const tr =
      active && this._body.contains(active) ? active.closest('tr') : null;
    const row =
      tr?.dataset.row === undefined
        ? undefined
        : this._rows[Number(tr.dataset.row)];
    return row && active
      ? {
          key: row.key,
          selector: `${active.tagName.toLowerCase()}.${active.classList[0]}`
        }
      : null;
  }

  /** Gives the focus back only when the re-render took it away (it fell to the body) and the table is visible: never
   * steal it from wherever the user moved it (another tab, another cell), which would re-activate this notebook. */
  private _refocus(focus: { key: string; selector: string } | null): void {
    const lost =
      document.activeElement === null ||
      document.activeElement === document.body;
    if (!focus || !lost || this._scroll.offsetParent === null) {
      return;
    }
    for (const tr of this._body.children as HTMLCollectionOf<HTMLElement>) {
      if (
        tr.dataset.row !== undefined &&
        this._rows[Number(tr.dataset.row)]?.key === focus.key
      ) {
        (tr.querySelector(focus.selector) as HTMLElement | null)?.focus();
        return;
      }
    }
  }

  dispose(): void {
    cancelAnimationFrame(this._frame);
    this._scroll.removeEventListener('scroll', this._onScroll);
    this._body.removeEventListener('click', this._onClick);
    this._rows = [];
    this._painted.clear();
  }

  /**
   * Renders the rows in view. Each row is built as a VNode (plain data, vnode.ts), and its node is kept across updates:
   * unchanged, or with only the attributes and texts that changed rewritten (patch), and nodes already in place are
   * not moved. So an update that changes one row's counts rewrites a few texts and widths of that row: no node enters
   * or leaves the document, the browser restyles and lays out only those, and no DOM is built only to be thrown away
   * (issue 5, P4).
   * Reads no layout: the scroll position is the one the last scroll event saw, and the viewport is the table's
   * maximum height (with fewer rows all of them are rendered anyway).
   */
  private _paint(): void {
    const viewport = (MAX_VISIBLE_ROWS + 1) * ROW_HEIGHT;
    const win = visibleWindow(this._rows.length, this._scrollTop, viewport, {
      headerHeight: ROW_HEIGHT
    });
    const painted = new Map<string, IPaintedRow>();
    const nodes: HTMLTableRowElement[] = [this._top];
    for (let i = win.start; i < win.end; i++) {
      const vnode = renderRow(this._rows[i], i, this._ctx);
      const sig = signature(vnode);
      const old = this._painted.get(this._rows[i].key);
      let row: IPaintedRow;
      if (old && old.sig === sig) {
        row = old;
      } else if (old && patch(old.node, vnode)) {
        row = { sig, node: old.node }; // the same node, its changed attributes and texts rewritten
      } else {
        row = { sig, node: create(vnode) as HTMLTableRowElement };
      }
      painted.set(this._rows[i].key, row);
      nodes.push(row.node);
    }
    nodes.push(this._bottom);
    this._painted = painted;
    setSpacer(this._top, win.top);
    setSpacer(this._bottom, win.bottom);
    const children = this._body.children;
    nodes.forEach((node, i) => {
      if (children[i] !== node) {
        this._body.insertBefore(node, children[i] ?? null);
      }
    });
    while (children.length > nodes.length) {
      children[nodes.length].remove();
    }
    setData(this._scroll, 'rendered', String(win.end - win.start));
    setData(this._scroll, 'start', String(win.start));
  }

  private _onScroll = (): void => {
    if (this._frame === 0) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._scrollTop = this._scroll.scrollTop;
        this._paint();
      });
    }
  };

  private _onClick = (ev: MouseEvent): void => {
    const target = ev.target as HTMLElement;
    const tr = target.closest('tr');
    const row =
      tr?.dataset.row === undefined
        ? undefined
        : this._rows[Number(tr.dataset.row)];
    if (!row || target.closest('a')) {
      return; // a link into the Spark UI opens its page; it does not toggle the row
    }
    if (target.closest('button.sm-plan-open') && row.kind === 'sql') {
      this.onPlan?.(row.group.appId, row.group.executionId as number);
      return;
    }
    if (target.closest('button.sm-cancel')) {
      if (row.kind === 'job') {
        this.onCancel({
          kind: 'job',
          appId: row.job.appId,
          jobId: row.job.jobId
        });
      } else if (row.kind === 'stage') {
        this.onCancel({
          kind: 'stage',
          appId: row.job.appId,
          stageId: row.stage.stageId
        });
      }
      return;
    }
    if (row.kind === 'job') {
      if (!this._expanded.delete(row.key)) {
        this._expanded.add(row.key);
      }
      this.requestRender();
    } else if (row.kind === 'failure' && row.failure.detail) {
      const same =
        this._open?.jobKey === jobKey(row.job) &&
        this._open.index === row.index;
      this._open = same ? null : { jobKey: jobKey(row.job), index: row.index };
      this._renderPanel();
    }
  };

  /** The stack trace panel below the table, for the failure the user opened (if its job is still shown). */
  private _renderPanel(): void {
    const open = this._open;
    const row = open
      ? (this._rows.find(
          r =>
            r.kind === 'failure' &&
            jobKey(r.job) === open.jobKey &&
            r.index === open.index
        ) as Extract<Row, { kind: 'failure' }> | undefined)
      : undefined;
    this._panel.hidden = !row;
    if (!row) {
      this._panel.replaceChildren();
      return;
    }
    const { job, failure } = row;
    if (
      this._panel.dataset.key ===
      `${open!.jobKey}:${open!.index}:${failure.count}`
    ) {
      return; // unchanged: keep the user's scroll position in the trace
    }
    this._panel.dataset.key = `${open!.jobKey}:${open!.index}:${failure.count}`;
    this._panel.dataset.jobId = String(job.jobId);
    this._panel.dataset.count = String(failure.count);
    const header = el('div', 'sm-failure-panel-header');
    header.appendChild(
      el(
        'span',
        'sm-failure-panel-reason',
        `Job ${job.jobId}: ${failure.count} failed task${failure.count === 1 ? '' : 's'}: ${failure.reason}`
      )
    );
    const close = el('button', 'sm-failure-close', '×');
    close.title = 'Close the stack trace';
    close.onclick = () => {
      this._open = null;
      this._renderPanel();
    };
    header.appendChild(close);
    this._panel.replaceChildren(
      header,
      el('pre', 'sm-failure-detail', failure.detail)
    );
  }

  private readonly _scroll = el('div', 'sm-jobs-scroll');
  private readonly _body = document.createElement('tbody');
  private readonly _panel = el('div', 'sm-failure-panel');
  private readonly _expanded = new Set<string>();
  private _open: { jobKey: string; index: number } | null = null;
  private _rows: Row[] = [];
  /** The rendered rows by key, with the markup each was rendered with. */
  private _painted = new Map<string, IPaintedRow>();
  private readonly _top = spacer();
  private readonly _bottom = spacer();
  private _scrollTop = 0;
  private _ctx: IRowContext = {
    now: 0,
    uiUrl: () => null,
    jobCancel: () => 'none',
    stageCancel: () => 'none'
  };
  private _frame = 0;
}

interface IPaintedRow {
  /** The signature of the VNode the row was last rendered from. */
  sig: string;
  node: HTMLTableRowElement;
}

function spacer(): HTMLTableRowElement {
  const tr = el('tr', 'sm-spacer');
  tr.hidden = true;
  return tr;
}

/** Sets a spacer's height; a spacer of no height is hidden. Writes only what changes. */
function setSpacer(tr: HTMLTableRowElement, height: number): void {
  if (tr.style.height !== `${height}px`) {
    tr.style.height = `${height}px`;
  }
  if (tr.hidden !== (height === 0)) {
    tr.hidden = height === 0;
  }
}

/** Sets a data attribute unless it already has this value (an attribute write restyles even when equal). */
export function setData(node: HTMLElement, key: string, value: string): void {
  if (node.dataset[key] !== value) {
    node.dataset[key] = value;
  }
}
