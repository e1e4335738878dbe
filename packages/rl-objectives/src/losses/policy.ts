import {
  assertFinite,
  assertFiniteScalar,
  assertLength,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { type KlEstimator, klPerToken } from '../kl/kl.js';
import { type MaskLike, rowsOf } from '../masks/masks.js';
import { type AggregationOptions, aggregationWeights, type LossAggregation } from './aggregate.js';

/**
 * Per-token policy-gradient losses (verl `core_algos` semantics, to be minimised):
 * - `'reinforce'`: -A * logp (no ratio; also AsymRE's off-policy loss);
 * - `'ppo'`: max(-A rho, -A clip(rho, 1 - clipLow, 1 + clipHigh)), rho = exp(logp - old) with the log-ratio
 *   clamped to [-20, 20]; with `dualClip` c (> 1) negative-advantage tokens are further capped at -A c
 *   (dual-clip PPO, verl `clip_ratio_c` = 3);
 * - `'cispo'`: -sg(clip(rho, 1 - clipLow, 1 + clipHigh)) * A * logp (MiniMax-M1; the clipped ratio is a
 *   constant weight, so every token keeps a gradient);
 * - `'gspo'`: PPO clipping on the sequence ratio s = exp(mean_t(logp - old)) (GSPO), in verl's token form
 *   s_t = sg(s) * pi / sg(pi), log-ratio clamped at 10.
 * @example
 * ```ts
 * policyLoss('ppo', { logprobs, oldLogprobs, advantages, mask, seqLen }, { clipLow: 0.2, clipHigh: 0.28 });
 * ```
 */
export type PolicyLossKind = 'reinforce' | 'ppo' | 'cispo' | 'gspo';

/**
 * Inputs of the policy losses, in the padded layout: flat row-major [batch, seqLen] arrays sharing `mask`.
 * @example
 * ```ts
 * const input: PolicyLossInput = { logprobs, oldLogprobs, advantages: seqAdv, mask, seqLen: 128 };
 * ```
 */
export interface PolicyLossInput {
  /** Log-probs of the sampled tokens under the current policy (the variable the gradient is taken for). */
  logprobs: NumericArray;
  /** Under the behaviour (old / rollout) policy. Required except for `'reinforce'`. */
  oldLogprobs?: NumericArray;
  /** One advantage per sequence (length batch) or per token (length batch * seqLen). */
  advantages: NumericArray;
  /** 1 for the response tokens that count, 0 for padding; flat [batch, seqLen] (see {@link MaskLike}). */
  mask: MaskLike;
  /** Padded sequence length: the arrays hold batch * seqLen entries. */
  seqLen: number;
}

/**
 * Options of the policy losses.
 * @example
 * ```ts
 * const dapo: PolicyLossOptions = { clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' };
 * ```
 */
export interface PolicyLossOptions extends AggregationOptions {
  /** Lower clip range eps_low (ratio >= 1 - eps_low). Default 0.2. */
  clipLow?: number;
  /** Upper clip range eps_high (ratio <= 1 + eps_high). Default 0.2. */
  clipHigh?: number;
  /** PPO only: dual-clip constant c > 1 (verl uses 3). Default: off (TRL has no dual clip). */
  dualClip?: number;
  /** Per-token weights multiplying the policy-gradient term (verl `rollout_is_weights`: importance
   * correction for stale samples). */
  tokenWeights?: NumericArray;
  /** Coefficient beta of a KL-to-reference term added per token (TRL GRPO `beta`, verl `kl_loss_coef`). */
  klCoef?: number;
  /** Reference-policy log-probs; required when klCoef != 0. */
  refLogprobs?: NumericArray;
  /** KL estimator of the loss term. Default `'k3'`. */
  klEstimator?: KlEstimator;
  /** How tokens are aggregated; default `'token-mean'`, and `'seq-mean-token-mean'` for GSPO (as verl). */
  aggregation?: LossAggregation;
}

/**
 * Per-token loss values and derivatives, plus the clipping metrics verl logs.
 * @example
 * ```ts
 * const { loss, grad, metrics } = policyLossPerToken('ppo', input);
 * ```
 */
export interface PerTokenPolicyLoss {
  /** l[b, t] (0 on padding). */
  loss: Float64Array;
  /** dl[b, t] / dlogp[b, t] (0 on padding), as torch autograd gives for the same loss. */
  grad: Float64Array;
  /** Importance ratio per token (sequence ratio for GSPO; 1 for REINFORCE). */
  ratio: Float64Array;
  /** Scalar diagnostics over the unmasked tokens. */
  metrics: {
    /** Fraction of tokens whose clipped term was the active one (verl `pg_clipfrac`). */
    clipFraction: number;
    /** Fraction of tokens capped by the dual clip (verl `pg_clipfrac_lower`). */
    clipFractionLower: number;
    /** Masked mean of old - logp (verl `ppo_kl`). */
    approxKl: number;
  };
}

/**
 * Per-token policy loss values and their analytic derivatives with respect to each token's log-prob
 * (see {@link PolicyLossKind}); masked tokens get 0. Use {@link policyLoss} for the aggregated loss and
 * its gradient.
 *
 * @throws {ShapeError} / {@link InvalidValueError} for inconsistent shapes, NaN inputs or bad clip ranges.
 * @example
 * ```ts
 * const r = policyLossPerToken('ppo', {
 *   logprobs: [-1.0], oldLogprobs: [-1.5], advantages: [1], mask: [1], seqLen: 1,
 * });
 * // ratio e^0.5 = 1.65 > 1.2 is clipped: loss -1.2, grad 0
 * ```
 */
export function policyLossPerToken(
  kind: PolicyLossKind,
  input: PolicyLossInput,
  options: PolicyLossOptions = {},
): PerTokenPolicyLoss {
  if (kind !== 'reinforce' && kind !== 'ppo' && kind !== 'cispo' && kind !== 'gspo') {
    throw new InvalidValueError(
      `loss kind must be 'reinforce', 'ppo', 'cispo' or 'gspo', got ${describe(kind)}.`,
    );
  }
  const { logprobs, mask, seqLen } = input;
  const batch = rowsOf(logprobs, mask, seqLen, 'logprobs');
  const n = logprobs.length;
  assertFinite(logprobs, 'logprobs');
  const adv = input.advantages;
  const perSequence = adv.length === batch && adv.length !== n;
  if (!perSequence && adv.length !== n) {
    throw new ShapeError(
      `advantages has ${adv.length} entries; pass one per sequence (${batch}) or one per token (${n}).`,
    );
  }
  assertFinite(adv, 'advantages');
  const old = input.oldLogprobs;
  if (kind !== 'reinforce') {
    if (old === undefined)
      throw new InvalidValueError(`'${kind}' needs oldLogprobs (the behaviour policy's log-probs).`);
    assertLength(old, n, 'oldLogprobs', 'logprobs');
    assertFinite(old, 'oldLogprobs');
  }
  const clipLow = options.clipLow ?? 0.2;
  const clipHigh = options.clipHigh ?? 0.2;
  assertFiniteScalar(clipLow, 'clipLow');
  assertFiniteScalar(clipHigh, 'clipHigh');
  if (clipLow < 0 || clipHigh < 0)
    throw new InvalidValueError(`clip ranges must be >= 0, got clipLow ${clipLow}, clipHigh ${clipHigh}.`);
  const lo = 1 - clipLow;
  const hi = 1 + clipHigh;
  const dual = options.dualClip;
  if (dual !== undefined) {
    assertFiniteScalar(dual, 'dualClip');
    if (kind !== 'ppo') throw new InvalidValueError(`dualClip applies to 'ppo' only, not '${kind}'.`);
    if (dual <= 1)
      throw new InvalidValueError(`dualClip must be > 1 (verl's clip_ratio_c; 3 is usual), got ${dual}.`);
  }
  const weights = options.tokenWeights;
  if (weights !== undefined) {
    assertLength(weights, n, 'tokenWeights', 'logprobs');
    assertFinite(weights, 'tokenWeights');
  }

  const loss = new Float64Array(n);
  const grad = new Float64Array(n);
  const ratio = new Float64Array(n);
  let tokens = 0;
  let clipped = 0;
  let clippedLower = 0;
  let klSum = 0;

  // GSPO: one sequence log-ratio per row, mean over its tokens.
  let seqLogRatio: Float64Array | null = null;
  if (kind === 'gspo' && old !== undefined) {
    seqLogRatio = new Float64Array(batch);
    for (let b = 0; b < batch; b++) {
      let s = 0;
      let c = 0;
      for (let t = b * seqLen; t < (b + 1) * seqLen; t++) {
        if (mask[t] === 0) continue;
        s += logprobs[t] - old[t];
        c++;
      }
      seqLogRatio[b] = s / Math.max(c, 1);
    }
  }

  for (let b = 0; b < batch; b++) {
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) {
      if (mask[t] === 0) continue;
      tokens++;
      const A = perSequence ? adv[b] : adv[t];
      const lp = logprobs[t];
      let l: number;
      let g: number;
      if (kind === 'reinforce') {
        ratio[t] = 1;
        l = -A * lp;
        g = -A;
      } else if (kind === 'gspo') {
        const raw = (seqLogRatio as Float64Array)[b];
        klSum += -(lp - (old as NumericArray)[t]);
        // log s_t = logp - sg(logp) + sg(log s), clamped at 10: gradient 1 unless the clamp is active.
        const capped = raw > 10;
        const s = Math.exp(capped ? 10 : raw);
        ratio[t] = s;
        const ds = capped ? 0 : s;
        const sc = s < lo ? lo : Math.min(s, hi);
        const dsc = s < lo || s > hi ? 0 : ds;
        const l1 = -A * s;
        const l2 = -A * sc;
        if (l2 > l1) {
          clipped++;
          l = l2;
          g = -A * dsc;
        } else {
          // l1 >= l2; on a tie both branches carry the same derivative, so torch's even split changes nothing.
          l = l1;
          g = l1 === l2 ? -A * (ds + dsc) * 0.5 : -A * ds;
        }
      } else {
        const raw = lp - (old as NumericArray)[t];
        const capped = raw < -20 || raw > 20;
        const x = raw < -20 ? -20 : Math.min(raw, 20);
        klSum += -x;
        const rho = Math.exp(x);
        ratio[t] = rho;
        const drho = capped ? 0 : rho;
        const rc = rho < lo ? lo : Math.min(rho, hi);
        const drc = rho < lo || rho > hi ? 0 : drho;
        if (kind === 'cispo') {
          // -sg(clip(rho)) * A * logp: the clipped ratio is a constant weight.
          if (rc !== rho) clipped++;
          l = -rc * A * lp;
          g = -rc * A;
        } else {
          const l1 = -A * rho;
          const l2 = -A * rc;
          let lc: number;
          let gc: number;
          if (l2 > l1) {
            clipped++;
            lc = l2;
            gc = -A * drc;
          } else {
            lc = l1;
            gc = l1 === l2 ? -A * (drho + drc) * 0.5 : -A * drho;
          }
          if (dual !== undefined && A < 0) {
            const l3 = -A * dual;
            if (lc > l3) {
              clippedLower++;
              lc = l3;
              gc = 0;
            } else if (lc === l3) {
              gc *= 0.5; // torch.min splits the gradient evenly on a tie; l3 is constant
            }
          }
          l = lc;
          g = gc;
        }
      }
      if (weights !== undefined) {
        l *= weights[t];
        g *= weights[t];
      }
      loss[t] = l;
      grad[t] = g;
    }
  }
  if (tokens === 0) {
    throw new InvalidValueError(
      'every token is masked, so the policy loss is undefined; pass at least one token.',
    );
  }

  const klCoef = options.klCoef ?? 0;
  assertFiniteScalar(klCoef, 'klCoef');
  if (klCoef !== 0) {
    if (options.refLogprobs === undefined) {
      throw new InvalidValueError(
        'klCoef is set but refLogprobs is missing; pass the reference policy log-probs.',
      );
    }
    const kl = klPerToken(logprobs, options.refLogprobs, { estimator: options.klEstimator ?? 'k3' });
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) continue;
      loss[i] += klCoef * kl.values[i];
      grad[i] += klCoef * kl.grad[i];
    }
  }
  return {
    loss,
    grad,
    ratio,
    metrics: {
      clipFraction: clipped / tokens,
      clipFractionLower: clippedLower / tokens,
      approxKl: kind === 'reinforce' ? 0 : klSum / tokens,
    },
  };
}

/**
 * The aggregated policy loss and its gradient w.r.t. every token's log-prob (d loss / d logp[b, t] =
 * w[b, t] * dl[b, t]/dlogp[b, t] with the aggregation weights). Feed the gradient to any trainer that
 * back-propagates from log-probs, or use it to check a graph-level implementation.
 *
 * @example
 * ```ts
 * const { loss, grad, perToken } = policyLoss('gspo', { logprobs, oldLogprobs, advantages, mask, seqLen });
 * perToken.metrics.clipFraction;
 * ```
 */
export function policyLoss(
  kind: PolicyLossKind,
  input: PolicyLossInput,
  options: PolicyLossOptions = {},
): {
  /** The aggregated loss (scalar), per `options.aggregation`. */
  loss: number;
  /** d loss / d logprobs[b, t], flat [batch, seqLen] (0 on padding). */
  grad: Float64Array;
  /** The unaggregated per-token values, derivatives, ratios and metrics. */
  perToken: PerTokenPolicyLoss;
} {
  const perToken = policyLossPerToken(kind, input, options);
  const mode = options.aggregation ?? (kind === 'gspo' ? 'seq-mean-token-mean' : 'token-mean');
  const w = aggregationWeights(input.mask, input.seqLen, mode, options);
  const grad = new Float64Array(w.length);
  let loss = 0;
  for (let i = 0; i < w.length; i++) {
    loss += w[i] * perToken.loss[i];
    grad[i] = w[i] * perToken.grad[i];
  }
  return { loss, grad, perToken };
}
