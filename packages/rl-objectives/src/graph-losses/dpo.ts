import { ops, type Value } from '@proj/runtime';
import { InvalidValueError } from '../core/errors.js';
import type { DpoLossType, DpoOptions } from '../dpo/dpo.js';
import { requireFloatValue, sameShape } from './common.js';

/**
 * Per-pair sequence log-probs as graph values, each [pairs] (e.g. from {@link sequenceSum} over a model's
 * token log-probs). The reference ones are constants for the gradient.
 * @example
 * ```ts
 * const pairs: DpoValues = { chosen, rejected, refChosen, refRejected };
 * ```
 */
export interface DpoValues {
  /** Policy log-prob of each pair's chosen response, [pairs] (carries the gradient). */
  chosen: Value;
  /** Policy log-prob of each pair's rejected response, [pairs] (carries the gradient). */
  rejected: Value;
  /** Reference-model log-prob of each chosen response, [pairs] (usually a graph input). */
  refChosen: Value;
  /** Reference-model log-prob of each rejected response, [pairs] (usually a graph input). */
  refRejected: Value;
}

/**
 * A built DPO loss with TRL's implicit-reward metrics (all graph values; rewards carry no gradient).
 * @example
 * ```ts
 * const { loss, metrics } = dpoPairLoss(pairs);
 * g.output('accuracy', metrics.rewardAccuracy);
 * ```
 */
export interface DpoLossGraph {
  /** Mean loss over pairs (scalar). */
  loss: Value;
  /** Loss of each pair [pairs]. */
  losses: Value;
  /** beta * (chosen - refChosen) per pair. */
  chosenRewards: Value;
  /** beta * (rejected - refRejected) per pair. */
  rejectedRewards: Value;
  /** Scalar means over pairs, as TRL logs them (`rewards/chosen`, `/rejected`, `/accuracies`, `/margins`). */
  metrics: {
    /** Mean implicit reward of the chosen responses. */
    rewardChosen: Value;
    /** Mean implicit reward of the rejected responses. */
    rewardRejected: Value;
    /** Share of pairs whose chosen reward is strictly above the rejected one, in [0, 1]. */
    rewardAccuracy: Value;
    /** Mean chosen-minus-rejected reward. */
    rewardMargin: Value;
  };
}

/**
 * Graph form of {@link dpoLoss} (TRL `DPOTrainer.dpo_loss`), with h = (chosen - refChosen) -
 * (rejected - refRejected): `'sigmoid'` -(1 - ls) log sigma(beta h) - ls log sigma(-beta h), `'ipo'`
 * (h - 1 / (2 beta))^2, `'hinge'` max(0, 1 - beta h). Same numbers and gradients as the numeric version;
 * log sigma is written as -softplus(-x), stable for large |x|.
 *
 * @example
 * ```ts
 * const chosen = sequenceSum(chosenLogprobs, chosenMask); // likewise rejected (ref ones are inputs)
 * const { loss } = dpoPairLoss({ chosen, rejected, refChosen, refRejected }, { beta: 0.1 });
 * const step = await compileTrainStep(g, { loss, optimizer: adamw() });
 * ```
 */
export function dpoPairLoss(values: DpoValues, options: DpoOptions = {}): DpoLossGraph {
  const beta = options.beta ?? 0.1;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0) {
    throw new InvalidValueError(`beta must be a finite number > 0, got ${String(beta)}.`);
  }
  const type: DpoLossType = options.loss ?? 'sigmoid';
  if (type !== 'sigmoid' && type !== 'ipo' && type !== 'hinge') {
    throw new InvalidValueError(`loss must be 'sigmoid', 'ipo' or 'hinge', got ${String(type)}.`);
  }
  const ls = options.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 0.5)) {
    throw new InvalidValueError(`labelSmoothing must be in [0, 0.5], got ${String(ls)}.`);
  }
  if (ls !== 0 && type !== 'sigmoid') {
    throw new InvalidValueError(`labelSmoothing applies to the sigmoid loss only, not '${type}'.`);
  }
  const { chosen, rejected, refChosen, refRejected } = values;
  requireFloatValue(chosen, 'chosen', [1]);
  for (const [v, name] of [
    [rejected, 'rejected'],
    [refChosen, 'refChosen'],
    [refRejected, 'refRejected'],
  ] as const) {
    requireFloatValue(v, name, [1]);
    sameShape(v, chosen, name, 'chosen');
  }
  const h = chosen.sub(rejected).sub(refChosen.sub(refRejected));
  let losses: Value;
  if (type === 'sigmoid') {
    const z = h.mul(beta);
    // -log sigma(z) = softplus(-z); -log sigma(-z) = softplus(z).
    losses = z.neg().softplus();
    if (ls !== 0) losses = losses.mul(1 - ls).add(z.softplus().mul(ls));
  } else if (type === 'ipo') {
    const d = h.sub(1 / (2 * beta));
    losses = d.mul(d);
  } else {
    losses = h.mul(-beta).add(1).relu();
  }
  const chosenRewards = chosen.sub(refChosen).mul(beta).stopGradient();
  const rejectedRewards = rejected.sub(refRejected).mul(beta).stopGradient();
  return {
    loss: losses.mean(),
    losses,
    chosenRewards,
    rejectedRewards,
    metrics: {
      rewardChosen: chosenRewards.mean(),
      rewardRejected: rejectedRewards.mean(),
      rewardAccuracy: ops.cast(ops.greater(chosenRewards, rejectedRewards), chosen.dtype).mean(),
      rewardMargin: chosenRewards.sub(rejectedRewards).mean(),
    },
  };
}
