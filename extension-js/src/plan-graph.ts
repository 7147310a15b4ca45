// The plan view of one SQL query under the cell: "Top 3 operators", the plan as an SVG graph (operators coloured by
// their share of the query's time, codegen clusters as boxes) and the side panel of the operator the user selects.
//
// Updates while the query runs patch the texts and colours in place; the layout (dagre) runs again only when the set
// of operators changes (AQE re-plans), so boxes do not jump. DOM bound: per operator one <g> with a <rect>, two
// <text> and a <title>; per cluster the same; per edge one <path>; at most MAX_PLAN_NODES operators (spark/plan's
// bound), a larger plan is not drawn and says so.
import { formatDuration } from './format';
import {
  clusterNodes,
  heatLevel,
  IBox,
  IPlanGraph,
  IPlanLayout,
  IPlanNode,
  layoutKey,
  MAX_PLAN_NODES
} from './plan-layout';
import { layoutOffThread } from './plan-layouter';
import { cut, formatShare, nodeDetail, sidePanel, topLine } from './plan-panel';
import { create, patch, IVNode } from './vnode';

const SVG = 'http://www.w3.org/2000/svg';
/** Characters of an operator's name and detail that fit its box. */
const NAME_CHARS = 26;
const DETAIL_CHARS = 30;
/** Operators, clusters or edges drawn per frame: a frame's work stays small whatever the plan's size. */
export const DRAW_CHUNK = 100;
/** Numbers the views' arrow markers: an id is unique in the page. */
let views = 0;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, val] of Object.entries(attrs)) {
    e.setAttribute(k, String(val));
  }
  return e;
}

/** The elements of one drawn plan node whose content changes while the query runs. */
interface IDrawn {
  g: SVGGElement;
  detail: SVGTextElement;
  title: SVGTitleElement;
  cluster: boolean;
}

/** How the view lays a plan out: in a Web Worker by default (plan-layouter.ts). */
export type Layouter = (graph: IPlanGraph) => Promise<IPlanLayout>;

export class PlanGraphView {
  /** `stageUrl` links a stage to the Spark UI (null: no link). */
  constructor(
    private readonly stageUrl: (stageId: number) => string | null,
    private readonly layouter: Layouter = layoutOffThread
  ) {
    this._arrow = `sm-plan-arrow-${++views}`;
    this.node.className = 'sm-plan-graph';
    this._scroll.className = 'sm-plan-scroll';
    this._svg.setAttribute('class', 'sm-plan-svg');
    this._svg.setAttribute('role', 'img');
    this._scroll.appendChild(this._svg);
    this._message.className = 'sm-plan-message';
    this._message.hidden = true;
    this._panelSlot.className = 'sm-plan-panel-slot';
    const main = document.createElement('div');
    main.className = 'sm-plan-main';
    main.append(this._scroll, this._panelSlot);
    this.node.append(this._topSlot, this._message, main);
    this.node.addEventListener('click', this._onClick);
  }

  readonly node = document.createElement('div');

  /** The operator whose panel is open, or null. */
  get selected(): number | null {
    return this._selected;
  }

  /** Shows a plan: lays it out again only when its operators changed. Resolves once it is drawn. */
  async show(graph: IPlanGraph): Promise<void> {
    this._graph = graph;
    if (graph.nodes.length > MAX_PLAN_NODES) {
      this._drawn.clear();
      this._svg.replaceChildren();
      this._key = '';
      this._pendingKey = '';
      this.showMessage(
        `This plan has ${graph.nodes.length} operators; at most ${MAX_PLAN_NODES} are drawn.`
      );
      this._renderText();
      return;
    }
    const key = layoutKey(graph);
    if (key === this._pendingKey) {
      return; // these operators are being laid out or drawn: that ends with the latest plan
    }
    if (key !== this._key) {
      this._pendingKey = key;
      const layout = await this.layouter(graph);
      if (
        this._pendingKey !== key ||
        !(await this._draw(this._graph ?? graph, layout, key))
      ) {
        return; // superseded by a plan with other operators
      }
      this._pendingKey = '';
      graph = this._graph ?? graph;
    }
    this._update(graph);
    this._renderText();
  }

  /** A line instead of the graph ("No plan yet…"), or null to hide it. */
  showMessage(text: string | null): void {
    this._message.hidden = text === null;
    this._message.textContent = text ?? '';
  }

  /** Selects an operator (its panel opens) or none. */
  select(id: number | null): void {
    this._selected = id;
    for (const [nid, d] of this._drawn) {
      d.g.classList.toggle('sm-plan-selected', nid === id);
    }
    this._renderText();
  }

  dispose(): void {
    this.node.removeEventListener('click', this._onClick);
  }

  /** Builds the SVG of a new layout. */
  /**
   * Builds the SVG of a new layout, DRAW_CHUNK operators (or clusters, or edges) a frame, so that no main-thread task
   * grows with the plan (the positions are final: nothing moves while it fills in). False when a newer layout took
   * over meanwhile.
   */
  private async _draw(
    graph: IPlanGraph,
    layout: IPlanLayout,
    key: string
  ): Promise<boolean> {
    this._drawn.clear();
    const byId = new Map(graph.nodes.map(n => [n.id, n]));
    const clusters = svg('g', { class: 'sm-plan-clusters' });
    const edges = svg('g', { class: 'sm-plan-edges' });
    const nodes = svg('g', { class: 'sm-plan-nodes' });
    this._svg.setAttribute('width', String(layout.width));
    this._svg.setAttribute('height', String(layout.height));
    this._svg.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);
    this._svg.replaceChildren(this._defs(), clusters, edges, nodes);
    const steps: (() => void)[] = [
      ...layout.clusters.map(c => () => {
        const name = cut(byId.get(c.id)?.name ?? '', NAME_CHARS);
        clusters.appendChild(this._box(c.id, c, name, true));
      }),
      ...layout.edges.map(e => () => {
        const d = e.points
          .map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
          .join('');
        edges.appendChild(
          svg('path', { d, 'marker-end': `url(#${this._arrow})` })
        );
      }),
      ...[...layout.nodes].map(([id, b]) => () => {
        const name = cut(byId.get(id)?.name ?? '', NAME_CHARS);
        nodes.appendChild(this._box(id, b, name, false));
      })
    ];
    for (let i = 0; i < steps.length; i += DRAW_CHUNK) {
      if (i > 0) {
        await nextFrame();
        if (this._pendingKey !== key) {
          return false;
        }
      }
      steps.slice(i, i + DRAW_CHUNK).forEach(step => step());
    }
    this._key = key;
    this._svg.setAttribute('data-nodes', String(this._drawn.size));
    this._svg.setAttribute('data-layout', layout.worker ? 'worker' : 'main');
    if (this._selected !== null && !this._drawn.has(this._selected)) {
      this._selected = null;
    }
    return true;
  }

  /** The <g> of an operator or a cluster, registered in _drawn. */
  private _box(
    id: number,
    b: IBox,
    name: string,
    cluster: boolean
  ): SVGGElement {
    const g = svg('g', {
      class: cluster ? 'sm-plan-cluster' : 'sm-plan-node',
      'data-node-id': id,
      transform: `translate(${b.x},${b.y})`,
      ...(cluster ? {} : { tabindex: 0 })
    });
    const title = svg('title', {});
    const label = svg('text', {
      x: 6,
      y: cluster ? 12 : 15,
      class: cluster ? 'sm-plan-cluster-name' : 'sm-plan-node-name'
    });
    label.textContent = name;
    const detail = cluster
      ? svg('text', {
          x: b.width - 6,
          y: 12,
          class: 'sm-plan-cluster-time',
          'text-anchor': 'end'
        })
      : svg('text', { x: 6, y: 31, class: 'sm-plan-node-detail' });
    g.append(
      title,
      svg('rect', { width: b.width, height: b.height, rx: cluster ? 4 : 3 }),
      label,
      detail
    );
    this._drawn.set(id, { g, detail, title, cluster });
    return g;
  }

  /** The arrow head of the edges. */
  private _defs(): SVGDefsElement {
    const defs = svg('defs', {});
    const marker = svg('marker', {
      id: this._arrow,
      viewBox: '0 0 8 8',
      refX: 8,
      refY: 4,
      markerWidth: 6,
      markerHeight: 6,
      orient: 'auto'
    });
    marker.appendChild(svg('path', { d: 'M0,0L8,4L0,8z' }));
    defs.appendChild(marker);
    return defs;
  }

  /** Writes a plan's values into the drawn nodes (same operators as the layout). */
  private _update(graph: IPlanGraph): void {
    const clusterIds = new Set(clusterNodes(graph).values());
    this._svg.setAttribute(
      'aria-label',
      `Plan of SQL query ${graph.id}: ${graph.nodes.length} operators`
    );
    for (const n of graph.nodes) {
      const d = this._drawn.get(n.id);
      if (!d) {
        continue;
      }
      const detail = nodeDetail(n);
      const text = d.cluster ? clusterDetail(n) : cut(detail, DETAIL_CHARS);
      if (d.detail.textContent !== text) {
        d.detail.textContent = text;
      }
      const title = `${n.name} #${n.id}${detail ? `\n${detail}` : ''}`;
      if (d.title.textContent !== title) {
        d.title.textContent = title;
      }
      const cls =
        `${d.cluster ? 'sm-plan-cluster' : 'sm-plan-node'} sm-plan-heat-${heatLevel(n.share)}` +
        (n.id === this._selected ? ' sm-plan-selected' : '');
      if (d.g.getAttribute('class') !== cls) {
        d.g.setAttribute('class', cls);
      }
      if (!d.cluster || clusterIds.has(n.id)) {
        const rows = n.rows === null ? '' : String(n.rows);
        if (d.g.getAttribute('data-rows') !== rows) {
          d.g.setAttribute('data-rows', rows);
        }
      }
    }
  }

  /** The Top 3 line and the side panel, patched in place (the panel keeps its scroll position). */
  private _renderText(): void {
    const graph = this._graph;
    if (!graph) {
      return;
    }
    this._patchSlot(this._topSlot, topLine(graph, this._selected));
    const node: IPlanNode | undefined =
      this._selected === null
        ? undefined
        : graph.nodes.find(n => n.id === this._selected);
    this._panelSlot.hidden = !node;
    this._patchSlot(
      this._panelSlot,
      node ? sidePanel(node, this.stageUrl) : null
    );
  }

  private _patchSlot(slot: HTMLElement, vnode: IVNode | null): void {
    const current = slot.firstElementChild;
    if (!vnode) {
      slot.replaceChildren();
    } else if (!current || !patch(current, vnode)) {
      slot.replaceChildren(create(vnode));
    }
  }

  private _onClick = (ev: MouseEvent): void => {
    const target = ev.target as Element;
    if (target.closest('.sm-plan-panel-close')) {
      this.select(null);
      return;
    }
    if (target.closest('a')) {
      return; // a stage link opens the Spark UI
    }
    const hit = target.closest('[data-node-id]');
    if (hit && !hit.classList.contains('sm-plan-panel')) {
      const id = Number(hit.getAttribute('data-node-id'));
      this.select(
        this._selected === id && !hit.classList.contains('sm-plan-top')
          ? null
          : id
      );
    }
  };

  private readonly _topSlot = document.createElement('div');
  private readonly _message = document.createElement('div');
  private readonly _scroll = document.createElement('div');
  private readonly _svg = document.createElementNS(SVG, 'svg');
  private readonly _panelSlot = document.createElement('div');
  private readonly _drawn = new Map<number, IDrawn>();
  private readonly _arrow: string;
  private _graph: IPlanGraph | null = null;
  private _key = '';
  private _pendingKey = '';
  private _selected: number | null = null;
}

/** Resolves at the next animation frame. */
function nextFrame(): Promise<void> {
  return new Promise(resolve => requestAnimationFrame(() => resolve()));
}

/** What a cluster's box shows at its top right: its own time and share. */
function clusterDetail(n: IPlanNode): string {
  return n.timeMs > 0
    ? `${formatDuration(n.timeMs)} (${formatShare(n.share)})`
    : '';
}
