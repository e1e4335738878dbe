import type { ReasoningGraph } from '../graph/graph.js';

/** Options of {@link graphToDot}. */
export interface DotWriteOptions {
  /** Graph name after `digraph`. Default `'CoT'`. */
  name?: string;
  /** Cut labels longer than this many characters (with an ellipsis). Default: no limit. */
  maxLabelChars?: number;
  /** Write `kind=` and `span=` attributes so that {@link graphFromDot} restores them. Default true. */
  metadata?: boolean;
}

/**
 * Quote a DOT ID or string: backslashes doubled, quotes escaped, newlines as `\n`.
 *
 * @example
 * ```ts
 * quoteDot('say "hi"'); // '"say \\"hi\\""'
 * ```
 */
export function quoteDot(value: string): string {
  return `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')}"`;
}

/**
 * Write a graph as DOT under the extraction contract (`rankdir=TB`, `fillcolor=lightblue` for successful nodes,
 * `lightpink` for failed ones). With `metadata` (default) the output round-trips through {@link graphFromDot}.
 *
 * @example
 * ```ts
 * const dot = graphToDot(graph);
 * graphFromDot(dot).graph.toJSON(); // equal to graph.toJSON()
 * ```
 */
export function graphToDot(graph: ReasoningGraph, options: DotWriteOptions = {}): string {
  const { name = 'CoT', maxLabelChars = Number.POSITIVE_INFINITY, metadata = true } = options;
  const lines: string[] = [
    `digraph ${quoteDot(name)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const n of graph.nodes) {
    const label =
      n.text.length > maxLabelChars ? `${n.text.slice(0, Math.max(0, maxLabelChars - 1))}\u2026` : n.text;
    const attrs = [
      `label=${quoteDot(label)}`,
      `fillcolor=${n.status === 'failed' ? 'lightpink' : 'lightblue'}`,
    ];
    if (metadata) {
      attrs.push(`kind=${n.kind}`);
      if (n.span) attrs.push(`span="${n.span.start}:${n.span.end}"`);
    }
    lines.push(`  ${quoteDot(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of graph.edges) lines.push(`  ${quoteDot(e.from)} -> ${quoteDot(e.to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
