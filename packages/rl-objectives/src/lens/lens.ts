import { handleSingleton, type SingletonPolicy, singletonPolicy, VERL_GRPO_EPS } from '../advantages/grpo.js';
import {
  assertFinite,
  assertFiniteScalar,
  assertLength,
  assertNonNegative,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError } from '../core/errors.js';
import { GroupIndex, type GroupSpec, groupMoments } from '../core/groups.js';
import { type MaskLike, rowsOf } from '../masks/masks.js';

/**
 * LENS confidence of each sequence under the rollout policy: pbar = exp(mean of its unmasked token
 * log-probs) (length-normalised probability, the paper's choice), or exp(sum) with
 * `normalise: false` (the raw sequence probability). A reward-side quantity: no gradient flows through it.
 *
 * @param logprobs flat row-major [batch, seqLen] token log-probs of the sampled tokens (<= 0).
 * @param mask same shape, 1 for response tokens, 0 for padding.
 * @throws {InvalidValueError} for NaN or positive log-probs, or a row with no tokens.
 * @example
 * ```ts
 * const { values, mask, seqLen } = padRagged([[-0.1, -0.3], [-2]]);
 * lensConfidence(values, mask, seqLen); // [exp(-0.2), exp(-2)]
 * ```
 */
export function lensConfidence(
  logprobs: NumericArray,
  mask: MaskLike,
  seqLen: number,
  options: { normalise?: boolean } = {},
): Float64Array {
  const batch = rowsOf(logprobs, mask, seqLen, 'logprobs');
  const normalise = options.normalise ?? true;
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    let count = 0;
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) {
      if (mask[t] === 0) continue;
      const lp = logprobs[t];
      if (typeof lp !== 'number' || lp - lp !== 0 || lp > 0) {
        throw new InvalidValueError(
          `logprobs[${t}] (row ${b}) is ${describe(lp)}; token log-probs must be finite and <= 0.`,
        );
      }
      sum += lp;
      count++;
    }
    if (count === 0) {
      throw new InvalidValueError(
        `row ${b} has no unmasked tokens, so its confidence is undefined; drop empty responses.`,
      );
    }
    out[b] = Math.exp(normalise ? sum / count : sum);
  }
  return out;
}

/**
 * How D(q) is estimated per group (the normaliser in the LENS calibrated reward):
 * - `'paper'` (default): mixed groups D = max(D_imp, floor * max_j pbar_j) with the importance estimate
 *   D_imp = ((1/G) sum_i r_i / pbar_i)^-1; all-wrong groups D = floor * max_j pbar_j.
 * - `'max-confidence'`: D = floor * max_j pbar_j for every group.
 * With `floor` = 2 every wrong sample's calibrated reward lies in [-1/G, 0], since D - pbar_i >= pbar_i.
 * D_imp alone is not offered: it can fall below a wrong sample's confidence and flip its reward's sign.
 *
 * @example
 * ```ts
 * lensCalibratedRewards(r, pbar, 16, { estimator: 'max-confidence' });
 * ```
 */
export type LensDEstimator = 'paper' | 'max-confidence';

/**
 * Options of {@link lensCalibratedRewards}.
 * @example
 * ```ts
 * const o: LensRewardOptions = { estimator: 'paper', floor: 2 };
 * ```
 */
export interface LensRewardOptions {
  /** Default `'paper'`. */
  estimator?: LensDEstimator;
  /** Multiplier of max_j pbar_j that bounds D from below. Default 2 (the paper's). Must be > 1. */
  floor?: number;
}

/**
 * Result of {@link lensCalibratedRewards}.
 * @example
 * ```ts
 * const { rewards, D, negativeGroup } = lensCalibratedRewards(r, pbar, 4);
 * ```
 */
export interface LensRewards {
  /** Calibrated reward per sample: r_i - (1 - r_i) (1/G) pbar_i / (D - pbar_i). */
  rewards: Float64Array;
  /** D(q) per group. */
  D: Float64Array;
  /** 1 for all-wrong ("negative") groups (every r = 0), per group. */
  negativeGroup: Uint8Array;
}

/**
 * LENS calibrated rewards (arXiv 2510.08696): correct samples keep r = 1, a wrong one gets
 * -(1/G) pbar_i / (D - pbar_i), more negative the more confident the mistake. Rewards must lie in [0, 1]
 * (binary correctness; partial credit is allowed by the formula) and confidences in [0, 1].
 *
 * The paper's text leaves open whether D_imp averages r / pbar (length-normalised) or r / p(y) (raw sequence
 * probability). This takes whatever confidences you pass: {@link lensConfidence} gives pbar by default
 * (our reading: it is on the same scale as the floor term) and the raw probability with `normalise: false`.
 *
 * @example
 * ```ts
 * // one mixed group of 4: two right, two wrong with confidences 0.5 and 0.2
 * const { rewards, D } = lensCalibratedRewards([1, 1, 0, 0], [0.8, 0.4, 0.5, 0.2], 4);
 * // D_imp = (0.25 * (1/0.8 + 1/0.4))^-1 = 1.0667, floor 2 * 0.8 = 1.6 -> D = 1.6
 * // rewards = [1, 1, -0.25 * 0.5 / 1.1, -0.25 * 0.2 / 1.4]
 * ```
 */
export function lensCalibratedRewards(
  rewards: NumericArray,
  confidence: NumericArray,
  groups: GroupSpec,
  options: LensRewardOptions = {},
): LensRewards {
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  assertLength(confidence, n, 'confidence', 'rewards');
  checkUnit(rewards, 'rewards');
  checkUnit(confidence, 'confidence');
  const estimator = options.estimator ?? 'paper';
  if (estimator !== 'paper' && estimator !== 'max-confidence') {
    throw new InvalidValueError(`estimator must be 'paper' or 'max-confidence', got ${describe(estimator)}.`);
  }
  const floor = options.floor ?? 2;
  assertFiniteScalar(floor, 'floor');
  if (floor <= 1)
    throw new InvalidValueError(`floor must be > 1 so that D exceeds every confidence, got ${floor}.`);
  const count = index.count;
  const maxConf = new Float64Array(count);
  const impSum = new Float64Array(count); // sum_i r_i / pbar_i
  const positive = new Uint8Array(count);
  let impInfinite = new Uint8Array(0);
  const G = index.uniformSize;
  const groupOf = G > 0 ? null : index.groupOf;
  for (let i = 0; i < n; i++) {
    const g = groupOf === null ? (i / G) | 0 : groupOf[i];
    const c = confidence[i];
    const r = rewards[i];
    if (c > maxConf[g]) maxConf[g] = c;
    if (r > 0) {
      positive[g] = 1;
      if (c === 0) {
        // r / 0: D_imp = 0, so the floor decides; remember it instead of summing Infinity.
        if (impInfinite.length === 0) impInfinite = new Uint8Array(count);
        impInfinite[g] = 1;
      } else {
        impSum[g] += r / c;
      }
    }
  }
  const D = new Float64Array(count);
  const negativeGroup = new Uint8Array(count);
  for (let g = 0; g < count; g++) {
    const floorD = floor * maxConf[g];
    if (!positive[g]) {
      negativeGroup[g] = 1;
      D[g] = floorD;
    } else if (estimator === 'max-confidence' || (impInfinite.length > 0 && impInfinite[g])) {
      D[g] = floorD;
    } else {
      const dImp = index.sizes[g] / impSum[g];
      D[g] = Math.max(dImp, floorD);
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = groupOf === null ? (i / G) | 0 : groupOf[i];
    const r = rewards[i];
    const c = confidence[i];
    // A group whose confidences are all 0 has D = 0; its wrong samples were "infinitely unconfident": no penalty.
    const penalty = c === 0 ? 0 : c / (D[g] - c) / index.sizes[g];
    out[i] = r - (1 - r) * penalty;
  }
  return { rewards: out, D, negativeGroup };
}

/**
 * Options of {@link lensAdvantages}.
 * @example
 * ```ts
 * const o: LensAdvantageOptions = { alpha: 0.25, eps: 1e-6 };
 * ```
 */
export interface LensAdvantageOptions extends LensRewardOptions {
  /** Weight of the (mean-centred, not std-scaled) advantages of all-wrong groups. Default 0.25. */
  alpha?: number;
  /** GRPO epsilon for mixed groups. Default 1e-6 (verl). */
  eps?: number;
  /** Bessel-corrected std for mixed groups. Default true. */
  bessel?: boolean;
  /** Groups of one sample. Default `'zero'`. */
  singletons?: SingletonPolicy;
}

/**
 * Result of {@link lensAdvantages}: the advantages plus the calibrated rewards they came from.
 * @example
 * ```ts
 * const { advantages, rewards, D, negativeGroup } = lensAdvantages(r, pbar, 16);
 * ```
 */
export interface LensAdvantages extends LensRewards {
  /** One per sample: GRPO on mixed groups, alpha (r~ - mean) on all-wrong ones, 0 on all-correct ones. */
  advantages: Float64Array;
}

/**
 * LENS advantages: GRPO, (r~ - mean) / (std + eps), on the calibrated rewards r~ of mixed groups, plus
 * alpha * (r~ - mean), mean-centred and NOT std-scaled, on all-wrong groups (which plain GRPO wastes).
 * All-correct groups get 0 (their calibrated rewards are all 1).
 *
 * @example
 * ```ts
 * const { advantages } = lensAdvantages([0, 0, 0, 0], [0.5, 0.1, 0.1, 0.1], 4);
 * // D = 1, r~ = [-0.25, -0.0278, -0.0278, -0.0278]; advantages = 0.25 * (r~ - mean(r~))
 * ```
 */
export function lensAdvantages(
  rewards: NumericArray,
  confidence: NumericArray,
  groups: GroupSpec,
  options: LensAdvantageOptions = {},
): LensAdvantages {
  const alpha = options.alpha ?? 0.25;
  assertFiniteScalar(alpha, 'alpha');
  const eps = options.eps ?? VERL_GRPO_EPS;
  assertNonNegative(eps, 'eps');
  const singletons = singletonPolicy(options.singletons);
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  const calibrated = lensCalibratedRewards(rewards, confidence, index, options);
  const r = calibrated.rewards;
  const { mean, std } = groupMoments(r, index, options.bessel ?? true);
  const mult = std;
  for (let g = 0; g < index.count; g++) {
    if (index.sizes[g] === 1) {
      handleSingleton(singletons, index, g);
      if (singletons === 'verl') {
        mean[g] = 0;
        mult[g] = calibrated.negativeGroup[g] ? alpha : 1 / (1 + eps);
      } else {
        mult[g] = 0;
      }
    } else {
      mult[g] = calibrated.negativeGroup[g] ? alpha : 1 / (std[g] + eps);
    }
  }
  const advantages = new Float64Array(n);
  const G = index.uniformSize;
  const groupOf = G > 0 ? null : index.groupOf;
  for (let i = 0; i < n; i++) {
    const g = groupOf === null ? (i / G) | 0 : groupOf[i];
    advantages[i] = (r[i] - mean[g]) * mult[g];
  }
  return { ...calibrated, advantages };
}

function checkUnit(values: NumericArray, what: string): void {
  assertFinite(values, what);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < 0 || x > 1) {
      throw new InvalidValueError(
        `${what}[${i}] is ${x}; LENS needs ${what} in [0, 1] (${what === 'rewards' ? 'binary correctness, or partial credit scaled to [0, 1]' : 'probabilities, e.g. from lensConfidence'}).`,
      );
    }
  }
}
