import {
  assertFinite,
  assertLength,
  assertNonNegative,
  describe,
  type NumericArray,
  outputArray,
} from '../core/arrays.js';
import { GroupError, InvalidValueError, ShapeError } from '../core/errors.js';
import { GroupIndex, type GroupSpec, groupMoments } from '../core/groups.js';
import { handleSingleton, type SingletonPolicy, singletonPolicy } from './grpo.js';

/**
 * Options of {@link reinforceAdvantages}.
 * @example
 * ```ts
 * const o: ReinforceOptions = { baseline: 0.5 };
 * ```
 */
export interface ReinforceOptions {
  /**
   * The baseline b in A = r - b: a number (a fixed V), one value per sample (e.g. a value model's
   * estimates), or `'batch-mean'` (the mean reward of the batch; default).
   */
  baseline?: number | NumericArray | 'batch-mean';
  /** Write into this Float64Array instead of allocating. */
  out?: Float64Array;
}

/**
 * REINFORCE with a baseline: A_i = r_i - b_i. With a per-group mean as baseline this is Dr.GRPO
 * ({@link drGrpoAdvantages}); with V slightly below the behaviour policy's mean it is AsymRE
 * ({@link asymreAdvantages}).
 *
 * @example
 * ```ts
 * reinforceAdvantages([1, 0, 1, 1]);                  // batch mean 0.75 -> [0.25, -0.75, 0.25, 0.25]
 * reinforceAdvantages([1, 0], { baseline: 0.4 });     // [0.6, -0.4]
 * ```
 */
export function reinforceAdvantages(rewards: NumericArray, options: ReinforceOptions = {}): Float64Array {
  const n = rewards.length;
  if (n === 0) throw new GroupError('there are no samples (rewards is empty); pass at least one reward.');
  assertFinite(rewards, 'rewards');
  const out = outputArray(n, options.out);
  const baseline = options.baseline ?? 'batch-mean';
  if (baseline === 'batch-mean') {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rewards[i];
    const m = sum / n;
    for (let i = 0; i < n; i++) out[i] = rewards[i] - m;
  } else if (typeof baseline === 'number') {
    if (baseline - baseline !== 0)
      throw new InvalidValueError(`baseline must be a finite number, got ${describe(baseline)}.`);
    for (let i = 0; i < n; i++) out[i] = rewards[i] - baseline;
  } else if (baseline !== null && typeof baseline === 'object' && typeof baseline.length === 'number') {
    assertLength(baseline, n, 'baseline', 'rewards');
    assertFinite(baseline, 'baseline');
    for (let i = 0; i < n; i++) out[i] = rewards[i] - baseline[i];
  } else {
    throw new InvalidValueError(
      `baseline must be a number, an array with one value per sample, or 'batch-mean'; got ${describe(baseline)}.`,
    );
  }
  return out;
}

/**
 * Options of {@link reinforcePlusPlusAdvantages}.
 * @example
 * ```ts
 * const o: ReinforcePlusPlusOptions = { baseline: 'group-mean', groups: 8, tokenCounts: lengths };
 * ```
 */
export interface ReinforcePlusPlusOptions {
  /**
   * `'none'` (default): whiten the raw rewards (verl `reinforce_plus_plus`, gamma = 1).
   * `'group-mean'`: subtract the group mean first, then whiten (verl `reinforce_plus_plus_baseline`).
   */
  baseline?: 'none' | 'group-mean';
  /** Required with `baseline: 'group-mean'`. */
  groups?: GroupSpec;
  /** Groups of one sample under `'group-mean'`. Default `'zero'`; `'verl'` keeps r (verl's mean 0). */
  singletons?: SingletonPolicy;
  /**
   * Number of response tokens of each sample. verl whitens over TOKENS (every valid token carries its
   * sequence's return), i.e. each sample weighs as much as its length; pass the lengths to reproduce that.
   * Default: every sample weighs 1 (sequence-level whitening).
   */
  tokenCounts?: NumericArray;
  /** Added to the variance before the square root (verl `masked_whiten`: 1e-8). */
  eps?: number;
  /** Write into this Float64Array instead of allocating. */
  out?: Float64Array;
}

/**
 * REINFORCE++ advantages: batch whitening A = (x - mean) / sqrt(var + 1e-8) of the outcome rewards x (or of
 * r - group mean, with `baseline: 'group-mean'`); mean and Bessel-corrected variance over the batch,
 * token-weighted when `tokenCounts` are given (verl `masked_whiten`, whose Bessel factor uses the token
 * count). Assumes gamma = 1 and the reward on the last token (verl's default), so every token of a sample
 * carries the same advantage.
 *
 * @throws {GroupError} when the total weight is <= 1 (the unbiased variance is undefined; verl raises too).
 * @example
 * ```ts
 * reinforcePlusPlusAdvantages([1, 0, 0, 1]); // [0.866, -0.866, -0.866, 0.866] (std 0.577)
 * ```
 */
export function reinforcePlusPlusAdvantages(
  rewards: NumericArray,
  options: ReinforcePlusPlusOptions = {},
): Float64Array {
  const n = rewards.length;
  if (n === 0) throw new GroupError('there are no samples (rewards is empty); pass at least one reward.');
  assertFinite(rewards, 'rewards');
  const eps = options.eps ?? 1e-8;
  assertNonNegative(eps, 'eps');
  const out = outputArray(n, options.out);
  const baseline = options.baseline ?? 'none';
  if (baseline === 'group-mean') {
    if (options.groups === undefined) {
      throw new ShapeError(
        "baseline: 'group-mean' needs options.groups (a group size or one group id per sample).",
      );
    }
    const index = GroupIndex.from(options.groups, n);
    const singletons = singletonPolicy(options.singletons);
    const { mean } = groupMoments(rewards, index, false);
    for (let g = 0; g < index.count; g++) {
      if (index.sizes[g] === 1) {
        handleSingleton(singletons, index, g);
        if (singletons === 'verl') mean[g] = 0;
      }
    }
    const G = index.uniformSize;
    const groupOf = G > 0 ? null : index.groupOf;
    for (let i = 0; i < n; i++) out[i] = rewards[i] - mean[groupOf === null ? (i / G) | 0 : groupOf[i]];
  } else if (baseline === 'none') {
    for (let i = 0; i < n; i++) out[i] = rewards[i];
  } else {
    throw new InvalidValueError(`baseline must be 'none' or 'group-mean', got ${describe(baseline)}.`);
  }
  const w = options.tokenCounts;
  if (w !== undefined) {
    assertLength(w, n, 'tokenCounts', 'rewards');
    assertFinite(w, 'tokenCounts');
    for (let i = 0; i < n; i++) {
      if (w[i] < 0) throw new InvalidValueError(`tokenCounts[${i}] is ${w[i]}; token counts must be >= 0.`);
    }
  }
  let W = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i];
    W += wi;
    sum += wi * out[i];
  }
  if (W <= 1) {
    throw new GroupError(
      `whitening needs a total weight above 1 for the unbiased variance, got ${W}; pass more samples (or tokens).`,
    );
  }
  const mean = sum / W;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = out[i] - mean;
    ss += (w === undefined ? 1 : w[i]) * d * d;
  }
  // masked_var: mean of squared deviations times the Bessel factor W / (W - 1).
  const variance = (ss / W) * (W / (W - 1));
  const k = 1 / Math.sqrt(variance + eps);
  for (let i = 0; i < n; i++) out[i] = (out[i] - mean) * k;
  return out;
}
