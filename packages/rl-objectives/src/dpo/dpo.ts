import {
  assertFinite,
  assertFiniteScalar,
  assertLength,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';

/**
 * DPO loss variants (TRL `DPOTrainer` `loss_type`), with h = (pc - rc) - (pr - rr) the difference of the
 * policy's and the reference's chosen-minus-rejected log-ratios:
 * - `'sigmoid'`: -(1 - ls) log sigma(beta h) - ls log sigma(-beta h) (DPO; ls = label smoothing, cDPO);
 * - `'ipo'`: (h - 1 / (2 beta))^2 (IPO; TRL feeds it length-averaged log-probs, so pass mean token log-probs);
 * - `'hinge'`: max(0, 1 - beta h) (SLiC).
 * @example
 * ```ts
 * dpoLoss(pairs, { loss: 'ipo', beta: 0.1 });
 * ```
 */
export type DpoLossType = 'sigmoid' | 'ipo' | 'hinge';

/**
 * Per-pair sequence log-probs (sum of the response tokens' log-probs) under the policy and the reference.
 * @example
 * ```ts
 * const pairs: DpoInput = { chosen: [-12.1], rejected: [-15.3], refChosen: [-12.5], refRejected: [-14.9] };
 * ```
 */
export interface DpoInput {
  /** Policy log-prob of each pair's chosen response (nats, summed over its tokens). */
  chosen: NumericArray;
  /** Policy log-prob of each pair's rejected response. */
  rejected: NumericArray;
  /** Reference-model log-prob of each chosen response. */
  refChosen: NumericArray;
  /** Reference-model log-prob of each rejected response. */
  refRejected: NumericArray;
}

/**
 * Options of {@link dpoLoss}.
 * @example
 * ```ts
 * const o: DpoOptions = { beta: 0.1, loss: 'sigmoid', labelSmoothing: 0.1 };
 * ```
 */
export interface DpoOptions {
  /** Default 0.1 (TRL, PILAF). */
  beta?: number;
  /** Default `'sigmoid'`. */
  loss?: DpoLossType;
  /** Sigmoid only: probability that a label is flipped (cDPO). Default 0. */
  labelSmoothing?: number;
}

/**
 * Result of {@link dpoLoss}: the loss, its derivatives and TRL's implicit-reward metrics.
 * @example
 * ```ts
 * const { loss, metrics } = dpoLoss(pairs);
 * metrics.rewardAccuracy;
 * ```
 */
export interface DpoResult {
  /** Mean loss over pairs. */
  loss: number;
  /** Loss of each pair. */
  losses: Float64Array;
  /** d losses[i] / d chosen[i] (policy log-prob; divide by the pair count for the mean loss). */
  gradChosen: Float64Array;
  /** d losses[i] / d rejected[i]. */
  gradRejected: Float64Array;
  /** Implicit reward beta * (pc - rc) per pair. */
  chosenRewards: Float64Array;
  /** Implicit reward beta * (pr - rr) per pair. */
  rejectedRewards: Float64Array;
  /** Means over pairs, as TRL logs them (`rewards/chosen`, `rewards/rejected`, `rewards/accuracies`, `rewards/margins`). */
  metrics: {
    /** Mean implicit reward of the chosen responses. */
    rewardChosen: number;
    /** Mean implicit reward of the rejected responses. */
    rewardRejected: number;
    /** Share of pairs whose chosen reward is strictly above the rejected one, in [0, 1]. */
    rewardAccuracy: number;
    /** Mean chosen-minus-rejected reward. */
    rewardMargin: number;
  };
}

/**
 * DPO-family losses from per-sequence log-probs, with analytic derivatives w.r.t. the policy's chosen and
 * rejected log-probs and the implicit-reward metrics. Follows TRL `DPOTrainer.dpo_loss`.
 *
 * @throws {ShapeError} for length mismatches or no pairs, {@link InvalidValueError} for NaN inputs or a bad beta.
 * @example
 * ```ts
 * const r = dpoLoss({ chosen: [-10], rejected: [-12], refChosen: [-11], refRejected: [-11] }, { beta: 0.1 });
 * // h = 1 - (-1) = 2, loss = -log sigmoid(0.2) = 0.598
 * ```
 */
export function dpoLoss(input: DpoInput, options: DpoOptions = {}): DpoResult {
  const beta = options.beta ?? 0.1;
  assertFiniteScalar(beta, 'beta');
  if (beta <= 0) throw new InvalidValueError(`beta must be > 0, got ${beta}.`);
  const type = options.loss ?? 'sigmoid';
  if (type !== 'sigmoid' && type !== 'ipo' && type !== 'hinge') {
    throw new InvalidValueError(`loss must be 'sigmoid', 'ipo' or 'hinge', got ${describe(type)}.`);
  }
  const ls = options.labelSmoothing ?? 0;
  assertFiniteScalar(ls, 'labelSmoothing');
  if (ls < 0 || ls > 0.5) throw new InvalidValueError(`labelSmoothing must be in [0, 0.5], got ${ls}.`);
  if (ls !== 0 && type !== 'sigmoid')
    throw new InvalidValueError(`labelSmoothing applies to the sigmoid loss only, not '${type}'.`);
  const { chosen, rejected, refChosen, refRejected } = input;
  const n = chosen.length;
  if (n === 0) throw new ShapeError('no preference pairs: chosen is empty.');
  assertLength(rejected, n, 'rejected', 'chosen');
  assertLength(refChosen, n, 'refChosen', 'chosen');
  assertLength(refRejected, n, 'refRejected', 'chosen');
  assertFinite(chosen, 'chosen');
  assertFinite(rejected, 'rejected');
  assertFinite(refChosen, 'refChosen');
  assertFinite(refRejected, 'refRejected');

  const losses = new Float64Array(n);
  const gradChosen = new Float64Array(n);
  const gradRejected = new Float64Array(n);
  const chosenRewards = new Float64Array(n);
  const rejectedRewards = new Float64Array(n);
  let sum = 0;
  let rc = 0;
  let rr = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const h = chosen[i] - rejected[i] - (refChosen[i] - refRejected[i]);
    let l: number;
    let dh: number; // d loss / d h
    if (type === 'sigmoid') {
      const z = beta * h;
      l = -(1 - ls) * logSigmoid(z) - ls * logSigmoid(-z);
      dh = beta * (-(1 - ls) * sigmoid(-z) + ls * sigmoid(z));
    } else if (type === 'ipo') {
      const d = h - 1 / (2 * beta);
      l = d * d;
      dh = 2 * d;
    } else {
      const m = 1 - beta * h;
      l = Math.max(m, 0);
      dh = m > 0 ? -beta : 0; // relu'(0) = 0, as torch
    }
    losses[i] = l;
    gradChosen[i] = dh;
    gradRejected[i] = -dh;
    const c = beta * (chosen[i] - refChosen[i]);
    const r = beta * (rejected[i] - refRejected[i]);
    chosenRewards[i] = c;
    rejectedRewards[i] = r;
    sum += l;
    rc += c;
    rr += r;
    if (c > r) acc++;
  }
  return {
    loss: sum / n,
    losses,
    gradChosen,
    gradRejected,
    chosenRewards,
    rejectedRewards,
    metrics: {
      rewardChosen: rc / n,
      rewardRejected: rr / n,
      rewardAccuracy: acc / n,
      rewardMargin: (rc - rr) / n,
    },
  };
}

/** log sigma(x) without overflow: min(x, 0) - log1p(e^-|x|) (what F.logsigmoid computes). */
function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
