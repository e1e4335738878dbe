import {
  assertFinite,
  assertFiniteScalar,
  assertLength,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError } from '../core/errors.js';
import { type MaskLike, rowsOf } from '../masks/masks.js';

/**
 * Per-token KL estimators of KL(pi || pi_ref) from the sampled token's log-probs (Schulman's k1/k2/k3):
 * - `'k1'`: logp - ref (unbiased, high variance, can be negative);
 * - `'k2'`: (logp - ref)^2 / 2;
 * - `'k3'`: e^(ref - logp) - (ref - logp) - 1 (unbiased, >= 0, low variance; TRL GRPO's `per_token_kl`,
 *   verl `low_var_kl`).
 * @example
 * ```ts
 * klPerToken([-1], [-1.5], { estimator: 'k1' }).values; // [0.5]
 * ```
 */
export type KlEstimator = 'k1' | 'k2' | 'k3';

/**
 * Options of {@link klPerToken}.
 * @example
 * ```ts
 * const verlLowVarKl: KlOptions = { estimator: 'k3', clampLogRatio: 20, clampValue: 10 };
 * ```
 */
export interface KlOptions {
  /** Default `'k3'`. */
  estimator?: KlEstimator;
  /** k3 only: clamp ref - logp to [-c, c] first (verl `low_var_kl` uses 20). Default: none (TRL). */
  clampLogRatio?: number;
  /** k3 only: clamp the estimate to [-c, c] (verl `low_var_kl` uses 10). Default: none (TRL). */
  clampValue?: number;
}

/**
 * Per-token KL estimates and their derivatives with respect to the policy log-prob (what autograd gives;
 * a clamp that is active zeroes the derivative, like torch.clamp).
 *
 * @example
 * ```ts
 * const { values, grad } = klPerToken([-1.2, -0.3], [-1.0, -0.5]); // k3
 * // values[0] = e^0.2 - 0.2 - 1 = 0.0214, grad[0] = 1 - e^0.2 = -0.2214
 * ```
 */
export function klPerToken(
  logprobs: NumericArray,
  refLogprobs: NumericArray,
  options: KlOptions = {},
): {
  /** The KL estimate of each token (nats), clamped when clamps are set. */
  values: Float64Array;
  /** d values[i] / d logprobs[i]; 0 where a clamp is active. */
  grad: Float64Array;
} {
  const estimator = options.estimator ?? 'k3';
  if (estimator !== 'k1' && estimator !== 'k2' && estimator !== 'k3') {
    throw new InvalidValueError(`estimator must be 'k1', 'k2' or 'k3', got ${describe(estimator)}.`);
  }
  const cr = options.clampLogRatio ?? Number.POSITIVE_INFINITY;
  const cv = options.clampValue ?? Number.POSITIVE_INFINITY;
  if (options.clampLogRatio !== undefined) assertFiniteScalar(cr, 'clampLogRatio');
  if (options.clampValue !== undefined) assertFiniteScalar(cv, 'clampValue');
  assertLength(refLogprobs, logprobs.length, 'refLogprobs', 'logprobs');
  assertFinite(logprobs, 'logprobs');
  assertFinite(refLogprobs, 'refLogprobs');
  const n = logprobs.length;
  const values = new Float64Array(n);
  const grad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = logprobs[i] - refLogprobs[i];
    if (estimator === 'k1') {
      values[i] = d;
      grad[i] = 1;
    } else if (estimator === 'k2') {
      values[i] = 0.5 * d * d;
      grad[i] = d;
    } else {
      const raw = -d; // ref - logp
      const x = raw < -cr ? -cr : Math.min(raw, cr);
      const e = Math.exp(x);
      // expm1 keeps precision near x = 0, where e^x - x - 1 cancels; the true value is never negative.
      const v = Math.max(0, Math.expm1(x) - x);
      const vc = v < -cv ? -cv : Math.min(v, cv);
      values[i] = vc;
      // d/dlogp of e^x - x - 1 with x = ref - logp is 1 - e^x; an active clamp passes no gradient.
      grad[i] = raw < -cr || raw > cr || v < -cv || v > cv ? 0 : 1 - e;
    }
  }
  return { values, grad };
}

/**
 * KL as a reward penalty (verl `use_kl_in_reward`, summed per sequence): r_b - beta * sum_t mask * kl_t.
 *
 * @example
 * ```ts
 * klPenalizedRewards([1], [-1, -2], [-1.5, -2], [1, 1], 2, { beta: 0.1, estimator: 'k1' }); // [0.95]
 * ```
 */
export function klPenalizedRewards(
  rewards: NumericArray,
  logprobs: NumericArray,
  refLogprobs: NumericArray,
  mask: MaskLike,
  seqLen: number,
  options: KlOptions & { beta: number },
): Float64Array {
  assertFiniteScalar(options.beta, 'beta');
  const batch = rowsOf(logprobs, mask, seqLen, 'logprobs');
  assertLength(rewards, batch, 'rewards', 'the logprobs rows');
  assertFinite(rewards, 'rewards');
  const { values } = klPerToken(logprobs, refLogprobs, options);
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let s = 0;
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) if (mask[t] === 1) s += values[t];
    out[b] = rewards[b] - options.beta * s;
  }
  return out;
}
