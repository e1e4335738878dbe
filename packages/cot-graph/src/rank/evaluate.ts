import { CotInputError } from '../errors.js';
import { type Interval, pairedBootstrap } from './bootstrap.js';
import {
  bestCandidates,
  type CandidateMetrics,
  SELECTION_STRATEGIES,
  type SelectionStrategy,
} from './select.js';

/** One problem's k candidate traces with their metrics and whether each answer was correct. */
export interface CandidateGroup {
  /** Names the group in error messages (default: its index). */
  id?: string;
  /** The k candidates of the problem, each with its metrics and its answer's correctness. */
  candidates: readonly (CandidateMetrics & {
    /** Whether this candidate's final answer is right. */
    correct: boolean;
  })[];
}

/** Options of {@link evaluateSelection}. */
export interface EvaluateOptions {
  /** Default: every strategy whose metrics all candidates have (review needs reviewRatio). */
  strategies?: readonly SelectionStrategy[];
  /** Bootstrap resamples over groups. Default 2000. */
  resamples?: number;
  /** Coverage of the intervals, in (0, 1). Default 0.95. */
  confidence?: number;
  /** Seed of the bootstrap resampling. Default 0. */
  seed?: number;
}

/** pass@1 of one strategy, and its difference from random selection. */
export interface StrategyResult {
  /** The selection strategy these numbers are for. */
  strategy: SelectionStrategy;
  /** Mean over groups of the selected candidate's correctness, with a bootstrap CI over groups. */
  passAt1: Interval;
  /** pass@1 minus random's pass@1 (paired bootstrap over the same resampled groups). */
  gainOverRandom: Interval;
}

/** Result of {@link evaluateSelection}. */
export interface SelectionReport {
  /** Number of groups (problems) evaluated. */
  groups: number;
  /** Number of candidates over all groups. */
  candidates: number;
  /** One result per strategy evaluated, in the order requested (or {@link SELECTION_STRATEGIES} order). */
  results: StrategyResult[];
  /** Per group and strategy, the expected correctness of the pick (see {@link evaluateSelection}). */
  perGroup: Record<SelectionStrategy, number[]>;
}

/**
 * Compare best-of-k strategies on groups of candidates with known correctness: pass@1 of each strategy with a
 * percentile-bootstrap CI over groups, and its gain over random selection with a paired CI.
 *
 * A group's score under a strategy is the expected correctness of its pick: when several candidates tie on every
 * key, the average correctness over the tied set (so `random` scores the fraction of correct candidates). This is
 * what a random tie-break gives on average, without sampling noise.
 *
 * @throws {CotInputError} on no groups, an empty group, or metrics a requested strategy lacks.
 *
 * @example
 * ```ts
 * const report = evaluateSelection(groups, { seed: 1 });
 * report.results.find((r) => r.strategy === 'fsf')?.passAt1; // { estimate, lower, upper }
 * ```
 */
export function evaluateSelection(
  groups: readonly CandidateGroup[],
  options: EvaluateOptions = {},
): SelectionReport {
  if (groups.length === 0)
    throw new CotInputError('evaluateSelection needs at least one group of candidates.');
  groups.forEach((g, i) => {
    if (g.candidates.length === 0) throw new CotInputError(`Group ${g.id ?? i} has no candidates.`);
    g.candidates.forEach((c, j) => {
      if (typeof c.correct !== 'boolean') {
        throw new CotInputError(`Group ${g.id ?? i}, candidate ${j}: 'correct' must be true or false.`);
      }
    });
  });
  const hasReview = groups.every((g) => g.candidates.every((c) => Number.isFinite(c.reviewRatio)));
  const strategies = options.strategies ?? SELECTION_STRATEGIES.filter((s) => s !== 'review' || hasReview);
  const all: SelectionStrategy[] = strategies.includes('random')
    ? [...strategies]
    : [...strategies, 'random'];
  const perGroup = {} as Record<SelectionStrategy, number[]>;
  for (const s of all) {
    perGroup[s] = groups.map((g) => {
      const pool = bestCandidates(g.candidates, s);
      return pool.reduce((a, i) => a + (g.candidates[i].correct ? 1 : 0), 0) / pool.length;
    });
  }
  const randomIdx = all.indexOf('random');
  const boot = pairedBootstrap(
    all.map((s) => perGroup[s]),
    {
      resamples: options.resamples,
      confidence: options.confidence,
      seed: options.seed,
      pairs: all.map((_, i) => [i, randomIdx] as const),
    },
  );
  const results = strategies.map((s) => {
    const i = all.indexOf(s);
    return { strategy: s, passAt1: boot.columns[i], gainOverRandom: boot.differences[i] };
  });
  return {
    groups: groups.length,
    candidates: groups.reduce((a, g) => a + g.candidates.length, 0),
    results,
    perGroup,
  };
}
