import type { GenerateOptions, LanguageModel } from '@proj/models';
import { CotInputError } from '../errors.js';
import type { ReasoningGraph, TextSpan } from '../graph/graph.js';
import { type FailedBranch, failedBranches } from '../metrics/structure.js';
import { splitSentences } from '../text/segment.js';

/** Which failed branches to cut: the paper's three edits. */
export type PruneTarget = 'first' | 'last' | 'all';

/** Writes the one-line summary that replaces a removed branch. */
export type BranchSummarizer = (branchText: string, branch: FailedBranch) => string | Promise<string>;

/** Options of {@link pruneFailedBranches}. */
export interface PruneOptions {
  /** Default `'last'` (the paper's best edit). */
  which?: PruneTarget;
  /**
   * Replace each removed branch by a one-line summary: `'heuristic'` ({@link heuristicBranchSummary}), a
   * function (e.g. {@link llmBranchSummarizer}), or none (default: the branch is just removed).
   */
  summary?: 'none' | 'heuristic' | BranchSummarizer;
  /**
   * Keep the text after the cut. Default false: the prefix ends where the (last) removed branch ended, ready for
   * a model to continue from there, as in the paper.
   */
  keepSuffix?: boolean;
}

/** Result of an edit. */
export interface PruneResult {
  /** The edited text: the trace up to the cut, with the chosen branches removed (or summarised). */
  prefix: string;
  /** Whether anything was removed (false when the graph has no failed branch). */
  edited: boolean;
  /** The branches removed. */
  branches: FailedBranch[];
  /** The exact spans of the original trace that were removed. */
  removed: TextSpan[];
  /** The summaries inserted, one per removed branch (empty without summaries). */
  summaries: string[];
  /** Offset in the original trace where the prefix ends (trace length with `keepSuffix`). */
  cutAt: number;
}

/**
 * A one-line summary of a removed branch without a model: its first sentence, shortened, marked as abandoned.
 *
 * @example
 * ```ts
 * heuristicBranchSummary('Let me try x = 2. Then 2x = 4, too small.'); // '(Tried: Let me try x = 2. Abandoned.)'
 * ```
 */
export function heuristicBranchSummary(branchText: string): string {
  const first = splitSentences(branchText)[0];
  let s = first ? branchText.slice(first.start, first.end) : branchText.trim();
  s = s.replace(/\s+/g, ' ');
  if (s.length > 120) s = `${s.slice(0, 117).trimEnd()}...`;
  if (!/[.!?]$/.test(s)) s += '.';
  return `(Tried: ${s} Abandoned.)`;
}

/**
 * A {@link BranchSummarizer} that asks a model for one line saying what the branch tried and why it was dropped.
 *
 * @example
 * ```ts
 * const res = await pruneFailedBranches(trace, graph, { which: 'all', summary: llmBranchSummarizer(model) });
 * ```
 */
export function llmBranchSummarizer(
  model: LanguageModel,
  options: Omit<GenerateOptions, 'n'> = {},
): BranchSummarizer {
  return async (branchText) => {
    const out = await model.generate(
      [
        [
          {
            role: 'system',
            content:
              'Summarise an abandoned attempt from a reasoning trace in ONE short line (at most 25 words): what was tried and why it was dropped. Output only that line.',
          },
          { role: 'user', content: branchText },
        ],
      ],
      { temperature: 0, maxNewTokens: 64, ...options, n: 1 },
    );
    const line = (out[0]?.[0]?.text ?? '').trim().split('\n')[0].trim();
    return line === '' ? heuristicBranchSummary(branchText) : line;
  };
}

/**
 * Edit a trace by removing failed branches (the paper's intervention): `'first'` or `'last'` failed branch, or
 * `'all'` of them, each optionally replaced by a one-line summary. By default the result is the prefix up to the
 * end of the (last) removed branch, ready for a model to continue (see {@link continueFromPrefix}).
 *
 * Only the spans of the branch's own failed nodes are removed; text between them that no failed node covers stays.
 *
 * @throws {CotInputError} when a failed node has no span (use an extractor that maps nodes to the trace) or a span
 * lies outside the trace.
 *
 * @example
 * ```ts
 * const { graph } = extractHeuristicGraph(trace);
 * const { prefix } = await pruneFailedBranches(trace, graph, { which: 'last' });
 * ```
 */
export async function pruneFailedBranches(
  trace: string,
  graph: ReasoningGraph,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const which = options.which ?? 'last';
  if (which !== 'first' && which !== 'last' && which !== 'all') {
    throw new CotInputError(`'which' must be first, last or all, got ${String(which)}.`);
  }
  const branches = failedBranches(graph);
  for (const b of branches) {
    for (const id of b.nodes) {
      const s = graph.node(id).span;
      if (!s) {
        throw new CotInputError(
          `Failed node '${id}' has no span in the trace, so its text cannot be removed; use an extractor that maps nodes to the trace (the heuristic one always does).`,
        );
      }
      if (s.end > trace.length) {
        throw new CotInputError(
          `Node '${id}' spans [${s.start}, ${s.end}) beyond the trace (length ${trace.length}); is it the right trace?`,
        );
      }
    }
  }
  if (branches.length === 0) {
    return { prefix: trace, edited: false, branches: [], removed: [], summaries: [], cutAt: trace.length };
  }
  const chosen =
    which === 'first' ? [branches[0]] : which === 'last' ? [branches[branches.length - 1]] : branches;
  const cutAt = options.keepSuffix ? trace.length : Math.max(...chosen.map((b) => b.span!.end));
  const summaries: string[] = [];
  // Removal plan: per branch, its node spans merged (sorted, overlaps joined); the summary goes where the branch began.
  const pieces: { span: TextSpan; insert: string }[] = [];
  for (const b of chosen) {
    const spans = b.nodes.map((id) => graph.node(id).span!).sort((x, y) => x.start - y.start);
    const merged: TextSpan[] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      // Join spans separated only by whitespace so no stray blank lines are left behind.
      if (last && /^\s*$/.test(trace.slice(last.end, s.start)))
        merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
      else if (last && s.start < last.end)
        merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
      else merged.push({ ...s });
    }
    let insert = '';
    if (options.summary && options.summary !== 'none') {
      const text = merged.map((s) => trace.slice(s.start, s.end)).join('\n');
      insert =
        options.summary === 'heuristic' ? heuristicBranchSummary(text) : await options.summary(text, b);
      insert = insert.replace(/\s*\n\s*/g, ' ').trim();
      summaries.push(insert);
    }
    merged.forEach((s, i) => pieces.push({ span: s, insert: i === 0 ? insert : '' }));
  }
  pieces.sort((x, y) => x.span.start - y.span.start);
  let out = '';
  let pos = 0;
  const removed: TextSpan[] = [];
  for (const p of pieces) {
    if (p.span.start >= cutAt) break;
    out += trace.slice(pos, p.span.start);
    if (p.insert) out += p.insert;
    else out = out.replace(/[ \t]+$/, '');
    pos = Math.min(p.span.end, cutAt);
    removed.push({ start: p.span.start, end: pos });
    // Drop the whitespace that followed a removed piece at the start of the text or after a line break.
    if (!p.insert && (out === '' || /\n\s*$/.test(out))) {
      while (pos < cutAt && /\s/.test(trace[pos])) pos++;
    }
  }
  out += trace.slice(pos, cutAt);
  return { prefix: out, edited: removed.length > 0, branches: chosen, removed, summaries, cutAt };
}
