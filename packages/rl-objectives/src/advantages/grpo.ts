import { assertFinite, assertNonNegative, type NumericArray, oneOf, outputArray } from '../core/arrays.js';
import { GroupError } from '../core/errors.js';
import { GroupIndex, type GroupSpec, groupMoments } from '../core/groups.js';

/**
 * TRL `GRPOTrainer`'s epsilon in `(r - mean) / (std + eps)`.
 * @example
 * ```ts
 * grpoAdvantages(rewards, 16, { eps: TRL_GRPO_EPS });
 * ```
 */
export const TRL_GRPO_EPS = 1e-4;

/**
 * verl's `compute_grpo_outcome_advantage` epsilon (the default here).
 * @example
 * ```ts
 * grpoAdvantages(rewards, 16, { eps: VERL_GRPO_EPS });
 * ```
 */
export const VERL_GRPO_EPS = 1e-6;

/**
 * What to do with a group of one sample, whose standard deviation is undefined:
 * - `'zero'` (default): advantage 0. The sample is its own group mean, so there is no relative signal;
 *   this is also what TRL would give if torch.std of one value were not NaN (TRL requires G >= 2).
 * - `'verl'`: verl's rule: group mean 0 and std 1, so GRPO gives r / (1 + eps), Dr.GRPO and RLOO give r.
 * - `'error'`: throw {@link GroupError}.
 *
 * @example
 * ```ts
 * grpoAdvantages([1, 1, 0], ['a', 'a', 'b'], { singletons: 'verl' }); // [0, 0, 0]
 * ```
 */
export type SingletonPolicy = 'zero' | 'verl' | 'error';

/**
 * Options of {@link grpoAdvantages}.
 * @example
 * ```ts
 * const trl: GrpoOptions = { eps: 1e-4, scale: 'group' };
 * ```
 */
export interface GrpoOptions {
  /** Added to the std before dividing. Default 1e-6 (verl); TRL uses 1e-4 ({@link TRL_GRPO_EPS}). */
  eps?: number;
  /**
   * Which std divides the centred reward (TRL's `scale_rewards`): `'group'` (default, original GRPO),
   * `'batch'` (std of all rewards in the batch, TRL's "batch"), `'none'` (Dr.GRPO: no scaling).
   */
  scale?: 'group' | 'batch' | 'none';
  /** Bessel-corrected (unbiased) std like torch.std, as TRL and verl do. Default true. */
  bessel?: boolean;
  /** Groups of one sample: see {@link SingletonPolicy}. Default `'zero'`. */
  singletons?: SingletonPolicy;
  /** Write into this Float64Array (length = number of samples) instead of allocating. */
  out?: Float64Array;
}

/**
 * GRPO group-relative advantages: A_i = (r_i - mean_g) / (std_g + eps), std with Bessel's correction
 * (torch.std, unbiased), eps 1e-6 (verl) or 1e-4 (TRL). `scale: 'batch'` divides by the std of the whole
 * batch (TRL `scale_rewards="batch"`), `scale: 'none'` is Dr.GRPO. Rewards are per-sequence (outcome)
 * rewards; broadcast to tokens with {@link broadcastToTokens}.
 *
 * @throws {InvalidValueError} for NaN / infinite rewards or a negative eps; {@link GroupError} /
 *   {@link ShapeError} for bad groups.
 * @example
 * ```ts
 * const adv = grpoAdvantages([1, 0, 0, 0,  1, 1, 0, 0], 4);
 * // group 1: mean 0.25, std 0.5 -> [1.5, -0.5, -0.5, -0.5] (up to eps)
 * ```
 */
export function grpoAdvantages(
  rewards: NumericArray,
  groups: GroupSpec,
  options: GrpoOptions = {},
): Float64Array {
  const eps = options.eps ?? VERL_GRPO_EPS;
  const scale = oneOf(options.scale ?? 'group', ['group', 'batch', 'none'] as const, 'scale');
  const bessel = options.bessel ?? true;
  const singletons = singletonPolicy(options.singletons);
  assertNonNegative(eps, 'eps');
  const n = rewards.length;
  const index = GroupIndex.from(groups, n);
  assertFinite(rewards, 'rewards');
  const out = outputArray(n, options.out);
  const { mean, std } = groupMoments(rewards, index, bessel);
  const count = index.count;
  // One multiplier per group: 1 / (std + eps), or a batch-wide one; singletons get theirs here too.
  const inv = std; // reuse the buffer: std is not needed afterwards
  const batchInv = scale === 'batch' ? 1 / (batchStd(rewards, bessel) + eps) : 1;
  for (let g = 0; g < count; g++) {
    if (index.sizes[g] === 1) {
      handleSingleton(singletons, index, g);
      if (singletons === 'verl') {
        mean[g] = 0;
        inv[g] = scale === 'group' ? 1 / (1 + eps) : batchInv;
      } else {
        inv[g] = 0;
      }
    } else {
      inv[g] = scale === 'group' ? 1 / (std[g] + eps) : batchInv;
    }
  }
  writeScaled(rewards, index, mean, inv, out);
  return out;
}

/**
 * Dr.GRPO ("GRPO done right") advantages: A_i = r_i - mean_g, no std scaling (verl
 * `norm_adv_by_std_in_grpo=False`, TRL `scale_rewards="none"`). Pair it with the
 * `seq-mean-token-sum-norm` aggregation.
 *
 * @example
 * ```ts
 * drGrpoAdvantages([1, 0, 0, 0], 4); // [0.75, -0.25, -0.25, -0.25]
 * ```
 */
export function drGrpoAdvantages(
  rewards: NumericArray,
  groups: GroupSpec,
  options: Pick<GrpoOptions, 'singletons' | 'out'> = {},
): Float64Array {
  return grpoAdvantages(rewards, groups, { ...options, scale: 'none' });
}

/**
 * Per-group statistics of a batch, for logging: mean, std (Bessel by default), size, and how many groups
 * have zero reward spread (they give GRPO / RLOO no gradient; TRL logs this as `frac_reward_zero_std`).
 *
 * @example
 * ```ts
 * const s = groupStats([1, 1, 0, 1], 2);
 * s.zeroStdGroups; // 1
 * ```
 */
export function groupStats(
  rewards: NumericArray,
  groups: GroupSpec,
  options: { bessel?: boolean } = {},
): {
  /** Mean reward of each group, in group order (order of first appearance). */
  mean: Float64Array;
  /** Reward std of each group (Bessel-corrected unless `bessel: false`; NaN for a singleton with Bessel). */
  std: Float64Array;
  /** Samples per group. */
  sizes: Int32Array;
  /** Each group's id (its index 0, 1, ... for a uniform group size). */
  keys: readonly (string | number)[];
  /** Groups whose rewards are all equal (singletons included): they carry no GRPO / RLOO signal. */
  zeroStdGroups: number;
} {
  const index = GroupIndex.from(groups, rewards.length);
  assertFinite(rewards, 'rewards');
  const { mean, std } = groupMoments(rewards, index, options.bessel ?? true);
  let zeroStdGroups = 0;
  for (let g = 0; g < index.count; g++) {
    // A singleton has no spread either (its Bessel std is NaN).
    if (index.sizes[g] === 1 || std[g] === 0) zeroStdGroups++;
  }
  return { mean, std, sizes: index.sizes, keys: index.keys, zeroStdGroups };
}

/**
 * Std of all rewards (torch `rewards.std()`); 0 for fewer than two samples.
 * @example
 * ```ts
 * batchStd([1, 0, 0, 1], true); // 0.5774
 * ```
 */
export function batchStd(rewards: NumericArray, bessel: boolean): number {
  const n = rewards.length;
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rewards[i];
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = rewards[i] - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (bessel ? n - 1 : n));
}

/**
 * Validate a {@link SingletonPolicy} option (default `'zero'`).
 * @example
 * ```ts
 * const policy = singletonPolicy(options.singletons);
 * ```
 */
export function singletonPolicy(value: unknown): SingletonPolicy {
  return oneOf(value ?? 'zero', ['zero', 'verl', 'error'] as const, 'singletons');
}

/**
 * Apply the singleton policy's error case (throws {@link GroupError} for `'error'`).
 * @example
 * ```ts
 * if (index.sizes[g] === 1) handleSingleton(policy, index, g);
 * ```
 */
export function handleSingleton(policy: SingletonPolicy, index: GroupIndex, g: number): void {
  if (policy === 'error') {
    throw new GroupError(
      `group ${JSON.stringify(index.keys[g])} has a single sample, so it has no baseline; sample at least 2 completions per prompt, or pass singletons: 'zero' | 'verl'.`,
    );
  }
}

/**
 * out_i = (r_i - center_g) * mult_g over the grouping (uniform fast path without an index array).
 * @example
 * ```ts
 * writeScaled(rewards, index, mean, invStd, out);
 * ```
 */
export function writeScaled(
  rewards: NumericArray,
  index: GroupIndex,
  center: Float64Array,
  mult: Float64Array,
  out: Float64Array,
): void {
  const G = index.uniformSize;
  if (G > 0) {
    for (let g = 0, s = 0; g < index.count; g++, s += G) {
      const m = center[g];
      const k = mult[g];
      for (let i = s; i < s + G; i++) out[i] = (rewards[i] - m) * k;
    }
    return;
  }
  const groupOf = index.groupOf;
  for (let i = 0; i < index.length; i++) {
    const g = groupOf[i];
    out[i] = (rewards[i] - center[g]) * mult[g];
  }
}
