import dagre from '@dagrejs/dagre';
import { CotInputError } from '../errors.js';
import type { ReasoningGraph } from '../graph/graph.js';

/** Options of {@link layoutGraph} and {@link renderSvg}. */
export interface SvgOptions {
  /** Node labels are cut to this many characters (full text stays in the tooltip). Default 90. */
  maxLabelChars?: number;
  /** Characters per label line. Default 28. */
  wrapChars?: number;
  /** Font size in px. Default 12. */
  fontSize?: number;
  /** Layout direction. Default 'TB' (the paper's rankdir). */
  rankdir?: 'TB' | 'LR';
  /** Horizontal gap between nodes. Default 24. */
  nodeSep?: number;
  /** Vertical gap between ranks. Default 36. */
  rankSep?: number;
  /** Title drawn above the graph and used as the SVG <title>. */
  title?: string;
  /** Draw the colour legend. Default true. */
  legend?: boolean;
}

/** A positioned node (centre coordinates). */
export interface LaidOutNode {
  /** The node's id in the graph. */
  id: string;
  /** Horizontal centre, in px from the left edge of the layout. */
  x: number;
  /** Vertical centre, in px from the top edge of the layout (y grows downwards). */
  y: number;
  /** Box width in px, sized to the longest label line (at least 48). */
  width: number;
  /** Box height in px, sized to the number of label lines. */
  height: number;
  /** The wrapped, possibly cut label, one entry per line. */
  lines: string[];
}

/** A routed edge (polyline points from source to target). */
export interface LaidOutEdge {
  /** Id of the source node. */
  from: string;
  /** Id of the target node. */
  to: string;
  /** The route's points in px, source end first (from dagre). */
  points: {
    /** Horizontal position in px from the left edge. */
    x: number;
    /** Vertical position in px from the top edge. */
    y: number;
  }[];
}

/** Result of {@link layoutGraph}. */
export interface Layout {
  /** One positioned node per graph node, in graph order. */
  nodes: LaidOutNode[];
  /** One routed edge per graph edge, in graph order. */
  edges: LaidOutEdge[];
  /** Width of the whole layout in px, 12 px margins included. */
  width: number;
  /** Height of the whole layout in px, 12 px margins included. */
  height: number;
}

/**
 * Word-wrap `text` to lines of at most `width` characters, at most `maxChars` in all (with an ellipsis).
 *
 * @example
 * ```ts
 * wrapLabel('aa bb cc dd', 5, 100); // ['aa bb', 'cc dd']
 * ```
 */
export function wrapLabel(text: string, width: number, maxChars: number): string[] {
  let t = text.replace(/\s+/g, ' ').trim();
  if (t.length > maxChars) t = `${t.slice(0, Math.max(1, maxChars - 1)).trimEnd()}\u2026`;
  const lines: string[] = [];
  let line = '';
  for (const word of t.split(' ')) {
    let w = word;
    while (w.length > width) {
      // A very long token (a formula) is hard-broken.
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/**
 * Layered (Sugiyama-style) layout of a reasoning graph with `@dagrejs/dagre`: ranks top to bottom, crossing
 * reduction, node sizes from the wrapped labels.
 *
 * @example
 * ```ts
 * const { nodes, width, height } = layoutGraph(graph);
 * ```
 */
export function layoutGraph(graph: ReasoningGraph, options: SvgOptions = {}): Layout {
  const {
    maxLabelChars = 90,
    wrapChars = 28,
    fontSize = 12,
    rankdir = 'TB',
    nodeSep = 24,
    rankSep = 36,
  } = options;
  for (const [k, v] of Object.entries({ maxLabelChars, wrapChars, fontSize, nodeSep, rankSep })) {
    if (!(Number.isFinite(v) && v > 0)) throw new CotInputError(`${k} must be a positive number, got ${v}.`);
  }
  const charW = fontSize * 0.6;
  const lineH = fontSize * 1.3;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir, nodesep: nodeSep, ranksep: rankSep, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const lines = new Map<string, string[]>();
  for (const n of graph.nodes) {
    const text =
      n.kind === 'problem' && n.text === ''
        ? 'Problem'
        : n.kind === 'answer' && n.text === ''
          ? 'Answer'
          : n.text;
    const l = wrapLabel(text, wrapChars, maxLabelChars);
    lines.set(n.id, l);
    const width = Math.max(...l.map((s) => s.length)) * charW + 20;
    g.setNode(n.id, { width: Math.max(width, 48), height: l.length * lineH + 14 });
  }
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const gl = g.graph();
  return {
    nodes: graph.nodes.map((n) => {
      const p = g.node(n.id);
      return { id: n.id, x: p.x!, y: p.y!, width: p.width, height: p.height, lines: lines.get(n.id)! };
    }),
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      points: (g.edge(e.from, e.to).points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })),
    })),
    width: gl.width ?? 0,
    height: gl.height ?? 0,
  };
}

/**
 * Escape text for XML content and attribute values.
 *
 * @example
 * ```ts
 * escapeXml('a < b'); // 'a &lt; b'
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const COLORS = { successful: '#add8e6', failed: '#ffb6c1', stroke: '#37474f', edge: '#607d8b' };
const f = (x: number) => Number(x.toFixed(1));

/**
 * Render a reasoning graph to a standalone SVG string (no Graphviz needed): `lightblue` successful steps,
 * `lightpink` failed ones, pill-shaped problem and answer nodes, the full step text as a hover tooltip.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('graph.svg', renderSvg(graph, { title: 'Trace 17' }));
 * ```
 */
export function renderSvg(graph: ReasoningGraph, options: SvgOptions = {}): string {
  const { fontSize = 12, legend = true, title } = options;
  const layout = layoutGraph(graph, options);
  const top = title ? fontSize * 2 : 0;
  const bottom = legend ? fontSize * 2.2 : 0;
  const width = Math.max(layout.width, legend ? 240 : 0, title ? title.length * fontSize * 0.65 + 24 : 0);
  const height = layout.height + top + bottom;
  const lineH = fontSize * 1.3;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f(width)}" height="${f(height)}" viewBox="0 0 ${f(width)} ${f(height)}" font-family="Helvetica, Arial, sans-serif" font-size="${fontSize}">`,
    `<title>${escapeXml(title ?? 'Reasoning graph')}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">',
    `<path d="M 0 0 L 10 5 L 0 10 z" fill="${COLORS.edge}"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (title) out.push(`<text x="12" y="${f(fontSize * 1.4)}" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<g transform="translate(0 ${f(top)})">`);
  out.push('<g class="edges">');
  for (const e of layout.edges) {
    if (e.points.length === 0) continue;
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${f(p.x)} ${f(p.y)}`).join(' ');
    out.push(
      `<path class="edge" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}" d="${d}" fill="none" stroke="${COLORS.edge}" stroke-width="1.2" marker-end="url(#arrow)"/>`,
    );
  }
  out.push('</g><g class="nodes">');
  for (const n of layout.nodes) {
    const node = graph.node(n.id);
    const fill = node.status === 'failed' ? COLORS.failed : COLORS.successful;
    const rx = node.kind === 'step' ? 6 : n.height / 2;
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const sw = node.kind === 'step' ? 1 : 2;
    out.push(
      `<g class="node ${node.kind} ${node.status}" data-id="${escapeXml(n.id)}"><title>${escapeXml(`${n.id} (${node.status}): ${node.text}`)}</title>`,
    );
    out.push(
      `<rect x="${f(x)}" y="${f(y)}" width="${f(n.width)}" height="${f(n.height)}" rx="${f(rx)}" fill="${fill}" stroke="${COLORS.stroke}" stroke-width="${sw}"/>`,
    );
    const y0 = n.y - ((n.lines.length - 1) * lineH) / 2;
    n.lines.forEach((line, i) => {
      out.push(
        `<text x="${f(n.x)}" y="${f(y0 + i * lineH)}" text-anchor="middle" dominant-baseline="central">${escapeXml(line)}</text>`,
      );
    });
    out.push('</g>');
  }
  out.push('</g></g>');
  if (legend) {
    const ly = height - fontSize * 1.4;
    out.push(
      `<g class="legend"><rect x="12" y="${f(ly - 6)}" width="12" height="12" fill="${COLORS.successful}" stroke="${COLORS.stroke}"/><text x="30" y="${f(ly)}" dominant-baseline="central">successful</text>`,
      `<rect x="110" y="${f(ly - 6)}" width="12" height="12" fill="${COLORS.failed}" stroke="${COLORS.stroke}"/><text x="128" y="${f(ly)}" dominant-baseline="central">failed</text></g>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
