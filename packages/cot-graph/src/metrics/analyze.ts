import { CotInputError } from '../errors.js';
import { extractHeuristicGraph, type HeuristicOptions } from '../extract/heuristic.js';
import type { GraphExtractor } from '../extract/types.js';
import type { ReasoningGraph } from '../graph/graph.js';
import { segmentTrace } from '../text/segment.js';
import { type TokenCounter, traceLength } from './length.js';
import { type ChunkLabeller, HeuristicChunkLabeller, reviewRatio } from './review.js';
import { branchCount, type FsfOptions, failedStepFraction, firstFailure } from './structure.js';

/** Every per-trace metric. */
export interface TraceMetrics {
  /** Trace length in UTF-16 code units (`string.length`). */
  characters: number;
  /** Null without a tokenizer. */
  tokens: number | null;
  /** Share of chunk characters in review chunks, in [0, 1] (see {@link reviewRatio}). */
  reviewRatio: number;
  /** Failed-Step Fraction (see {@link failedStepFraction} for the convention). */
  fsf: number;
  /** `step` nodes. */
  steps: number;
  /** `step` nodes marked failed. */
  failedSteps: number;
  /** Failed branches. */
  branches: number;
  /** Depth of the first failed node below the root, or null when nothing failed. */
  firstFailureDepth: number | null;
  /** Character offset of the first failed node, or null. */
  firstFailureOffset: number | null;
}

/** Options of {@link analyzeTraceSync}. */
export interface AnalyzeSyncOptions extends HeuristicOptions, FsfOptions {
  /** Counts `tokens` (default: none, so `tokens` is null). */
  tokenizer?: TokenCounter;
}

/**
 * Metrics of a trace given its graph and chunk labels.
 *
 * @example
 * ```ts
 * const { graph } = await new LlmExtractor({ model }).extract(trace);
 * metricsFromGraph(trace, graph, 0.2).fsf;
 * ```
 */
export function metricsFromGraph(
  trace: string,
  graph: ReasoningGraph,
  review: number,
  options: FsfOptions & { tokenizer?: TokenCounter } = {},
): TraceMetrics {
  const len = traceLength(trace, options.tokenizer);
  const ff = firstFailure(graph);
  const steps = graph.steps;
  return {
    characters: len.characters,
    tokens: len.tokens,
    reviewRatio: review,
    fsf: failedStepFraction(graph, options),
    steps: steps.length,
    failedSteps: steps.filter((s) => s.status === 'failed').length,
    branches: branchCount(graph),
    firstFailureDepth: ff ? ff.depth : null,
    firstFailureOffset: ff ? ff.offset : null,
  };
}

/**
 * All metrics with the local tools only (heuristic extractor and heuristic review labeller), synchronously:
 * the fast path for batch analysis.
 *
 * @example
 * ```ts
 * const { metrics, graph } = analyzeTraceSync(trace, { problem });
 * metrics.fsf; // e.g. 0.25
 * ```
 */
export function analyzeTraceSync(
  trace: string,
  options: AnalyzeSyncOptions = {},
): {
  /** Every per-trace metric. */
  metrics: TraceMetrics;
  /** The extracted reasoning graph the structure metrics were computed on. */
  graph: ReasoningGraph;
  /** The extractor's notes on what it guessed or repaired. */
  warnings: string[];
} {
  const { graph, warnings } = extractHeuristicGraph(trace, options);
  const chunks = segmentTrace(trace, options.segment);
  const labels = new HeuristicChunkLabeller().labelSync(chunks, { problem: options.problem });
  return { metrics: metricsFromGraph(trace, graph, reviewRatio(chunks, labels), options), graph, warnings };
}

/** Options of {@link analyzeTrace}. */
export interface AnalyzeOptions extends FsfOptions {
  /** The problem statement: the root's text, and restating it counts as review. */
  problem?: string;
  /** Default: the heuristic extractor. */
  extractor?: GraphExtractor;
  /** Default: the heuristic labeller. */
  labeller?: ChunkLabeller;
  /** Counts `tokens` (default: none, so `tokens` is null). */
  tokenizer?: TokenCounter;
  /** Cancels the extractor's and the labeller's model calls. */
  signal?: AbortSignal;
}

/**
 * All metrics of a trace with any extractor and labeller (e.g. the LLM ones).
 *
 * @example
 * ```ts
 * const { metrics } = await analyzeTrace(trace, { problem, extractor: new LlmExtractor({ model }) });
 * ```
 */
export async function analyzeTrace(
  trace: string,
  options: AnalyzeOptions = {},
): Promise<{
  /** Every per-trace metric. */
  metrics: TraceMetrics;
  /** The extracted reasoning graph the structure metrics were computed on. */
  graph: ReasoningGraph;
  /** The extractor's notes on what it guessed or repaired. */
  warnings: string[];
}> {
  if (!options.extractor && !options.labeller) return analyzeTraceSync(trace, options);
  const extracted = options.extractor
    ? await options.extractor.extract(trace, { problem: options.problem, signal: options.signal })
    : extractHeuristicGraph(trace, { problem: options.problem });
  const chunks = segmentTrace(trace);
  const labels = await (options.labeller ?? new HeuristicChunkLabeller()).label(chunks, {
    problem: options.problem,
    signal: options.signal,
  });
  return {
    metrics: metricsFromGraph(trace, extracted.graph, reviewRatio(chunks, labels), options),
    graph: extracted.graph,
    warnings: extracted.warnings,
  };
}

/** Mean, median, min and max of one metric. */
export interface MetricSummary {
  /** Arithmetic mean over the traces that have the metric. */
  mean: number;
  /** Middle value (mean of the two middle values for an even count). */
  median: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
}

/** Summary of a batch ({@link summarizeMetrics}). */
export interface BatchSummary {
  /** Traces in the batch. */
  count: number;
  /**
   * Summary per metric name (a {@link TraceMetrics} key; null values skipped); a metric null on every
   * trace (e.g. `tokens` without a tokenizer) is absent.
   */
  metrics: Record<string, MetricSummary>;
  /** Present when every row has `correct`: per-class means and the AUROC of each metric for predicting an
   * incorrect answer (higher metric = more likely wrong; 0.5 = no signal). */
  byCorrectness?: {
    /** Traces with a right answer. */
    correct: number;
    /** Traces with a wrong answer. */
    incorrect: number;
    /** Mean of each metric over the right traces (empty when there are none). */
    meanCorrect: Record<string, number>;
    /** Mean of each metric over the wrong traces (empty when there are none). */
    meanIncorrect: Record<string, number>;
    /**
     * AUROC of characters, tokens, reviewRatio, fsf and branches for predicting a wrong answer; null when one
     * class is empty.
     */
    aurocIncorrect: Record<string, number | null>;
  };
}

const SUMMARY_KEYS = [
  'characters',
  'tokens',
  'reviewRatio',
  'fsf',
  'steps',
  'failedSteps',
  'branches',
  'firstFailureDepth',
] as const;

function describe(values: number[]): MetricSummary {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { mean: s.reduce((a, b) => a + b, 0) / n, median, min: s[0], max: s[n - 1] };
}

/**
 * AUROC of `scores` for separating positives (true) from negatives: the probability that a random positive scores
 * higher than a random negative, ties counting one half (Mann-Whitney). Null when a class is empty.
 *
 * @throws {CotInputError} on length mismatch or non-finite scores.
 *
 * @example
 * ```ts
 * auroc([0.9, 0.1, 0.5], [true, false, false]); // 1
 * ```
 */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number | null {
  if (scores.length !== positive.length) {
    throw new CotInputError(`auroc got ${scores.length} scores for ${positive.length} labels.`);
  }
  if (scores.some((s) => !Number.isFinite(s))) throw new CotInputError('auroc needs finite scores.');
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Average ranks over ties, then the rank-sum form of Mann-Whitney U.
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      nPos++;
      rankSum += ranks[i];
    }
  });
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Summary statistics of a batch of analysed traces; with correctness labels, per-class means and the AUROC of each
 * metric for predicting a wrong answer (the paper's finding: FSF separates best).
 *
 * @throws {CotInputError} on an empty batch.
 *
 * @example
 * ```ts
 * summarizeMetrics(rows.map((r) => ({ metrics: analyzeTraceSync(r.trace).metrics, correct: r.correct })));
 * ```
 */
export function summarizeMetrics(
  rows: readonly { metrics: TraceMetrics; correct?: boolean }[],
): BatchSummary {
  if (rows.length === 0) throw new CotInputError('summarizeMetrics needs at least one row.');
  const metrics: Record<string, MetricSummary> = {};
  for (const k of SUMMARY_KEYS) {
    const vals = rows.map((r) => r.metrics[k]).filter((v): v is number => v !== null);
    if (vals.length > 0) metrics[k] = describe(vals);
  }
  const out: BatchSummary = { count: rows.length, metrics };
  if (rows.every((r) => typeof r.correct === 'boolean')) {
    const meanOf = (sel: typeof rows) => {
      const m: Record<string, number> = {};
      for (const k of SUMMARY_KEYS) {
        const vals = sel.map((r) => r.metrics[k]).filter((v): v is number => v !== null);
        if (vals.length > 0) m[k] = vals.reduce((a, b) => a + b, 0) / vals.length;
      }
      return m;
    };
    const aurocIncorrect: Record<string, number | null> = {};
    for (const k of ['characters', 'tokens', 'reviewRatio', 'fsf', 'branches'] as const) {
      const keep = rows.filter((r) => r.metrics[k] !== null);
      if (keep.length === 0) continue;
      aurocIncorrect[k] = auroc(
        keep.map((r) => r.metrics[k] as number),
        keep.map((r) => r.correct === false),
      );
    }
    const correct = rows.filter((r) => r.correct);
    const incorrect = rows.filter((r) => !r.correct);
    out.byCorrectness = {
      correct: correct.length,
      incorrect: incorrect.length,
      meanCorrect: correct.length ? meanOf(correct) : {},
      meanIncorrect: incorrect.length ? meanOf(incorrect) : {},
      aurocIncorrect,
    };
  }
  return out;
}
