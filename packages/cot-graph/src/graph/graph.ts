import { GraphError, type GraphIssue, GraphJsonError } from '../errors.js';

/** Whether a step belongs to a reasoning path that was kept (`successful`) or to an abandoned attempt (`failed`). */
export type NodeStatus = 'successful' | 'failed';

/** `problem`: the root (the question); `answer`: the sink (the final answer); `step`: everything in between. */
export type NodeKind = 'problem' | 'step' | 'answer';

/** Half-open character range `[start, end)` of a node's text inside the trace it was extracted from. */
export interface TextSpan {
  /** Offset of the first character, in UTF-16 code units (inclusive). */
  readonly start: number;
  /** Offset just past the last character (exclusive); `end - start` is the length. */
  readonly end: number;
}

/** One reasoning step. */
export interface ReasoningNode {
  /** Unique id within the graph. */
  readonly id: string;
  /** What the step says: the trace excerpt (heuristic extractor) or the model's label (LLM extractor). */
  readonly text: string;
  /** `successful` on a kept line of reasoning, `failed` in an abandoned attempt (only steps can fail). */
  readonly status: NodeStatus;
  /** The node's role: the `problem` root, a `step`, or the `answer` sink. */
  readonly kind: NodeKind;
  /** Where the step sits in the trace, or null when it could not be located (or is not in the trace). */
  readonly span: TextSpan | null;
}

/** `from -> to`: step `to` uses information from step `from`. */
export interface ReasoningEdge {
  /** Id of the step whose information is used. */
  readonly from: string;
  /** Id of the step that uses it. */
  readonly to: string;
}

/** The JSON form of a graph ({@link ReasoningGraph.toJSON}). Node order is trace order. */
export interface ReasoningGraphJSON {
  /** Always `'cot-graph'`: marks the file's kind for readers. */
  format: 'cot-graph';
  /** Schema version of this format, currently 1. */
  version: 1;
  /** Every node, in trace order. */
  nodes: ReasoningNode[];
  /** Every edge, in the graph's order. */
  edges: ReasoningEdge[];
}

/** Result of {@link ReasoningGraph.validate}: errors make a graph unusable for metrics; warnings do not. */
export interface GraphValidation {
  /** True when there are no errors (warnings allowed). */
  valid: boolean;
  /** Broken rules that make metrics meaningless (one root, one answer sink, acyclic, reachable, spans...). */
  errors: GraphIssue[];
  /** Oddities that metrics tolerate: successful dead ends, successful nodes with a failed parent. */
  warnings: GraphIssue[];
}

const STATUSES: readonly NodeStatus[] = ['successful', 'failed'];
const KINDS: readonly NodeKind[] = ['problem', 'step', 'answer'];

function listIds(ids: readonly string[], max = 6): string {
  const shown = ids.slice(0, max).map((id) => `'${id}'`);
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ');
}

/**
 * A chain-of-thought as a directed graph of reasoning steps: a `problem` root, `step` nodes marked successful or
 * failed (abandoned attempts), and an `answer` sink. Immutable; node order is the order of the steps in the trace.
 *
 * The constructor rejects structurally broken input (duplicate ids, edges to unknown nodes, duplicate edges);
 * {@link validate} checks the semantic rules (one root, one answer sink, acyclic, everything reachable).
 *
 * @example
 * ```ts
 * const g = new ReasoningGraph(
 *   [
 *     { id: 'p', text: 'Solve 2x = 6', kind: 'problem', status: 'successful', span: null },
 *     { id: 's1', text: 'x = 2?', kind: 'step', status: 'failed', span: null },
 *     { id: 's2', text: 'x = 3', kind: 'step', status: 'successful', span: null },
 *     { id: 'a', text: '3', kind: 'answer', status: 'successful', span: null },
 *   ],
 *   [{ from: 'p', to: 's1' }, { from: 'p', to: 's2' }, { from: 's2', to: 'a' }],
 * );
 * g.validate().valid; // true
 * ```
 */
export class ReasoningGraph {
  /** The nodes (frozen copies), in trace order. */
  readonly nodes: readonly ReasoningNode[];
  /** The edges (frozen copies), in the order given. */
  readonly edges: readonly ReasoningEdge[];
  private readonly byId = new Map<string, ReasoningNode>();
  private readonly index = new Map<string, number>();
  private readonly out = new Map<string, string[]>();
  private readonly inc = new Map<string, string[]>();

  /** @throws {GraphError} on duplicate node ids, edges naming unknown nodes, or duplicate edges. */
  constructor(nodes: readonly ReasoningNode[], edges: readonly ReasoningEdge[]) {
    const issues: GraphIssue[] = [];
    nodes.forEach((n, i) => {
      if (this.byId.has(n.id)) {
        issues.push({
          code: 'duplicate-node',
          message: `Node id '${n.id}' is used twice; give every node a unique id.`,
          nodes: [n.id],
        });
        return;
      }
      this.byId.set(n.id, n);
      this.index.set(n.id, i);
      this.out.set(n.id, []);
      this.inc.set(n.id, []);
    });
    const seen = new Set<string>();
    for (const e of edges) {
      const missing = [e.from, e.to].filter((id) => !this.byId.has(id));
      if (missing.length > 0) {
        issues.push({
          code: 'unknown-node',
          message: `Edge '${e.from}' -> '${e.to}' names unknown node ${listIds(missing)}; add the node or drop the edge.`,
          nodes: missing,
        });
        continue;
      }
      const key = `${e.from}\u0000${e.to}`;
      if (seen.has(key)) {
        issues.push({
          code: 'duplicate-edge',
          message: `Edge '${e.from}' -> '${e.to}' appears twice; keep one.`,
          nodes: [e.from, e.to],
        });
        continue;
      }
      seen.add(key);
      this.out.get(e.from)!.push(e.to);
      this.inc.get(e.to)!.push(e.from);
    }
    if (issues.length > 0) throw new GraphError(issues, 'Cannot build the reasoning graph');
    this.nodes = Object.freeze(nodes.map((n) => Object.freeze({ ...n })));
    this.edges = Object.freeze(edges.map((e) => Object.freeze({ from: e.from, to: e.to })));
    // Keep byId pointing at the frozen copies.
    for (const n of this.nodes) this.byId.set(n.id, n);
  }

  /** Number of nodes. */
  get size(): number {
    return this.nodes.length;
  }

  /** Whether a node with this id exists. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The node with this id. @throws {GraphError} when there is none. */
  node(id: string): ReasoningNode {
    const n = this.byId.get(id);
    if (!n) {
      throw new GraphError([{ code: 'unknown-node', message: `No node '${id}' in the graph.`, nodes: [id] }]);
    }
    return n;
  }

  /** Position of a node in {@link nodes} (trace order). */
  orderOf(id: string): number {
    this.node(id);
    return this.index.get(id)!;
  }

  /** Ids of the nodes this node points to. */
  children(id: string): readonly string[] {
    this.node(id);
    return this.out.get(id)!;
  }

  /** Ids of the nodes pointing to this node. */
  parents(id: string): readonly string[] {
    this.node(id);
    return this.inc.get(id)!;
  }

  /** The `problem` node, or undefined when there is not exactly one. */
  get problem(): ReasoningNode | undefined {
    const ps = this.nodes.filter((n) => n.kind === 'problem');
    return ps.length === 1 ? ps[0] : undefined;
  }

  /** The `answer` node, or undefined when there is not exactly one. */
  get answer(): ReasoningNode | undefined {
    const as = this.nodes.filter((n) => n.kind === 'answer');
    return as.length === 1 ? as[0] : undefined;
  }

  /** The `step` nodes, in trace order. */
  get steps(): readonly ReasoningNode[] {
    return this.nodes.filter((n) => n.kind === 'step');
  }

  /**
   * Check the rules metrics rely on. Errors: no nodes; not exactly one node without parents (the root), or a root
   * that is not the `problem` node; not exactly one `problem` / `answer` node; an answer with outgoing edges (it
   * must be the sink: failed branches end in dead ends, every other path ends at the answer); a cycle; nodes not
   * reachable from the root; a failed problem or answer; a malformed span. Warnings: successful steps that lead
   * nowhere, successful nodes below a failed one (a failed branch should be a failed subtree).
   *
   * @example
   * ```ts
   * const { valid, errors } = graph.validate();
   * if (!valid) console.error(errors.map((e) => e.message).join('\n'));
   * ```
   */
  validate(): GraphValidation {
    const errors: GraphIssue[] = [];
    const warnings: GraphIssue[] = [];
    if (this.nodes.length === 0) {
      errors.push({
        code: 'empty',
        message: 'The graph has no nodes; it needs at least a problem and an answer.',
      });
      return { valid: false, errors, warnings };
    }
    const problems = this.nodes.filter((n) => n.kind === 'problem').map((n) => n.id);
    const answers = this.nodes.filter((n) => n.kind === 'answer').map((n) => n.id);
    const roots = this.nodes.filter((n) => this.inc.get(n.id)!.length === 0).map((n) => n.id);
    if (problems.length !== 1) {
      errors.push({
        code: 'problem-count',
        message: `Expected exactly one 'problem' node, found ${problems.length}${problems.length ? ` (${listIds(problems)})` : ''}.`,
        nodes: problems,
      });
    }
    if (answers.length !== 1) {
      errors.push({
        code: 'answer-count',
        message: `Expected exactly one 'answer' node (the sink), found ${answers.length}${answers.length ? ` (${listIds(answers)})` : ''}.`,
        nodes: answers,
      });
    }
    if (roots.length !== 1) {
      errors.push({
        code: 'root-count',
        message:
          roots.length === 0
            ? 'Every node has a parent, so there is no root; the problem node must have no incoming edges.'
            : `Expected one root (node without parents), found ${roots.length}: ${listIds(roots)}; connect each to the step it builds on.`,
        nodes: roots,
      });
    } else if (problems.length === 1 && roots[0] !== problems[0]) {
      errors.push({
        code: 'root-kind',
        message: `The root '${roots[0]}' is not the problem node '${problems[0]}'; the problem must be the only node without parents.`,
        nodes: [roots[0], problems[0]],
      });
    }
    for (const a of answers) {
      const kids = this.out.get(a)!;
      if (kids.length > 0) {
        errors.push({
          code: 'answer-not-sink',
          message: `The answer node '${a}' has outgoing edges (to ${listIds(kids)}); the answer must be the sink.`,
          nodes: [a],
        });
      }
    }
    for (const n of this.nodes) {
      if (n.kind !== 'step' && n.status === 'failed') {
        errors.push({
          code: 'failed-terminal',
          message: `The ${n.kind} node '${n.id}' is marked failed; only steps can be failed.`,
          nodes: [n.id],
        });
      }
      if (
        n.span !== null &&
        !(
          Number.isInteger(n.span.start) &&
          Number.isInteger(n.span.end) &&
          n.span.start >= 0 &&
          n.span.end >= n.span.start
        )
      ) {
        errors.push({
          code: 'bad-span',
          message: `Node '${n.id}' has span [${n.span.start}, ${n.span.end}); spans need integers 0 <= start <= end.`,
          nodes: [n.id],
        });
      }
    }
    const cycle = this.findCycle();
    if (cycle) {
      errors.push({
        code: 'cycle',
        message: `The graph has a cycle ${cycle.map((id) => `'${id}'`).join(' -> ')}; reasoning graphs must be acyclic.`,
        nodes: cycle,
      });
    }
    if (roots.length === 1) {
      const reach = this.reachableFrom(roots[0]);
      const lost = this.nodes.filter((n) => !reach.has(n.id)).map((n) => n.id);
      if (lost.length > 0) {
        errors.push({
          code: 'unreachable',
          message: `${lost.length} node(s) cannot be reached from the root '${roots[0]}': ${listIds(lost)}.`,
          nodes: lost,
        });
      }
    }
    for (const n of this.nodes) {
      if (n.kind === 'step' && n.status === 'successful' && this.out.get(n.id)!.length === 0) {
        warnings.push({
          code: 'successful-dead-end',
          message: `Successful step '${n.id}' leads nowhere; link it towards the answer or mark it failed.`,
          nodes: [n.id],
        });
      }
      if (
        n.status === 'successful' &&
        this.inc.get(n.id)!.some((p) => this.byId.get(p)!.status === 'failed')
      ) {
        warnings.push({
          code: 'failed-parent',
          message: `Successful node '${n.id}' has a failed parent; a new attempt should branch from the ancestor it restarts from.`,
          nodes: [n.id],
        });
      }
    }
    return { valid: errors.length === 0, errors, warnings };
  }

  /** {@link validate} and throw when there are errors. @throws {GraphError} listing every error. */
  assertValid(): this {
    const v = this.validate();
    if (!v.valid) throw new GraphError(v.errors);
    return this;
  }

  /** Node ids in an order where every edge points forward (Kahn's algorithm, ties in trace order). */
  topologicalOrder(): string[] {
    const indeg = new Map<string, number>();
    for (const n of this.nodes) indeg.set(n.id, this.inc.get(n.id)!.length);
    const ready = this.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
    const order: string[] = [];
    // Ready nodes are popped in trace order: a small binary heap keyed by index keeps this O(E log V).
    const heap = new MinHeap<string>((a, b) => this.index.get(a)! - this.index.get(b)!);
    for (const id of ready) heap.push(id);
    while (heap.size > 0) {
      const id = heap.pop()!;
      order.push(id);
      for (const c of this.out.get(id)!) {
        const d = indeg.get(c)! - 1;
        indeg.set(c, d);
        if (d === 0) heap.push(c);
      }
    }
    if (order.length !== this.nodes.length) {
      throw new GraphError([
        { code: 'cycle', message: 'The graph has a cycle; no topological order exists.' },
      ]);
    }
    return order;
  }

  /** Shortest number of edges from `from` (default: the root) to every node reachable from it. */
  depths(from?: string): Map<string, number> {
    const start = from ?? this.problem?.id ?? this.nodes.find((n) => this.inc.get(n.id)!.length === 0)?.id;
    const depth = new Map<string, number>();
    if (start === undefined) return depth;
    this.node(start);
    depth.set(start, 0);
    const queue = [start];
    for (let q = 0; q < queue.length; q++) {
      const id = queue[q];
      for (const c of this.out.get(id)!) {
        if (!depth.has(c)) {
          depth.set(c, depth.get(id)! + 1);
          queue.push(c);
        }
      }
    }
    return depth;
  }

  /** Ids of `id` and every node below it. */
  descendants(id: string): Set<string> {
    this.node(id);
    return this.reachableFrom(id);
  }

  /**
   * The JSON form: `{ format: 'cot-graph', version: 1, nodes, edges }`.
   *
   * @example
   * ```ts
   * const text = JSON.stringify(graph); // calls toJSON
   * ```
   */
  toJSON(): ReasoningGraphJSON {
    return {
      format: 'cot-graph',
      version: 1,
      nodes: this.nodes.map((n) => ({
        id: n.id,
        text: n.text,
        status: n.status,
        kind: n.kind,
        span: n.span ? { start: n.span.start, end: n.span.end } : null,
      })),
      edges: this.edges.map((e) => ({ from: e.from, to: e.to })),
    };
  }

  /**
   * Read the JSON form (an object or a JSON string). Does not run {@link validate}.
   *
   * @throws {GraphJsonError} naming the path of the first bad value.
   * @throws {GraphError} when the nodes and edges do not form a graph (duplicate ids, unknown endpoints).
   * @example
   * ```ts
   * const copy = ReasoningGraph.fromJSON(JSON.stringify(graph));
   * copy.validate().valid; // as for graph
   * ```
   */
  static fromJSON(value: unknown): ReasoningGraph {
    let v = value;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch (e) {
        throw new GraphJsonError('$', `not valid JSON (${(e as Error).message}).`);
      }
    }
    if (!isRecord(v)) throw new GraphJsonError('$', 'expected an object with "nodes" and "edges" arrays.');
    if (v.format !== undefined && v.format !== 'cot-graph') {
      throw new GraphJsonError('$.format', `expected "cot-graph", got ${JSON.stringify(v.format)}.`);
    }
    if (v.version !== undefined && v.version !== 1) {
      throw new GraphJsonError(
        '$.version',
        `unsupported version ${JSON.stringify(v.version)}; this library reads version 1.`,
      );
    }
    if (!Array.isArray(v.nodes)) throw new GraphJsonError('$.nodes', 'expected an array of nodes.');
    if (!Array.isArray(v.edges)) throw new GraphJsonError('$.edges', 'expected an array of edges.');
    const nodes: ReasoningNode[] = v.nodes.map((raw: unknown, i: number) => {
      const p = `$.nodes[${i}]`;
      if (!isRecord(raw)) throw new GraphJsonError(p, 'expected an object.');
      if (typeof raw.id !== 'string' || raw.id === '')
        throw new GraphJsonError(`${p}.id`, 'expected a non-empty string.');
      const text = raw.text ?? '';
      if (typeof text !== 'string') throw new GraphJsonError(`${p}.text`, 'expected a string.');
      if (!STATUSES.includes(raw.status as NodeStatus)) {
        throw new GraphJsonError(
          `${p}.status`,
          `expected "successful" or "failed", got ${JSON.stringify(raw.status)}.`,
        );
      }
      if (!KINDS.includes(raw.kind as NodeKind)) {
        throw new GraphJsonError(
          `${p}.kind`,
          `expected "problem", "step" or "answer", got ${JSON.stringify(raw.kind)}.`,
        );
      }
      let span: TextSpan | null = null;
      if (raw.span !== undefined && raw.span !== null) {
        const s = raw.span;
        if (!isRecord(s) || !Number.isInteger(s.start) || !Number.isInteger(s.end)) {
          throw new GraphJsonError(`${p}.span`, 'expected null or { "start": integer, "end": integer }.');
        }
        span = { start: s.start as number, end: s.end as number };
      }
      return { id: raw.id, text, status: raw.status as NodeStatus, kind: raw.kind as NodeKind, span };
    });
    const edges: ReasoningEdge[] = v.edges.map((raw: unknown, i: number) => {
      const p = `$.edges[${i}]`;
      if (!isRecord(raw)) throw new GraphJsonError(p, 'expected an object { "from": id, "to": id }.');
      if (typeof raw.from !== 'string') throw new GraphJsonError(`${p}.from`, 'expected a node id string.');
      if (typeof raw.to !== 'string') throw new GraphJsonError(`${p}.to`, 'expected a node id string.');
      return { from: raw.from, to: raw.to };
    });
    return new ReasoningGraph(nodes, edges);
  }

  private reachableFrom(start: string): Set<string> {
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length > 0) {
      const id = stack.pop()!;
      for (const c of this.out.get(id)!) {
        if (!seen.has(c)) {
          seen.add(c);
          stack.push(c);
        }
      }
    }
    return seen;
  }

  /** One cycle as a closed id path, or null. Iterative DFS so 10k-node graphs do not overflow the stack. */
  private findCycle(): string[] | null {
    const state = new Map<string, 1 | 2>();
    for (const n of this.nodes) {
      if (state.has(n.id)) continue;
      const path: string[] = [n.id];
      const iters: number[] = [0];
      state.set(n.id, 1);
      while (path.length > 0) {
        const id = path[path.length - 1];
        const kids = this.out.get(id)!;
        const k = iters[iters.length - 1];
        if (k < kids.length) {
          iters[iters.length - 1]++;
          const c = kids[k];
          const s = state.get(c);
          if (s === 1) return [...path.slice(path.indexOf(c)), c];
          if (s === undefined) {
            state.set(c, 1);
            path.push(c);
            iters.push(0);
          }
        } else {
          state.set(id, 2);
          path.pop();
          iters.pop();
        }
      }
    }
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Minimal binary heap for the topological sort. */
class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly cmp: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cmp(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.cmp(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.cmp(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
