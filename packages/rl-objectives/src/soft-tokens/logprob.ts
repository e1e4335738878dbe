import type { Value } from '@proj/runtime';
import { ShapeError } from '../core/errors.js';
import { maskParts, positive, requireFloatValue, sameShape, zeroPadding } from '../graph-losses/common.js';

/**
 * The mean of the next soft input, h = softmax(logits / tau) E: [..., V] logits and the [V, d] input
 * embedding table -> [..., d]. tau = 0.5 is the paper's "soft" mode, 1e-4 its "fuzzy" one (the argmax
 * embedding). Differentiable w.r.t. the logits and the table.
 *
 * @example
 * ```ts
 * const h = softTokenMean(d.logits, d.embeddingTable, { temperature: 0.5 }); // [batch, seq, d_model]
 * ```
 */
export function softTokenMean(
  logits: Value,
  embeddingTable: Value,
  options: { temperature?: number } = {},
): Value {
  requireFloatValue(logits, 'logits', [2, 3]);
  requireFloatValue(embeddingTable, 'embeddingTable', [2]);
  const v = logits.shape[logits.rank - 1];
  const tv = embeddingTable.shape[0];
  if (typeof v === 'number' && typeof tv === 'number' && v !== tv) {
    throw new ShapeError(
      `logits have ${v} classes but the embedding table has ${tv} rows; pass the model's input embedding matrix [vocab, d_model].`,
    );
  }
  const tau = positive(options.temperature ?? 0.5, 'temperature');
  return logits.div(tau).softmax(-1).matmul(embeddingTable);
}

/**
 * Gaussian log-density of the stored noisy inputs around their means, up to the constant:
 * -||noisy - mean||^2 / (2 sigma^2) summed over the embedding axis, [..., d] -> [...]. With
 * mean = {@link softTokenMean} recomputed from the model, this is the soft-token CoT log-prob of the paper
 * (arXiv 2509.19170): its gradient w.r.t. the mean is (noisy - mean) / sigma^2. The normalising constant
 * -d/2 log(2 pi sigma^2) does not depend on the parameters and is left out, as in the paper.
 *
 * @example
 * ```ts
 * const lp = gaussianLogprob(noisyEmbeds, softTokenMean(logits, table), 0.33 * rms); // [batch, seq]
 * ```
 */
export function gaussianLogprob(noisy: Value, mean: Value, sigma: number): Value {
  requireFloatValue(noisy, 'noisy', [2, 3]);
  requireFloatValue(mean, 'mean', [2, 3]);
  sameShape(noisy, mean, 'noisy', 'mean');
  const s = positive(sigma, 'sigma');
  const d = noisy.sub(mean);
  return d
    .mul(d)
    .sum([-1])
    .mul(-1 / (2 * s * s));
}

/**
 * Values the soft-token log-prob reads: logits at the positions BEFORE each soft input (logits[:, t]
 * predicts the input fed at t + 1), the stored noisy inputs at those next positions, and a 0/1 mask of the
 * soft (CoT) positions. All aligned on [batch, seq].
 * @example
 * ```ts
 * const v: SoftTokenValues = { logits: prevLogits, embeddingTable, noisyEmbeds: nextInputs, mask: cotMask };
 * ```
 */
export interface SoftTokenValues {
  /** Logits `[batch, seq, vocab]` at the positions before each soft input (with gradient). */
  logits: Value;
  /** The model's input embedding matrix E, `[vocab, dModel]`. */
  embeddingTable: Value;
  /** The noisy inputs fed at the next positions, `[batch, seq, dModel]` (stored from the rollout). */
  noisyEmbeds: Value;
  /** `[batch, seq]`: 1 where the next input is a soft CoT input, 0 elsewhere. */
  mask: Value;
}

/**
 * Soft-token CoT log-prob per position and per sequence: sum_t mask_t * -||h~_t - softmax(l_{t-1} / tau) E||^2
 * / (2 sigma^2), with the stored noisy inputs h~ and the mean recomputed WITH gradients (REINFORCE through
 * the Gaussian). Answer tokens use the categorical log-prob ({@link tokenLogprobs}) instead.
 *
 * @example
 * ```ts
 * const { perToken, perSequence } = softTokenLogprob(values, { sigma: 0.33 * embeddingRms, temperature: 0.5 });
 * const loss = perSequence.mul(advantages).neg().mean(); // RLOO advantages, no ratio or clip
 * ```
 */
export function softTokenLogprob(
  values: SoftTokenValues,
  options: { sigma: number; temperature?: number },
): {
  /** Gaussian log-density of each soft input, `[batch, seq]`, 0 where `mask` is 0. */
  perToken: Value;
  /** Sum over positions: the CoT part of log pi(rollout), `[batch]`. */
  perSequence: Value;
} {
  const mean = softTokenMean(values.logits, values.embeddingTable, { temperature: options.temperature });
  const lp = gaussianLogprob(values.noisyEmbeds, mean, options.sigma);
  sameShape(values.mask, lp, 'mask', 'the soft positions');
  const { on } = maskParts(values.mask, lp.dtype);
  const perToken = zeroPadding(lp, on);
  return { perToken, perSequence: perToken.sum([-1]) };
}
