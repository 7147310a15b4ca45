// The Structured Streaming queries a cell started, one panel each, above the cell's jobs: the latest batch's rates,
// duration and its parts, rows in state, watermark, a sparkline of input against processing rate, the recent batches
// (at most the 60 the server keeps) and a Stop button. The query's micro-batch jobs are not in the jobs table: the
// server puts them under no cell (spark/api/API.md § Streaming queries).
import { URLExt } from '@jupyterlab/coreutils';

import { App, StreamingBatch, StreamingQuery } from './api';
import { cancelInit } from './cancel';
import { counted, formatDuration } from './format';
import { el, setText } from './job-rows';

/** Sends a request with Jupyter's auth (ServerConnection.makeRequest). */
export type Send = (url: string, init: RequestInit) => Promise<Response>;

/** The parts of a batch's duration Spark reports, in the order they happen. */
const PARTS = [
  'latestOffset',
  'getBatch',
  'queryPlanning',
  'addBatch',
  'walCommit',
  'commitOffsets'
];

/** The URL of a query's stop endpoint. */
export function stopUrl(baseUrl: string, q: StreamingQuery): string {
  const e = encodeURIComponent;
  return URLExt.join(
    baseUrl,
    'sparkmonitor/',
    `api/apps/${e(q.appId)}/streams/${e(q.queryId)}/stop`
  );
}

/** A rate as shown: rows per second with one decimal, or "–" when Spark reports none. */
export function formatRate(r: number | null | undefined): string {
  return r === null || r === undefined ? '–' : `${r.toFixed(1)} rows/s`;
}

/** The parts of a batch's duration, "addBatch 120 ms · getBatch 2 ms …" (the known ones first). */
export function durationParts(d: Record<string, number> | null): string {
  if (!d) {
    return '';
  }
  const keys = Object.keys(d).filter(k => k !== 'triggerExecution');
  keys.sort((a, b) => {
    const ia = PARTS.indexOf(a);
    const ib = PARTS.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return keys.map(k => `${k} ${formatDuration(d[k])}`).join(' · ');
}

/** SVG points of a series scaled into w×h (higher values up); '' for fewer than two points. */
export function sparkPoints(
  values: number[],
  top: number,
  w: number,
  h: number
): string {
  if (values.length < 2 || top <= 0) {
    return '';
  }
  const step = w / (values.length - 1);
  return values
    .map(
      (v, i) =>
        `${(i * step).toFixed(1)},${(h - (Math.max(0, v) / top) * h).toFixed(1)}`
    )
    .join(' ');
}

/** Sets a data attribute unless it already has that value. */
function setData(node: HTMLElement, key: string, value: string): void {
  if (node.dataset[key] !== value) {
    node.dataset[key] = value;
  }
}

const SVG = 'http://www.w3.org/2000/svg';
const SPARK_W = 160;
const SPARK_H = 28;

/** One query's panel; built once, its texts updated on each render. */
class QueryView {
  readonly node = el('div', 'sm-stream');

  constructor(
    private readonly onStop: (q: StreamingQuery) => void,
    q: StreamingQuery
  ) {
    this.node.dataset.queryId = q.queryId;
    this._stop.type = 'button';
    this._stop.onclick = () => this._query && this.onStop(this._query);
    const head = el('div', 'sm-stream-head');
    head.append(this._title, this._status, this._stop);
    const figures = el('div', 'sm-stream-figures');
    figures.append(
      this._input,
      this._processed,
      this._duration,
      this._state,
      this._watermark
    );
    this._spark.setAttribute('class', 'sm-stream-spark');
    this._spark.setAttribute('width', String(SPARK_W));
    this._spark.setAttribute('height', String(SPARK_H));
    this._inLine.setAttribute('class', 'sm-stream-spark-input');
    this._procLine.setAttribute('class', 'sm-stream-spark-processed');
    for (const line of [this._inLine, this._procLine]) {
      line.setAttribute('fill', 'none');
      this._spark.appendChild(line);
    }
    const more = el('details', 'sm-stream-batches');
    more.append(this._summary, this._table);
    this.node.append(
      head,
      this._sink,
      figures,
      this._parts,
      this._latest,
      this._spark as unknown as HTMLElement,
      more,
      this._error
    );
  }

  update(q: StreamingQuery, app: App | undefined, stopping: boolean): void {
    this._query = q;
    const last: StreamingBatch | undefined = q.batches[q.batches.length - 1];
    setText(this._title, `${q.name ?? 'Streaming query'} · ${q.queryId}`);
    this._title.title = `query id ${q.queryId}, run id ${q.runId}`;
    setText(this._status, q.status);
    setData(this.node, 'status', q.status);
    setData(this.node, 'numBatches', String(q.numBatches));
    setText(
      this._sink,
      `${q.sources.length ? q.sources.join(', ') + ' → ' : ''}${q.sink || 'sink not reported yet'}`
    );
    setText(this._input, `input ${formatRate(last?.inputRowsPerSecond)}`);
    setText(
      this._processed,
      `processed ${formatRate(last?.processedRowsPerSecond)}`
    );
    const total = last?.durationMs?.triggerExecution;
    setText(
      this._duration,
      `batch duration ${total === undefined ? '–' : formatDuration(total)}`
    );
    setText(
      this._state,
      last?.numRowsInState === null || last?.numRowsInState === undefined
        ? ''
        : `rows in state ${last.numRowsInState}`
    );
    setText(
      this._watermark,
      last?.watermark ? `watermark ${last.watermark}` : ''
    );
    setText(this._parts, last ? durationParts(last.durationMs) : '');
    setText(
      this._latest,
      last
        ? `latest batch ${last.batchId}: ${counted(last.numInputRows, 'row')} at ${last.timestamp}` +
            (last.truncated ? ' (progress too large: offsets left out)' : '')
        : 'no batch finished yet'
    );
    setText(
      this._summary,
      `${q.numBatches} batch${q.numBatches === 1 ? '' : 'es'}` +
        (q.numBatches > q.batches.length
          ? ` (the last ${q.batches.length} listed)`
          : '') +
        `, ${counted(q.numJobs, 'job')}`
    );
    if (this._shown !== q.numBatches) {
      this._shown = q.numBatches;
      this._renderBatches(q.batches);
    }
    setText(this._error, q.error ?? '');
    this._error.hidden = !q.error;
    const canStop = q.status === 'ACTIVE' && !!app?.cancelEnabled;
    this._stop.hidden = !canStop;
    this._stop.disabled = stopping;
    setText(this._stop, stopping ? 'Stopping…' : 'Stop');
    this._stop.title = 'Stop this streaming query (StreamingQuery.stop())';
  }

  private _renderBatches(batches: StreamingBatch[]): void {
    const head = el('tr', '');
    for (const h of ['Batch', 'Rows', 'Input', 'Processed', 'Duration']) {
      head.appendChild(el('th', '', h));
    }
    const rows = batches
      .slice()
      .reverse()
      .map(b => {
        const tr = el('tr', 'sm-stream-batch');
        tr.dataset.batchId = String(b.batchId);
        tr.dataset.rows = String(b.numInputRows);
        tr.dataset.inputRate = String(b.inputRowsPerSecond ?? '');
        tr.dataset.processedRate = String(b.processedRowsPerSecond ?? '');
        tr.append(
          el('td', 'sm-stream-batch-id', String(b.batchId)),
          el('td', 'sm-stream-batch-rows', String(b.numInputRows)),
          el('td', 'sm-stream-batch-input', formatRate(b.inputRowsPerSecond)),
          el(
            'td',
            'sm-stream-batch-processed',
            formatRate(b.processedRowsPerSecond)
          ),
          el(
            'td',
            'sm-stream-batch-duration',
            formatDuration(b.durationMs?.triggerExecution ?? 0)
          )
        );
        tr.title = durationParts(b.durationMs);
        return tr;
      });
    this._table.replaceChildren(head, ...rows);
    const input = batches.map(b => b.inputRowsPerSecond ?? 0);
    const processed = batches.map(b => b.processedRowsPerSecond ?? 0);
    const top = Math.max(0, ...input, ...processed);
    this._inLine.setAttribute(
      'points',
      sparkPoints(input, top, SPARK_W, SPARK_H)
    );
    this._procLine.setAttribute(
      'points',
      sparkPoints(processed, top, SPARK_W, SPARK_H)
    );
  }

  private _query: StreamingQuery | null = null;
  private _shown = -1;
  private readonly _title = el('span', 'sm-stream-title');
  private readonly _status = el('span', 'sm-stream-status');
  private readonly _stop = el('button', 'sm-stream-stop');
  private readonly _sink = el('div', 'sm-stream-sink');
  private readonly _input = el('span', 'sm-stream-input');
  private readonly _processed = el('span', 'sm-stream-processed');
  private readonly _duration = el('span', 'sm-stream-duration');
  private readonly _state = el('span', 'sm-stream-state');
  private readonly _watermark = el('span', 'sm-stream-watermark');
  private readonly _parts = el('div', 'sm-stream-parts');
  private readonly _latest = el('div', 'sm-stream-latest');
  private readonly _summary = el('summary', 'sm-stream-count');
  private readonly _table = el('table', 'sm-stream-batch-table');
  private readonly _error = el('pre', 'sm-stream-error');
  private readonly _spark = document.createElementNS(SVG, 'svg');
  private readonly _inLine = document.createElementNS(SVG, 'polyline');
  private readonly _procLine = document.createElementNS(SVG, 'polyline');
}

/** The panels of a cell's streaming queries (hidden while it has none). */
export class StreamingPanel {
  readonly node = el('div', 'sm-streams');

  constructor(
    private readonly baseUrl: string,
    private readonly send: Send,
    private readonly onError: (message: string | null) => void,
    private readonly rerender: () => void
  ) {
    this.node.hidden = true;
  }

  update(
    queries: StreamingQuery[],
    app: (appId: string) => App | undefined
  ): void {
    this.node.hidden = queries.length === 0;
    const keep = new Set<string>();
    for (const q of queries) {
      const key = `${q.appId}\u0000${q.queryId}`;
      keep.add(key);
      let view = this._views.get(key);
      if (!view) {
        view = new QueryView(x => this._stop(x), q);
        this._views.set(key, view);
        this.node.appendChild(view.node);
      }
      if (q.status !== 'ACTIVE') {
        this._stopping.delete(key);
      }
      view.update(q, app(q.appId), this._stopping.has(key));
    }
    for (const [key, view] of this._views) {
      if (!keep.has(key)) {
        view.node.remove();
        this._views.delete(key);
      }
    }
  }

  private _stop(q: StreamingQuery): void {
    const key = `${q.appId}\u0000${q.queryId}`;
    this._stopping.add(key);
    this.onError(null);
    this.rerender();
    this.send(stopUrl(this.baseUrl, q), cancelInit())
      .then(async resp => {
        if (!resp.ok) {
          let why = `${resp.status} ${resp.statusText}`;
          try {
            why = ((await resp.json()) as { error?: string }).error ?? why;
          } catch {
            // not JSON: the status tells
          }
          throw new Error(why);
        }
      })
      .catch((err: Error) => {
        this._stopping.delete(key);
        this.onError(`Could not stop the streaming query: ${err.message}`);
        this.rerender();
      });
  }

  private readonly _views = new Map<string, QueryView>();
  private readonly _stopping = new Set<string>();
}
