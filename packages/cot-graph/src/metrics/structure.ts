import { CotInputError } from '../errors.js';
import type { ReasoningGraph, TextSpan } from '../graph/graph.js';

/** Options of {@link failedStepFraction}. */
export interface FsfOptions {
  /**
   * Count the problem root and the answer sink in the denominator too (they are never failed). Default false:
   * FSF = failed steps / steps, over `step` nodes only.
   */
  includeTerminals?: boolean;
}

/**
 * Failed-Step Fraction: the share of reasoning steps that belong to abandoned branches (lower is better).
 *
 * Convention (the paper leaves it open): by default only `step` nodes count, in numerator and denominator; the
 * problem root and the answer sink are not reasoning steps and can never be failed, so counting them would only
 * shrink FSF for short traces. `includeTerminals: true` gives failed / all nodes instead. A graph without steps
 * has FSF 0.
 *
 * @example
 * ```ts
 * // problem -> s1 (failed), problem -> s2 -> answer
 * failedStepFraction(graph);                              // 1 / 2 = 0.5
 * failedStepFraction(graph, { includeTerminals: true }); // 1 / 4 = 0.25
 * ```
 */
export function failedStepFraction(graph: ReasoningGraph, options: FsfOptions = {}): number {
  const counted = options.includeTerminals ? graph.nodes : graph.steps;
  if (counted.length === 0) return 0;
  let failed = 0;
  for (const n of counted) if (n.status === 'failed') failed++;
  return failed / counted.length;
}

/** One failed branch: a maximal failed subtree. */
export interface FailedBranch {
  /** The branch's top node (failed, with no failed parent). */
  root: string;
  /** Its failed nodes, in trace order (root first). */
  nodes: string[];
  /** From the earliest start to the latest end of the nodes' spans; null when none has a span. */
  span: TextSpan | null;
}

/**
 * The failed branches of a graph, in trace order of their top nodes. A branch is a failed node none of whose
 * parents is failed, plus the failed nodes below it.
 *
 * @example
 * ```ts
 * failedBranches(graph).map((b) => b.nodes); // [['s1'], ['s4', 's5']]
 * ```
 */
export function failedBranches(graph: ReasoningGraph): FailedBranch[] {
  const out: FailedBranch[] = [];
  const failed = (id: string) => graph.node(id).status === 'failed';
  for (const n of graph.nodes) {
    if (n.status !== 'failed' || graph.parents(n.id).some(failed)) continue;
    const members = new Set<string>([n.id]);
    const stack = [n.id];
    while (stack.length > 0) {
      for (const c of graph.children(stack.pop()!)) {
        if (!members.has(c) && failed(c)) {
          members.add(c);
          stack.push(c);
        }
      }
    }
    const nodes = [...members].sort((a, b) => graph.orderOf(a) - graph.orderOf(b));
    let span: TextSpan | null = null;
    for (const id of nodes) {
      const s = graph.node(id).span;
      if (s)
        span = span ? { start: Math.min(span.start, s.start), end: Math.max(span.end, s.end) } : { ...s };
    }
    out.push({ root: n.id, nodes, span });
  }
  return out;
}

/**
 * Number of failed branches (abandoned attempts).
 *
 * @example
 * ```ts
 * branchCount(graph); // 2
 * ```
 */
export function branchCount(graph: ReasoningGraph): number {
  return failedBranches(graph).length;
}

/** Where the first failure happens. */
export interface FirstFailure {
  /** The first failed node in trace order. */
  id: string;
  /** Edges on the shortest path from the root (the root has depth 0, its children 1). */
  depth: number;
  /** Character offset of the node in the trace, or null without a span. */
  offset: number | null;
}

/**
 * The first failed node in trace order, its depth below the root and its offset in the trace; null when nothing
 * failed. (The paper found this depth does not predict correctness; it is here for analysis.)
 *
 * @throws {CotInputError} when the failed node cannot be reached from the root (validate the graph first).
 *
 * @example
 * ```ts
 * firstFailure(graph); // { id: 's3', depth: 2, offset: 118 }
 * ```
 */
export function firstFailure(graph: ReasoningGraph): FirstFailure | null {
  const first = graph.nodes.find((n) => n.status === 'failed');
  if (!first) return null;
  const depth = graph.depths().get(first.id);
  if (depth === undefined) {
    throw new CotInputError(
      `Failed node '${first.id}' is not reachable from the root; validate the graph first.`,
    );
  }
  return { id: first.id, depth, offset: first.span ? first.span.start : null };
}
