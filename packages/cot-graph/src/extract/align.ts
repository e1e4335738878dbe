import { ReasoningGraph, type ReasoningNode, type TextSpan } from '../graph/graph.js';

/** A normalised copy of a text (lower-case, single spaces, plain quotes) with a map back to original offsets. */
interface Normalised {
  text: string;
  /** offsets[i] = offset in the original of normalised character i. */
  offsets: Int32Array;
}

function normalise(s: string): Normalised {
  const out: string[] = [];
  const offsets = new Int32Array(s.length + 1);
  let n = 0;
  let space = true;
  for (let i = 0; i < s.length; i++) {
    let c = s[i];
    if (/\s/.test(c)) {
      if (space) continue;
      c = ' ';
      space = true;
    } else {
      space = false;
      if (c === '\u2018' || c === '\u2019') c = "'";
      else if (c === '\u201c' || c === '\u201d') c = '"';
      else c = c.toLowerCase();
    }
    out.push(c);
    offsets[n++] = i;
  }
  offsets[n] = s.length;
  return { text: out.join(''), offsets: offsets.subarray(0, n + 1) };
}

function cleanNeedle(q: string): string {
  return normalise(q)
    .text.replace(/^["'`\s.…]+|["'`\s.…]+$/g, '')
    .replace(/\s*(\.\.\.|…)\s*/g, ' ')
    .trim();
}

/** Find `needle` (or its longest word prefix of at least `minWords` words) in `hay` from `from`. */
function findPrefix(hay: string, needle: string, from: number, minWords: number): number {
  const words = needle.split(' ');
  for (let k = words.length; k >= Math.min(minWords, words.length); k--) {
    const probe = words.slice(0, k).join(' ');
    if (probe.length < 8 && k < words.length) break;
    const at = hay.indexOf(probe, from);
    if (at >= 0) return at;
  }
  return -1;
}

/** Result of {@link alignNodesToTrace}. */
export interface Alignment {
  /** A copy of the input graph whose located nodes carry spans in the trace (the input is left unchanged). */
  graph: ReasoningGraph;
  /** Nodes that could not be located, and nodes found out of order. */
  warnings: string[];
  /** Step and answer nodes that got a span. */
  located: number;
}

/**
 * Give step (and answer) nodes spans in the trace by finding their verbatim `quote` (or, failing that, their
 * label) in trace order: each search starts after the previous match, then falls back to the whole trace; a quote
 * may be shortened to its first 4+ words. A located node spans from its match to the next located node's start
 * (the last one to the end of the trace). The problem keeps span null. Nodes not found keep span null.
 *
 * @example
 * ```ts
 * const { graph } = alignNodesToTrace(graphFromDot(dot).graph, trace, quotes);
 * graph.node('s1').span; // { start: 0, end: 57 }
 * ```
 */
export function alignNodesToTrace(
  graph: ReasoningGraph,
  trace: string,
  quotes: ReadonlyMap<string, string | undefined> = new Map(),
): Alignment {
  const hay = normalise(trace);
  const warnings: string[] = [];
  const starts = new Map<string, number>();
  let cursor = 0;
  const missing: string[] = [];
  for (const n of graph.nodes) {
    if (n.kind === 'problem') continue;
    const candidates = [quotes.get(n.id), n.text].filter(
      (q): q is string => typeof q === 'string' && q.trim() !== '',
    );
    let at = -1;
    for (const c of candidates) {
      const needle = cleanNeedle(c);
      if (needle.length < 4) continue;
      at = findPrefix(hay.text, needle, cursor, 4);
      if (at < 0) {
        at = findPrefix(hay.text, needle, 0, 4);
        if (at >= 0)
          warnings.push(`node '${n.id}' was found before the previous node in the trace (out of order)`);
      }
      if (at >= 0) break;
    }
    if (at < 0) {
      if (n.kind === 'step') missing.push(n.id);
      continue;
    }
    starts.set(n.id, hay.offsets[at]);
    cursor = at + 1;
  }
  if (missing.length > 0) {
    warnings.push(
      `${missing.length} step(s) could not be located in the trace and have no span: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', ...' : ''}`,
    );
  }
  const order = [...starts.entries()].sort((a, b) => a[1] - b[1]);
  const spans = new Map<string, TextSpan>();
  order.forEach(([id, start], i) => {
    let end = i + 1 < order.length ? order[i + 1][1] : trace.length;
    while (end > start && /\s/.test(trace[end - 1])) end--;
    spans.set(id, { start, end });
  });
  const nodes: ReasoningNode[] = graph.nodes.map((n) => ({
    ...n,
    span: spans.get(n.id) ?? (n.kind === 'problem' ? null : n.span),
  }));
  return { graph: new ReasoningGraph(nodes, graph.edges), warnings, located: spans.size };
}
