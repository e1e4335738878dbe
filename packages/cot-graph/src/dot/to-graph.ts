import {
  type NodeKind,
  type NodeStatus,
  type ReasoningEdge,
  ReasoningGraph,
  type ReasoningNode,
  type TextSpan,
} from '../graph/graph.js';
import { statusFromColor } from './colors.js';
import { type DotAttributes, type DotDocument, parseDot } from './parser.js';

/** A reasoning graph read from DOT, with what had to be guessed or dropped. */
export interface DotGraphResult {
  /** The reasoning graph, not yet validated (call `graph.validate()`). */
  graph: ReasoningGraph;
  /** Human-readable notes: guessed kinds, uncoloured nodes, dropped self-loops and duplicate edges, parser warnings. */
  warnings: string[];
  /** Each node's effective DOT attributes (e.g. the `quote` the LLM extractor aligns with the trace). */
  attributes: ReadonlyMap<string, DotAttributes>;
  /** The parsed DOT. */
  document: DotDocument;
}

const PROBLEM_WORDS = /\b(problem|question|task|start|root|given)\b/i;
const ANSWER_WORDS = /\b(answer|final|conclusion|result|solution)\b/i;

/**
 * Turn a DOT label into plain text: label escapes (`\n`, `\l`, `\r`, `\\`, `\N`) or HTML markup.
 *
 * @example
 * ```ts
 * labelText('a\\nb', 'n1', false); // 'a\nb'
 * ```
 */
export function labelText(label: string, id: string, html: boolean): string {
  if (html) {
    return label
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<[^>]*>/g, '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&amp;/g, '&')
      .trim();
  }
  return label.replace(/\\(.)/gs, (_m, c: string) =>
    c === 'n' || c === 'l' || c === 'r' ? '\n' : c === 'N' ? id : c,
  );
}

/**
 * IDs are kept as written by DOT (only `\"` is resolved); `\\` and `\n` are resolved here too so that IDs
 * written by {@link graphToDot} (which must escape backslashes and newlines) read back unchanged.
 */
function unescapeId(id: string): string {
  return id.includes('\\') ? id.replace(/\\([\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : '\\')) : id;
}

function parseSpan(v: string | undefined): TextSpan | null {
  if (v === undefined) return null;
  const m = /^\s*(\d+)\s*[:,-]\s*(\d+)\s*$/.exec(v);
  return m ? { start: Number(m[1]), end: Number(m[2]) } : null;
}

function lower(attrs: DotAttributes): DotAttributes {
  const out: DotAttributes = {};
  for (const [k, v] of Object.entries(attrs)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Build a {@link ReasoningGraph} from DOT written under the extraction contract: `fillcolor=lightpink` (any
 * red / pink) = failed, `lightblue` (any other colour, or none) = successful. Kinds come from a `kind=` attribute
 * when present; otherwise the only parentless node is the problem, and the answer is the last dead end whose id or
 * label says answer / final / conclusion (or the only successful dead end). Self-loops and duplicate edges are
 * dropped with a warning. The result is not validated: call `graph.validate()`.
 *
 * @throws {DotSyntaxError} when the text does not parse.
 *
 * @example
 * ```ts
 * const { graph } = graphFromDot(
 *   'digraph { problem -> s1 -> answer; problem -> s2; s2 [fillcolor=lightpink] }',
 * );
 * graph.node('s2').status;   // 'failed'
 * graph.answer?.id;          // 'answer'
 * ```
 */
export function graphFromDot(input: string | DotDocument): DotGraphResult {
  const doc = typeof input === 'string' ? parseDot(input) : input;
  const warnings = doc.warnings.map((w) => `line ${w.line}: ${w.message}`);
  const attrsById = new Map<string, DotAttributes>();
  for (const n of doc.nodes) attrsById.set(n.id, lower(n.attributes));

  const edges: ReasoningEdge[] = [];
  const seen = new Set<string>();
  for (const e of doc.edges) {
    if (e.from === e.to) {
      warnings.push(`line ${e.line}: dropped the self-loop on '${e.from}'`);
      continue;
    }
    const key = `${e.from}\u0000${e.to}`;
    if (seen.has(key)) {
      warnings.push(`line ${e.line}: dropped the duplicate edge '${e.from}' -> '${e.to}'`);
      continue;
    }
    seen.add(key);
    edges.push({ from: unescapeId(e.from), to: unescapeId(e.to) });
  }
  const indeg = new Map<string, number>();
  const outdeg = new Map<string, number>();
  for (const e of edges) {
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
    outdeg.set(e.from, (outdeg.get(e.from) ?? 0) + 1);
  }

  const uncoloured: string[] = [];
  const texts = new Map<string, string>();
  const statuses = new Map<string, NodeStatus>();
  const kinds = new Map<string, NodeKind>();
  for (const n of doc.nodes) {
    const a = attrsById.get(n.id)!;
    const labelKey = Object.keys(n.attributes).find((k) => k.toLowerCase() === 'label');
    const rawLabel = labelKey === undefined ? undefined : n.attributes[labelKey];
    texts.set(
      n.id,
      rawLabel === undefined ? n.id : labelText(rawLabel, n.id, n.htmlAttributes.includes(labelKey!)),
    );
    statuses.set(n.id, statusOf(n.id, a, warnings, uncoloured));
    const k = a.kind?.toLowerCase();
    if (k === 'problem' || k === 'step' || k === 'answer') kinds.set(n.id, k);
    else if (k !== undefined)
      warnings.push(`node '${n.id}': unknown kind '${a.kind}' ignored (use problem, step or answer)`);
  }
  const ids = doc.nodes.map((n) => n.id);
  const describes = (id: string, re: RegExp) => re.test(id.replace(/[_-]/g, ' ')) || re.test(texts.get(id)!);
  if (![...kinds.values()].includes('problem')) {
    const roots = ids.filter((id) => !indeg.get(id) && kinds.get(id) === undefined);
    const named = roots.filter((id) => describes(id, PROBLEM_WORDS));
    const pick = roots.length === 1 ? roots[0] : named.length === 1 ? named[0] : undefined;
    if (pick !== undefined) {
      kinds.set(pick, 'problem');
      warnings.push(`no node has kind=problem; took the root '${pick}' as the problem`);
    }
  }
  if (![...kinds.values()].includes('answer')) {
    const ends = ids.filter((id) => !outdeg.get(id) && kinds.get(id) === undefined);
    const named = ends.filter((id) => describes(id, ANSWER_WORDS));
    const okEnds = ends.filter((id) => statuses.get(id) === 'successful');
    const pick = named.length > 0 ? named[named.length - 1] : okEnds.length === 1 ? okEnds[0] : undefined;
    if (pick !== undefined) {
      kinds.set(pick, 'answer');
      warnings.push(`no node has kind=answer; took the dead end '${pick}' as the answer`);
    }
  }

  // Problem and answer are successful by definition: only uncoloured steps deserve a note.
  const plainSteps = uncoloured.filter((id) => kinds.get(id) === undefined || kinds.get(id) === 'step');
  if (plainSteps.length > 0) {
    warnings.push(
      `${plainSteps.length} step(s) without a fill colour read as successful: ${plainSteps.slice(0, 8).join(', ')}${plainSteps.length > 8 ? ', ...' : ''}`,
    );
  }

  const nodes: ReasoningNode[] = doc.nodes.map((n) => {
    const a = attrsById.get(n.id)!;
    return {
      id: unescapeId(n.id),
      text: texts.get(n.id)!,
      status: statuses.get(n.id)!,
      kind: kinds.get(n.id) ?? 'step',
      span: parseSpan(a.span),
    };
  });
  const attributes = new Map([...attrsById].map(([k, v]) => [unescapeId(k), v] as const));
  return { graph: new ReasoningGraph(nodes, edges), warnings, attributes, document: doc };
}

function statusOf(id: string, a: DotAttributes, warnings: string[], uncoloured: string[]): NodeStatus {
  const explicit = a.status?.toLowerCase();
  if (explicit !== undefined) {
    if (/^(failed|fail|failure|abandoned|dead[- ]?end)$/.test(explicit)) return 'failed';
    if (/^(successful|success|ok|kept)$/.test(explicit)) return 'successful';
    warnings.push(`node '${id}': unknown status '${a.status}' ignored (use successful or failed)`);
  }
  const filled = (a.style ?? '').toLowerCase().includes('filled');
  const color = a.fillcolor ?? (filled ? a.color : undefined) ?? a.color;
  if (color === undefined || color.trim() === '') {
    uncoloured.push(id);
    return 'successful';
  }
  const s = statusFromColor(color);
  if (s === null) {
    warnings.push(`node '${id}': colour '${color}' is not recognised; read as successful`);
    return 'successful';
  }
  return s;
}
