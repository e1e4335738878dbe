import { buildLmTrainingGraph, type DecoderConfig, type ParameterStore } from '@proj/models';
import { type Graph, ops, type Value } from '@proj/runtime';
import { InvalidValueError } from '../core/errors.js';
import { maskedAggregate, maskedTokenMean } from '../graph-losses/aggregate.js';
import { positive } from '../graph-losses/common.js';
import { type GraphPolicyLossOptions, policyGradientLoss } from '../graph-losses/policy.js';
import { tokenEntropy, tokenLogprobs } from '../graph-losses/token-terms.js';
import type { PolicyLossKind } from '../losses/policy.js';

/**
 * The RL loss of {@link RLTrainer} / {@link buildPolicyTrainingGraph}: a policy loss kind with its options,
 * plus an entropy bonus.
 * @example
 * ```ts
 * const dapo: RLLossOptions = { kind: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' };
 * const asymre: RLLossOptions = { kind: 'reinforce' };
 * ```
 */
export interface RLLossOptions extends GraphPolicyLossOptions {
  /** Default `'ppo'` (with one inner step it is on-policy: ratio 1, the GRPO gradient). */
  kind?: PolicyLossKind;
  /** Subtract entropyCoef * (aggregated token entropy) from the loss (verl `entropy_coeff`). Default 0. */
  entropyCoef?: number;
}

/**
 * A decoder's RL training graph: the model's logits turned into token log-probs, the chosen policy loss,
 * optional KL and entropy terms, and per-step metrics.
 *
 * Inputs: `input_ids`, `labels` [batch, seq] int64 (prompt + completion, right-padded; labels = next token),
 * `loss_mask` [batch, seq] float32 (1 on completion tokens), `advantages` [batch] float32; with a ratio
 * (every kind but `'reinforce'`) `old_logprobs` [batch, seq] float32 and `old_is_current` bool [] (true: use
 * the current log-probs, stop-gradient, as the old ones, which is exact for the first update after sampling
 * and spares a forward pass); with `klCoef`, `ref_logprobs` [batch, seq] float32.
 *
 * @example
 * ```ts
 * const t = buildPolicyTrainingGraph(config, store, { loss: { kind: 'ppo', klCoef: 0.04 } });
 * const step = await compileTrainStep(t.g, { loss: t.loss, metrics: t.metrics, optimizer: adamw() });
 * ```
 */
export interface PolicyTrainingGraph {
  /** The decoder graph with the loss inputs and terms added, ready for `compileTrainStep`. */
  g: Graph;
  /** Scalar loss to minimise. */
  loss: Value;
  /**
   * `token_logprobs` [batch, seq] (current policy), `entropy` (masked mean token entropy), `clip_fraction`,
   * `clip_fraction_lower`, `approx_kl`, and `kl` when a reference is used.
   */
  metrics: Record<string, Value>;
  /** Whether the graph reads `old_logprobs` / `old_is_current`. */
  needsOld: boolean;
  /** Whether the graph reads `ref_logprobs`. */
  needsRef: boolean;
}

/**
 * Build {@link PolicyTrainingGraph} for a decoder config and its weights (shared with the store, so a
 * sampling graph built from the same store has the same parameter names).
 *
 * @throws {InvalidValueError} for a bad temperature or loss option (from the loss builders).
 * @example
 * ```ts
 * const t = buildPolicyTrainingGraph(config, store, { loss: { kind: 'gspo' }, temperature: 0.7 });
 * ```
 */
export function buildPolicyTrainingGraph(
  config: DecoderConfig,
  store: ParameterStore,
  options: { loss?: RLLossOptions; temperature?: number } = {},
): PolicyTrainingGraph {
  const lossOptions = options.loss ?? {};
  const kind = lossOptions.kind ?? 'ppo';
  const temperature = positive(options.temperature ?? 1, 'temperature');
  const entropyCoef = lossOptions.entropyCoef ?? 0;
  if (typeof entropyCoef !== 'number' || !Number.isFinite(entropyCoef)) {
    throw new InvalidValueError(`entropyCoef must be a finite number, got ${String(entropyCoef)}.`);
  }
  // Right-padded rows need no attention mask: real tokens only attend to earlier (real) positions.
  const t = buildLmTrainingGraph(config, store, { batch: 'batch', seq: 'seq' });
  const { g, logits, labels, lossMask: mask } = t;
  const logprobs = tokenLogprobs(logits, labels, { temperature });
  const advantages = g.input('advantages', 'float32', ['batch']);
  const needsOld = kind !== 'reinforce';
  let oldLogprobs: Value | undefined;
  if (needsOld) {
    const fed = g.input('old_logprobs', 'float32', ['batch', 'seq']);
    const current = g.input('old_is_current', 'bool', []);
    oldLogprobs = ops.where(current, logprobs.stopGradient(), fed);
  }
  const needsRef = (lossOptions.klCoef ?? 0) !== 0;
  const refLogprobs = needsRef ? g.input('ref_logprobs', 'float32', ['batch', 'seq']) : undefined;
  const { kind: _kind, entropyCoef: _coef, ...policyOptions } = lossOptions;
  const built = policyGradientLoss(
    kind,
    { logprobs, oldLogprobs, advantages, mask, refLogprobs },
    policyOptions,
  );
  const entropy = tokenEntropy(logits, { temperature });
  let loss = built.loss;
  if (entropyCoef !== 0) {
    const mode = policyOptions.aggregation ?? (kind === 'gspo' ? 'seq-mean-token-mean' : 'token-mean');
    loss = loss.sub(maskedAggregate(entropy, mask, mode, policyOptions).mul(entropyCoef));
  }
  const metrics: Record<string, Value> = {
    token_logprobs: logprobs,
    entropy: maskedTokenMean(entropy.stopGradient(), mask),
    clip_fraction: built.metrics.clipFraction,
    clip_fraction_lower: built.metrics.clipFractionLower,
    approx_kl: built.metrics.approxKl,
  };
  if (built.metrics.kl) metrics.kl = built.metrics.kl;
  return { g, loss, metrics, needsOld, needsRef };
}
