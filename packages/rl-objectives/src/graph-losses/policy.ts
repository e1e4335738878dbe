import { ops, type Value } from '@proj/runtime';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import type { AggregationOptions, LossAggregation } from '../losses/aggregate.js';
import type { PolicyLossKind, PolicyLossOptions } from '../losses/policy.js';
import { maskedAggregate, maskedTokenMean } from './aggregate.js';
import {
  clipBounds,
  maskParts,
  requireFloatValue,
  sameShape,
  tokenAdvantages,
  tokenCount,
  zeroPadding,
} from './common.js';
import { klPenalty } from './token-terms.js';

/**
 * Graph values a policy loss reads, all [batch, seq] except per-sequence advantages ([batch]).
 * @example
 * ```ts
 * const values: PolicyLossValues = { logprobs: logp, oldLogprobs: old, advantages: adv, mask: lossMask };
 * ```
 */
export interface PolicyLossValues {
  /** Token log-probs under the current policy (the values gradients flow through). */
  logprobs: Value;
  /** Under the behaviour (rollout) policy; needed by PPO, GSPO and CISPO. */
  oldLogprobs?: Value;
  /** One advantage per sequence ([batch]) or per token ([batch, seq]). */
  advantages: Value;
  /** 0/1 (float, int or bool): which tokens count. */
  mask: Value;
  /** Per-token weights of the policy term (importance correction for stale samples). */
  tokenWeights?: Value;
  /** Reference-policy log-probs, for the KL term (`klCoef`). */
  refLogprobs?: Value;
}

/**
 * Options of the graph policy losses: the numeric {@link PolicyLossOptions} (same names, defaults and
 * meaning) without the array-valued fields, which are graph values in {@link PolicyLossValues}.
 * @example
 * ```ts
 * const dapo: GraphPolicyLossOptions = { clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' };
 * ```
 */
export interface GraphPolicyLossOptions extends Omit<PolicyLossOptions, 'tokenWeights' | 'refLogprobs'> {}

/**
 * Options of {@link ppoClipLoss}: the ratio is per token (PPO) or per sequence (GSPO).
 * @example
 * ```ts
 * const gspo: PpoClipOptions = { level: 'sequence', clipLow: 3e-4, clipHigh: 4e-4 };
 * ```
 */
export interface PpoClipOptions extends GraphPolicyLossOptions {
  /** `'token'` (default): rho_t = pi / pi_old per token; `'sequence'`: GSPO's exp(mean_t log rho_t). */
  level?: 'token' | 'sequence';
}

/**
 * A built policy loss: the scalar to minimise plus per-token values and metrics, all graph values.
 * @example
 * ```ts
 * const { loss, metrics } = ppoClipLoss(values, { clipLow: 0.2, clipHigh: 0.28 });
 * g.output('clipfrac', metrics.clipFraction);
 * ```
 */
export interface PolicyLossGraph {
  /** Aggregated loss (scalar). */
  loss: Value;
  /** Per-token loss [batch, seq] (0 on padding), before aggregation. */
  perToken: Value;
  /** Importance ratio per token (the sequence ratio for GSPO; 1 for REINFORCE). */
  ratio: Value;
  /** Scalar diagnostics over the unmasked tokens, to add as graph outputs. */
  metrics: {
    /** Fraction of tokens whose clipped term was active (verl `pg_clipfrac`). */
    clipFraction: Value;
    /** Fraction of tokens capped by the dual clip (verl `pg_clipfrac_lower`). */
    clipFractionLower: Value;
    /** Masked mean of old - logp (verl `ppo_kl`). */
    approxKl: Value;
    /** Masked mean of the KL estimate, when `klCoef` is set. */
    kl?: Value;
  };
}

/**
 * REINFORCE as a graph loss: -A * logp per token (no ratio; AsymRE's off-policy loss with its tunable
 * baseline in A), aggregated per {@link LossAggregation}. Same numbers and gradients as
 * `policyLoss('reinforce', ...)`.
 *
 * @example
 * ```ts
 * const { loss } = reinforceLoss({ logprobs: logp, advantages, mask }, { aggregation: 'seq-mean-token-mean' });
 * const [dlogits] = grad(loss, [logits]);
 * ```
 */
export function reinforceLoss(
  values: PolicyLossValues,
  options: GraphPolicyLossOptions = {},
): PolicyLossGraph {
  const { lp, A, on } = prepare(values, false);
  const perToken = A.neg().mul(lp);
  const zero = lp.graph.constant(0, lp.dtype);
  return finish(values, options, perToken, lp.stopGradient().mul(0).add(1), on, 'token-mean', {
    clipFraction: zero,
    clipFractionLower: zero,
    approxKl: zero,
  });
}

/**
 * PPO's clipped surrogate as a graph loss: max(-A rho, -A clip(rho, 1 - clipLow, 1 + clipHigh)) per token,
 * log-ratio clamped to +-20; `dualClip` c caps negative-advantage tokens at -A c (dual-clip PPO);
 * `level: 'sequence'` uses GSPO's sequence ratio exp(mean_t log rho) in verl's token form (log-ratio capped at
 * 10, default aggregation `'seq-mean-token-mean'`). Same numbers and gradients as `policyLoss('ppo' | 'gspo')`.
 *
 * @example
 * ```ts
 * const { loss, metrics } = ppoClipLoss(
 *   { logprobs: logp, oldLogprobs: old, advantages, mask },
 *   { clipLow: 0.2, clipHigh: 0.28, dualClip: 3 },
 * );
 * ```
 */
export function ppoClipLoss(values: PolicyLossValues, options: PpoClipOptions = {}): PolicyLossGraph {
  const level = options.level ?? 'token';
  if (level !== 'token' && level !== 'sequence') {
    throw new InvalidValueError(`level must be 'token' or 'sequence', got ${String(level)}.`);
  }
  const [lo, hi] = clipBounds(options.clipLow ?? 0.2, options.clipHigh ?? 0.2);
  const { lp, old, A, on, weight } = prepare(values, true);
  const oldLp = old as Value;
  const negA = A.neg();
  let ratio: Value;
  let approxKl: Value;
  if (level === 'sequence') {
    if (options.dualClip !== undefined) {
      throw new InvalidValueError("dualClip applies to the token-level ratio only (level: 'token').");
    }
    const diff = lp.sub(oldLp);
    const seqLogRatio = zeroPadding(diff, on)
      .sum([1], true)
      .div(ops.maximum(weight.sum([1], true), 1));
    // log s_t = logp - sg(logp) + sg(log s): the value of the sequence ratio with each token's gradient.
    const logS = lp.sub(lp.stopGradient()).add(seqLogRatio.stopGradient()).clip(undefined, 10);
    ratio = logS.exp();
    approxKl = maskedTokenMean(diff.neg(), on);
  } else {
    const x = lp.sub(oldLp).clip(-20, 20);
    ratio = x.exp();
    approxKl = maskedTokenMean(x.neg(), on);
  }
  const l1 = negA.mul(ratio);
  const l2 = negA.mul(ratio.clip(lo, hi));
  // Where l1 == l2 both branches carry the same derivative (inside the range, or A = 0), so the tie rule of
  // Max does not matter.
  let perToken = ops.maximum(l1, l2);
  const clipFraction = fraction(ops.greater(l2, l1), on, weight);
  let clipFractionLower = lp.graph.constant(0, lp.dtype);
  if (options.dualClip !== undefined) {
    const c = options.dualClip;
    if (typeof c !== 'number' || !Number.isFinite(c) || c <= 1) {
      throw new InvalidValueError(
        `dualClip must be > 1 (verl's clip_ratio_c; 3 is usual), got ${String(c)}.`,
      );
    }
    const l3 = negA.mul(c);
    const above = ops.greater(perToken, l3);
    // torch.min splits the gradient evenly on a tie; (l + l3) / 2 has l's value and half its gradient.
    const capped = ops.where(
      above,
      l3,
      ops.where(ops.equal(perToken, l3), perToken.add(l3).mul(0.5), perToken),
    );
    const negative = ops.less(A, 0);
    perToken = ops.where(negative, capped, perToken);
    clipFractionLower = fraction(ops.and(negative, above), on, weight);
  }
  const defaultMode: LossAggregation = level === 'sequence' ? 'seq-mean-token-mean' : 'token-mean';
  return finish(values, options, perToken, ratio, on, defaultMode, {
    clipFraction,
    clipFractionLower,
    approxKl,
  });
}

/**
 * CISPO (MiniMax-M1) as a graph loss: -sg(clip(rho, 1 - clipLow, 1 + clipHigh)) * A * logp per token; the
 * clipped ratio is a constant weight, so every token keeps a gradient. Same numbers and gradients as
 * `policyLoss('cispo', ...)`.
 *
 * @example
 * ```ts
 * const { loss } = cispoLoss({ logprobs: logp, oldLogprobs: old, advantages, mask }, { clipLow: 1, clipHigh: 0.3 });
 * ```
 */
export function cispoLoss(values: PolicyLossValues, options: GraphPolicyLossOptions = {}): PolicyLossGraph {
  if (options.dualClip !== undefined)
    throw new InvalidValueError("dualClip applies to 'ppo' only, not 'cispo'.");
  const [lo, hi] = clipBounds(options.clipLow ?? 0.2, options.clipHigh ?? 0.2);
  const { lp, old, A, on, weight } = prepare(values, true);
  const x = lp.sub(old as Value).clip(-20, 20);
  const ratio = x.exp();
  const clipped = ratio.clip(lo, hi);
  const perToken = clipped.stopGradient().mul(A).mul(lp).neg();
  return finish(values, options, perToken, ratio, on, 'token-mean', {
    clipFraction: fraction(ops.not(ops.equal(clipped, ratio)), on, weight),
    clipFractionLower: lp.graph.constant(0, lp.dtype),
    approxKl: maskedTokenMean(x.neg(), on),
  });
}

/**
 * The graph loss of a {@link PolicyLossKind} (`'reinforce'`, `'ppo'`, `'cispo'`, `'gspo'` = PPO with the
 * sequence-level ratio), mirroring the numeric `policyLoss(kind, input, options)`.
 *
 * @example
 * ```ts
 * const { loss, metrics } = policyGradientLoss('gspo', values, { clipLow: 3e-4, clipHigh: 4e-4 });
 * ```
 */
export function policyGradientLoss(
  kind: PolicyLossKind,
  values: PolicyLossValues,
  options: GraphPolicyLossOptions = {},
): PolicyLossGraph {
  switch (kind) {
    case 'reinforce':
      if (options.dualClip !== undefined)
        throw new InvalidValueError("dualClip applies to 'ppo' only, not 'reinforce'.");
      return reinforceLoss(values, options);
    case 'ppo':
      return ppoClipLoss(values, { ...options, level: 'token' });
    case 'gspo':
      if (options.dualClip !== undefined)
        throw new InvalidValueError("dualClip applies to 'ppo' only, not 'gspo'.");
      return ppoClipLoss(values, { ...options, level: 'sequence' });
    case 'cispo':
      return cispoLoss(values, options);
    default:
      throw new InvalidValueError(
        `loss kind must be 'reinforce', 'ppo', 'cispo' or 'gspo', got ${String(kind)}.`,
      );
  }
}

function prepare(values: PolicyLossValues, needsOld: boolean) {
  if (values === null || typeof values !== 'object') {
    throw new InvalidValueError('pass the loss inputs as { logprobs, advantages, mask, oldLogprobs? }.');
  }
  const lp = values.logprobs;
  requireFloatValue(lp, 'logprobs', [2]);
  sameShape(values.mask, lp, 'mask', 'logprobs');
  let old: Value | undefined;
  if (needsOld) {
    if (values.oldLogprobs === undefined) {
      throw new InvalidValueError(
        "this loss needs oldLogprobs (the behaviour policy's log-probs); pass them, or use reinforceLoss.",
      );
    }
    old = values.oldLogprobs;
    requireFloatValue(old, 'oldLogprobs', [2]);
    sameShape(old, lp, 'oldLogprobs', 'logprobs');
  }
  const A = tokenAdvantages(values.advantages, lp);
  if (A.dtype !== lp.dtype) {
    throw new ShapeError(`advantages is ${A.dtype} but logprobs is ${lp.dtype}; cast one of them.`);
  }
  const { on, weight } = maskParts(values.mask, lp.dtype);
  return { lp, old, A, on, weight };
}

function fraction(flag: Value, on: Value, weight: Value): Value {
  return zeroPadding(ops.cast(flag, weight.dtype), on).sum().div(tokenCount(weight));
}

function finish(
  values: PolicyLossValues,
  options: GraphPolicyLossOptions & AggregationOptions,
  perToken: Value,
  ratio: Value,
  on: Value,
  defaultMode: LossAggregation,
  metrics: PolicyLossGraph['metrics'],
): PolicyLossGraph {
  let tok = perToken;
  if (values.tokenWeights !== undefined) {
    requireFloatValue(values.tokenWeights, 'tokenWeights', [2]);
    sameShape(values.tokenWeights, values.logprobs, 'tokenWeights', 'logprobs');
    tok = tok.mul(values.tokenWeights);
  }
  const klCoef = options.klCoef ?? 0;
  if (typeof klCoef !== 'number' || !Number.isFinite(klCoef)) {
    throw new InvalidValueError(`klCoef must be a finite number, got ${String(klCoef)}.`);
  }
  const out: PolicyLossGraph['metrics'] = { ...metrics };
  if (klCoef !== 0) {
    if (values.refLogprobs === undefined) {
      throw new InvalidValueError(
        'klCoef is set but refLogprobs is missing; pass the reference policy log-probs.',
      );
    }
    const kl = klPenalty(values.logprobs, values.refLogprobs, { estimator: options.klEstimator ?? 'k3' });
    tok = tok.add(kl.mul(klCoef));
    out.kl = maskedTokenMean(kl, on);
  }
  tok = zeroPadding(tok, on);
  const loss = maskedAggregate(tok, on, options.aggregation ?? defaultMode, options);
  return { loss, perToken: tok, ratio, metrics: out };
}
