import { ops, type Value } from '@proj/runtime';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import type { KlOptions } from '../kl/kl.js';
import { positive, requireFloatValue, sameShape } from './common.js';

/**
 * Log-probs of given tokens under logits / temperature: log softmax(logits / T)[label], [..., V] and int
 * labels [...] -> [...]. What a trainer needs from a language model's logits (TRL divides the logits by the
 * sampling temperature so the ratio compares like with like).
 *
 * @example
 * ```ts
 * const logp = tokenLogprobs(d.logits, labels, { temperature: 0.7 }); // [batch, seq]
 * ```
 */
export function tokenLogprobs(logits: Value, labels: Value, options: { temperature?: number } = {}): Value {
  requireFloatValue(logits, 'logits', [2, 3]);
  if (labels.dtype !== 'int64' && labels.dtype !== 'int32') {
    throw new ShapeError(`labels must be int64 or int32 token ids, got ${labels.toString()}.`);
  }
  if (labels.rank !== logits.rank - 1) {
    throw new ShapeError(
      `labels ${labels.toString()} must have the shape of logits ${logits.toString()} without the vocabulary axis.`,
    );
  }
  const idx = labels.dtype === 'int64' ? labels : labels.cast('int64');
  const lp = scaled(logits, options.temperature).logSoftmax(-1);
  return ops.gatherElements(lp, idx.unsqueeze([-1]), -1).squeeze([-1]);
}

/**
 * Entropy of the next-token distribution softmax(logits / T) at every position: [..., V] -> [...],
 * H = -sum_v p_v log p_v, differentiable w.r.t. the logits (verl's entropy bonus, TRL's entropy metric).
 *
 * @example
 * ```ts
 * const H = tokenEntropy(d.logits); // [batch, seq]
 * const bonus = maskedAggregate(H, lossMask, 'token-mean');
 * ```
 */
export function tokenEntropy(logits: Value, options: { temperature?: number } = {}): Value {
  requireFloatValue(logits, 'logits', [1, 2, 3]);
  const lp = scaled(logits, options.temperature).logSoftmax(-1);
  return lp.exp().mul(lp).sum([-1]).neg();
}

/**
 * Graph form of {@link klPerToken}: per-token KL(pi || pi_ref) estimates from the sampled tokens' log-probs
 * under the policy and the reference (same estimators, clamps and gradients):
 * k1 = logp - ref, k2 = (logp - ref)^2 / 2, k3 = e^(ref - logp) - (ref - logp) - 1. An active clamp passes
 * no gradient, as torch.clamp.
 *
 * @example
 * ```ts
 * const kl = klPenalty(logp, refLogprobs, { estimator: 'k3' }); // [batch, seq]
 * ```
 */
export function klPenalty(logprobs: Value, refLogprobs: Value, options: KlOptions = {}): Value {
  const estimator = options.estimator ?? 'k3';
  if (estimator !== 'k1' && estimator !== 'k2' && estimator !== 'k3') {
    throw new InvalidValueError(`estimator must be 'k1', 'k2' or 'k3', got ${String(estimator)}.`);
  }
  requireFloatValue(logprobs, 'logprobs', [1, 2]);
  requireFloatValue(refLogprobs, 'refLogprobs', [1, 2]);
  sameShape(refLogprobs, logprobs, 'refLogprobs', 'logprobs');
  const d = logprobs.sub(refLogprobs);
  if (estimator === 'k1') return d;
  if (estimator === 'k2') return d.mul(d).mul(0.5);
  let x = d.neg(); // ref - logp
  if (options.clampLogRatio !== undefined) {
    const c = positive(options.clampLogRatio, 'clampLogRatio');
    x = x.clip(-c, c);
  }
  let v = x.exp().sub(x).sub(1);
  if (options.clampValue !== undefined) {
    const c = positive(options.clampValue, 'clampValue');
    v = v.clip(-c, c);
  }
  return v;
}

function scaled(logits: Value, temperature: number | undefined): Value {
  if (temperature === undefined || temperature === 1) return logits;
  return logits.div(positive(temperature, 'temperature'));
}
