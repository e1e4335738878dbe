import { Rng } from '@proj/runtime';
import { CotInputError } from '../errors.js';

/** How to pick one of k candidate traces. */
export type SelectionStrategy = 'fsf' | 'length' | 'review' | 'random';

/**
 * All strategies, in report order.
 *
 * @example
 * ```ts
 * SELECTION_STRATEGIES.map((s) => selectBestOfK(candidates, s));
 * ```
 */
export const SELECTION_STRATEGIES: readonly SelectionStrategy[] = ['fsf', 'length', 'review', 'random'];

/** The metrics a strategy looks at. */
export interface CandidateMetrics {
  /** Failed-Step Fraction of the candidate's trace, in [0, 1]; lower is preferred. */
  fsf: number;
  /** Length in characters (or tokens: any consistent unit). */
  length: number;
  /** Needed by the `review` strategy only. */
  reviewRatio?: number;
}

/** Options of {@link selectBestOfK}. */
export interface SelectOptions {
  /** Seed for `random` and for random tie-breaking. Default 0. */
  seed?: number;
  /** Candidates still tied after every key: take the first (`'first'`, default) or a seeded random one. */
  ties?: 'first' | 'random';
}

const EPS = 1e-12;

/**
 * The sort keys of a strategy, most important first (lower is better for every key).
 *
 * @example
 * ```ts
 * strategyKeys('fsf'); // ['fsf', 'length']
 * ```
 */
export function strategyKeys(strategy: SelectionStrategy): (keyof CandidateMetrics)[] {
  switch (strategy) {
    case 'fsf':
      return ['fsf', 'length'];
    case 'length':
      return ['length', 'fsf'];
    case 'review':
      return ['reviewRatio', 'length'];
    case 'random':
      return [];
    default:
      throw new CotInputError(
        `Unknown selection strategy '${String(strategy)}'; use fsf, length, review or random.`,
      );
  }
}

function checkCandidates(candidates: readonly CandidateMetrics[], strategy: SelectionStrategy): void {
  if (candidates.length === 0) throw new CotInputError('Cannot select from an empty group of candidates.');
  const keys = strategyKeys(strategy);
  candidates.forEach((c, i) => {
    for (const k of keys) {
      const v = c[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new CotInputError(
          `Candidate ${i} has ${k} = ${String(v)}; the '${strategy}' strategy needs a finite ${k} for every candidate.`,
        );
      }
    }
  });
}

/**
 * Indices of the candidates that are best under `strategy` and tied on every key (values within 1e-12 are
 * equal). `fsf`: lowest FSF, then shortest. `length`: shortest, then lowest FSF. `review`: lowest review ratio,
 * then shortest. `random`: every candidate.
 *
 * @example
 * ```ts
 * bestCandidates([{ fsf: 0.2, length: 900 }, { fsf: 0.1, length: 1200 }, { fsf: 0.1, length: 1200 }], 'fsf'); // [1, 2]
 * ```
 */
export function bestCandidates(
  candidates: readonly CandidateMetrics[],
  strategy: SelectionStrategy,
): number[] {
  checkCandidates(candidates, strategy);
  let pool = candidates.map((_, i) => i);
  for (const k of strategyKeys(strategy)) {
    let best = Number.POSITIVE_INFINITY;
    for (const i of pool) best = Math.min(best, candidates[i][k] as number);
    pool = pool.filter((i) => (candidates[i][k] as number) <= best + EPS);
  }
  return pool;
}

/**
 * Best-of-k selection: the index of the candidate `strategy` picks (the paper's test-time use of FSF).
 *
 * @throws {CotInputError} on an empty group, an unknown strategy, or a missing / non-finite metric it needs.
 *
 * @example
 * ```ts
 * selectBestOfK([{ fsf: 0.3, length: 800 }, { fsf: 0.1, length: 1500 }], 'fsf');    // 1
 * selectBestOfK([{ fsf: 0.3, length: 800 }, { fsf: 0.1, length: 1500 }], 'length'); // 0
 * ```
 */
export function selectBestOfK(
  candidates: readonly CandidateMetrics[],
  strategy: SelectionStrategy,
  options: SelectOptions = {},
): number {
  const pool = bestCandidates(candidates, strategy);
  if (pool.length === 1) return pool[0];
  if (strategy === 'random' || options.ties === 'random')
    return pool[new Rng(options.seed ?? 0).int(pool.length)];
  return pool[0];
}
