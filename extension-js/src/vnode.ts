// Rows of the jobs table as plain data (a VNode tree) rather than DOM: a render builds VNodes, which cost the page's
// garbage collector far less than throwaway DOM elements, and only a row that changed touches the document, patched
// in place (issue 5, P4: every update of a running job used to build its rows' DOM again just to compare it).

/**
 * An element: its tag, its attributes (as set with setAttribute: "class", "data-job-id", "style"…), an optional text
 * (the element's first child) and its child elements after it.
 */
export interface IVNode {
  tag: string;
  attrs: Record<string, string>;
  text?: string;
  children: IVNode[];
}

/** A VNode with class `cls` and, when given and not empty, text `text`. */
export function v(
  tag: string,
  cls: string,
  text?: string,
  attrs: Record<string, string> = {}
): IVNode {
  const node: IVNode = {
    tag,
    attrs: cls ? { class: cls, ...attrs } : { ...attrs },
    children: []
  };
  if (text) {
    node.text = text;
  }
  return node;
}

/** A key of a VNode's whole tree: equal keys, equal DOM. */
export function signature(node: IVNode): string {
  return JSON.stringify(node);
}

/** Builds the DOM of a VNode. */
export function create(node: IVNode): HTMLElement {
  const e = document.createElement(node.tag);
  for (const [name, value] of Object.entries(node.attrs)) {
    e.setAttribute(name, value);
  }
  if (node.text) {
    e.appendChild(document.createTextNode(node.text));
  }
  for (const child of node.children) {
    e.appendChild(create(child));
  }
  return e;
}

/**
 * Rewrites `dom` (built from an earlier VNode of the same row) in place into `node`: the attributes and texts that
 * differ are set, a child element of another tag is replaced. Returns false, leaving `dom` to be replaced whole, when
 * the tags or the numbers of child nodes differ. Rows carry all of their state in attributes (handlers are delegated
 * to the table body), so the patched element is what create(node) would have built.
 */
export function patch(dom: Element, node: IVNode): boolean {
  const offset = node.text ? 1 : 0;
  if (
    dom.localName !== node.tag ||
    dom.childNodes.length !== offset + node.children.length
  ) {
    return false;
  }
  for (const name of dom.getAttributeNames()) {
    if (!(name in node.attrs)) {
      dom.removeAttribute(name);
    }
  }
  for (const [name, value] of Object.entries(node.attrs)) {
    if (dom.getAttribute(name) !== value) {
      dom.setAttribute(name, value);
    }
  }
  if (node.text) {
    const first = dom.firstChild!;
    if (first.nodeType !== Node.TEXT_NODE) {
      return false;
    }
    if (first.nodeValue !== node.text) {
      first.nodeValue = node.text;
    }
  }
  node.children.forEach((child, i) => {
    const current = dom.childNodes[offset + i];
    if (!(current instanceof Element) || !patch(current, child)) {
      dom.replaceChild(create(child), current);
    }
  });
  return true;
}
