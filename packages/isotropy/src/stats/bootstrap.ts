import { Rng } from '@proj/runtime';
import { StatsInputError } from '../errors.js';
import { finiteCopy, type Numbers } from './validate.js';

/**
 * The q-th percentile (q in [0, 100]) of `values` with linear interpolation between order statistics,
 * matching `numpy.percentile`'s default method.
 *
 * @throws {StatsInputError} on an empty input, a non-finite value, or q outside [0, 100].
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2.5
 * ```
 */
export function percentile(values: Numbers, q: number): number {
  if (!(q >= 0 && q <= 100)) {
    throw new StatsInputError(`percentile: q must be in [0, 100], got ${String(q)}.`);
  }
  const xs = finiteCopy('percentile', 'values', values);
  if (xs.length === 0) throw new StatsInputError('percentile: values is empty; pass at least one number.');
  xs.sort();
  return percentileSorted(xs, q);
}

function percentileSorted(sorted: Float64Array, q: number): number {
  const h = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** A point estimate with a bootstrap percentile confidence interval. */
export interface BootstrapInterval {
  /** The statistic on the full sample. */
  estimate: number;
  /** Lower end of the interval (NaN when no replicate was defined). */
  lower: number;
  /** Upper end of the interval (NaN when no replicate was defined). */
  upper: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  /** Replicates that gave a defined value (a resample can be degenerate, e.g. one class only for AUROC). */
  replicates: number;
  /** Replicates requested. */
  requested: number;
}

/** Options of {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Number of resamples. Default 1000. */
  reps?: number;
  /** Seed of the resampling stream (`Rng` from @proj/runtime). Default 0. */
  seed?: number;
  /** Two-sided confidence level in (0, 1). Default 0.95. */
  level?: number;
}

/**
 * A statistic over a resample of items: `indices[k]` is the k-th drawn item (0-based, with repeats).
 * Return NaN when the resample is degenerate; such replicates are left out of the interval.
 */
export type ResampleStatistic = (indices: Uint32Array) => number;

/**
 * Nonparametric bootstrap percentile interval: draw `reps` resamples of the `n` items with replacement
 * (seeded, reproducible), evaluate `statistic` on each, and take the (1 - level)/2 and (1 + level)/2
 * percentiles of the defined replicates. Paired data stay paired because the statistic indexes all of its
 * columns with the same indices.
 *
 * @throws {StatsInputError} on n < 2, reps < 1, or level outside (0, 1).
 * @example
 * ```ts
 * const x = [0.1, 0.4, 0.35, 0.8, 0.6], y = [0.9, 0.6, 0.7, 0.2, 0.5];
 * const mean = (idx: Uint32Array) => idx.reduce((s, i) => s + x[i] - y[i], 0) / idx.length;
 * const ci = bootstrapInterval(x.length, mean, { reps: 2000, seed: 1 }); // ci.lower <= ci.estimate <= ci.upper
 * ```
 */
export function bootstrapInterval(
  n: number,
  statistic: ResampleStatistic,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const { reps = 1000, seed = 0, level = 0.95 } = options;
  checkOptions(n, reps, level);
  const rng = new Rng(seed);
  const idx = new Uint32Array(n);
  const replicates = new Float64Array(reps);
  let valid = 0;
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < n; k++) idx[k] = rng.int(n);
    const v = statistic(idx);
    if (Number.isFinite(v)) replicates[valid++] = v;
  }
  return summarize(n, statistic, replicates.subarray(0, valid), reps, level);
}

/**
 * The same interval from resamples given explicitly (e.g. drawn by another tool, for a like-for-like
 * comparison): `resamples[r]` lists the item indices of resample r.
 *
 * @throws {StatsInputError} on an index outside [0, n) or a resample of the wrong length.
 * @example
 * ```ts
 * const mean = (idx: Uint32Array) => idx.reduce((s, i) => s + [1, 2, 3][i], 0) / idx.length;
 * bootstrapIntervalFromResamples(3, mean, [[0, 0, 1], [2, 2, 1]], 0.9);
 * ```
 */
export function bootstrapIntervalFromResamples(
  n: number,
  statistic: ResampleStatistic,
  resamples: readonly (readonly number[])[],
  level = 0.95,
): BootstrapInterval {
  checkOptions(n, resamples.length, level);
  const idx = new Uint32Array(n);
  const replicates = new Float64Array(resamples.length);
  let valid = 0;
  resamples.forEach((sample, r) => {
    if (sample.length !== n) {
      throw new StatsInputError(
        `bootstrapIntervalFromResamples: resample ${r} has ${sample.length} indices, not ${n}.`,
      );
    }
    for (let k = 0; k < n; k++) {
      const i = sample[k];
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw new StatsInputError(
          `bootstrapIntervalFromResamples: resample ${r} holds index ${i}, outside [0, ${n}).`,
        );
      }
      idx[k] = i;
    }
    const v = statistic(idx);
    if (Number.isFinite(v)) replicates[valid++] = v;
  });
  return summarize(n, statistic, replicates.subarray(0, valid), resamples.length, level);
}

function checkOptions(n: number, reps: number, level: number): void {
  if (!Number.isInteger(n) || n < 2) {
    throw new StatsInputError(`bootstrap: needs at least 2 items, got ${n}.`);
  }
  if (!Number.isInteger(reps) || reps < 1) {
    throw new StatsInputError(`bootstrap: reps must be a positive integer, got ${reps}.`);
  }
  if (!(level > 0 && level < 1)) {
    throw new StatsInputError(`bootstrap: level must be in (0, 1), e.g. 0.95; got ${level}.`);
  }
}

function summarize(
  n: number,
  statistic: ResampleStatistic,
  replicates: Float64Array,
  requested: number,
  level: number,
): BootstrapInterval {
  const identity = new Uint32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const estimate = statistic(identity);
  if (replicates.length === 0) {
    return { estimate, lower: Number.NaN, upper: Number.NaN, level, replicates: 0, requested };
  }
  replicates.sort();
  const alpha = (1 - level) / 2;
  return {
    estimate,
    lower: percentileSorted(replicates, 100 * alpha),
    upper: percentileSorted(replicates, 100 * (1 - alpha)),
    level,
    replicates: replicates.length,
    requested,
  };
}
