// What the plan view writes in words: an operator's label, the "Top 3 operators" line and the side panel of a
// selected operator (its metrics, their min / median / max over tasks, links to its stages in the Spark UI), as VNodes.
// No DOM: unit-tested in Node.
import { formatDuration } from './format';
import { IPlanGraph, IPlanNode, IPlanValue, topOperators } from './plan-layout';
import { uiLinkV } from './job-rows';
import { UITarget } from './spark-ui';
import { v, IVNode } from './vnode';

/** Counts as Spark writes them ("1,000"); one formatter, as making one per call is slow. */
const COUNT = new Intl.NumberFormat('en-US');

/** A size as Spark's Utils.bytesToString writes it: a unit from twice its size on ("1031.8 KiB", "2.0 MiB"). */
export function sparkBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (i < units.length - 1 && n >= 2 * 1024 ** (i + 1)) {
    i++;
  }
  return `${(n / 1024 ** i).toFixed(1)} ${units[i]}`;
}

/** A figure of a metric in its unit: "1,000", "9.0 KiB", "1.8 s". */
export function formatFigure(kind: IPlanValue['kind'], n: number): string {
  switch (kind) {
    case 'count':
      return COUNT.format(Math.round(n));
    case 'bytes':
      return sparkBytes(n);
    case 'ms':
      return formatDuration(n);
  }
}

/** The share of the query's time as shown: "37%", "<1%" for a small non-zero share, "" for none. */
export function formatShare(share: number): string {
  if (!(share > 0)) {
    return '';
  }
  return share < 0.01 ? '<1%' : `${Math.round(share * 100)}%`;
}

/** The second line of an operator's box: its output rows and its time, when Spark measured them. */
export function nodeDetail(node: IPlanNode): string {
  const parts: string[] = [];
  if (node.rows !== null) {
    parts.push(`${formatFigure('count', node.rows)} rows`);
  }
  if (node.timeMs > 0) {
    parts.push(`${formatDuration(node.timeMs)} (${formatShare(node.share)})`);
  }
  return parts.join(' · ');
}

/** Cuts a text to `max` characters, with "…". */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The "Top 3 operators" line: a button per operator (`button.sm-plan-top[data-node-id]`), most time first. */
export function topLine(graph: IPlanGraph, selected: number | null): IVNode {
  const line = v('div', 'sm-plan-top-line');
  const top = topOperators(graph);
  line.children.push(
    v('span', 'sm-plan-top-title', `Top ${top.length || 3} operators:`)
  );
  if (!top.length) {
    line.children.push(v('span', 'sm-plan-top-none', 'no time measured yet'));
  }
  top.forEach((n, i) => {
    line.children.push(
      v(
        'button',
        'sm-plan-top',
        `${i + 1}. ${n.name} #${n.id} ${formatDuration(n.timeMs)} (${formatShare(n.share)})`,
        {
          type: 'button',
          'data-node-id': String(n.id),
          'aria-pressed': String(selected === n.id),
          title: `Select ${n.name} (${n.id}) in the plan`
        }
      )
    );
  });
  return line;
}

/** One row of the panel's metric table: name, value (Spark's total), and min / med / max when Spark sent them. */
export interface IMetricRow {
  name: string;
  value: string;
  min: string;
  med: string;
  max: string;
}

/** The metric rows of an operator, in Spark's order. */
export function metricRows(node: IPlanNode): IMetricRow[] {
  return node.metrics.map(m => {
    const val = m.value;
    if (!val) {
      return { name: m.name, value: m.text, min: '', med: '', max: '' };
    }
    const f = (n: number) => formatFigure(val.kind, n);
    return {
      name: m.name,
      value: val.hasTotal ? f(val.total) : '',
      min: val.dist ? f(val.min) : '',
      med: val.dist ? f(val.med) : '',
      max: val.dist ? f(val.max) : ''
    };
  });
}

/** The side panel of one operator: header, stage links into the Spark UI, and its metrics. */
export function sidePanel(
  node: IPlanNode,
  stageUrl: (stageId: number) => string | null
): IVNode {
  const panel = v('div', 'sm-plan-panel', undefined, {
    'data-node-id': String(node.id),
    role: 'region',
    'aria-label': `${node.name} (${node.id})`
  });
  const header = v('div', 'sm-plan-panel-header');
  header.children.push(
    v('span', 'sm-plan-panel-name', `${node.name} #${node.id}`),
    v('button', 'sm-plan-panel-close', '×', {
      type: 'button',
      title: 'Close the operator panel',
      'aria-label': 'Close the operator panel'
    })
  );
  panel.children.push(header);
  const detail = nodeDetail(node);
  if (detail) {
    panel.children.push(v('div', 'sm-plan-panel-detail', detail));
  }
  if (node.stages.length) {
    const stages = v('div', 'sm-plan-panel-stages', 'Stages: ');
    for (const stageId of node.stages) {
      const target: UITarget = { kind: 'stage', stageId, attemptId: 0 };
      stages.children.push(uiLinkV(stageUrl(stageId), target, String(stageId)));
    }
    panel.children.push(stages);
  }
  const table = v('table', 'sm-plan-metrics');
  const head = v('tr', '');
  for (const h of ['Metric', 'Total', 'Min', 'Median', 'Max']) {
    head.children.push(v('th', '', h));
  }
  table.children.push(head);
  for (const r of metricRows(node)) {
    const tr = v('tr', 'sm-plan-metric');
    tr.children.push(
      v('td', 'sm-plan-metric-name', r.name, { title: r.name }),
      v('td', 'sm-plan-metric-value', r.value),
      v('td', 'sm-plan-metric-min', r.min),
      v('td', 'sm-plan-metric-med', r.med),
      v('td', 'sm-plan-metric-max', r.max)
    );
    table.children.push(tr);
  }
  if (!node.metrics.length) {
    panel.children.push(
      v('div', 'sm-plan-panel-empty', 'Spark reports no metrics for it yet.')
    );
  } else {
    panel.children.push(table);
  }
  return panel;
}
