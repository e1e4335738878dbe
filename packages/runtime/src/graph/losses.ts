import { defineCompositeGradient } from './composite.js';
import { GraphBuildError } from './errors.js';
import * as ops from './ops/index.js';
import { fmtShape } from './shape.js';
import type { Value } from './value.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /**
   * Per-position weights shaped like `labels` (float 0/1 mask, or bool): masked positions do not count, and
   * 'mean' divides by the mask's sum (at least 1) instead of the number of positions.
   */
  mask?: Value;
  /** 'mean' (default), 'sum', or 'none' (per-position losses shaped like labels). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Softmax cross-entropy of `logits` (shape [..., C]) against integer `labels` (shape [...]): `-log softmax(logits)[label]`,
 * built from LogSoftmax + GatherElements so autodiff handles it.
 * @example const loss = crossEntropy(logits, targets, { mask: attentionMask })
 */
export function crossEntropy(logits: Value, labels: Value, options: CrossEntropyOptions = {}): Value {
  const op = 'crossEntropy';
  if (labels.dtype !== 'int64' && labels.dtype !== 'int32') {
    throw new GraphBuildError(
      op,
      `labels must be int64 or int32, got ${labels.dtype}${fmtShape(labels.shape)}.`,
    );
  }
  if (labels.rank !== logits.rank - 1) {
    throw new GraphBuildError(
      op,
      `labels ${fmtShape(labels.shape)} must have the shape of logits ${fmtShape(logits.shape)} without the class axis.`,
    );
  }
  const idx = labels.dtype === 'int64' ? labels : labels.cast('int64');
  const logp = logits.logSoftmax(-1);
  const at = idx.unsqueeze([-1]);
  const nll = ops.gatherElements(logp, at, -1).squeeze([-1]).neg();
  // d nll / d logits = softmax - onehot(label): three passes over the logits instead of the six of the chain rule
  // through GatherElements and LogSoftmax (the logits are the largest tensor of an LM's loss).
  defineCompositeGradient(nll, [logits], (g) => {
    const gx = g.unsqueeze([-1]);
    return [ops.scatterElements(logp.exp().mul(gx), at, gx.neg(), -1, 'add')];
  });
  return reduceWithMask(op, nll, options.mask, options.reduction ?? 'mean');
}

/**
 * Mean squared error between two same-shaped values (reduction 'mean' by default).
 * @example mse(pred, target)
 */
export function mse(
  pred: Value,
  target: Value,
  options: { reduction?: 'mean' | 'sum' | 'none' } = {},
): Value {
  // Broadcasting here is almost always a bug ([N, 1] against [N] silently becomes [N, N]).
  const mismatch =
    pred.rank !== target.rank ||
    pred.shape.some(
      (d, i) => typeof d === 'number' && typeof target.shape[i] === 'number' && d !== target.shape[i],
    );
  if (mismatch) {
    throw new GraphBuildError(
      'mse',
      `pred ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} must have the same shape; reshape one of them.`,
    );
  }
  const d = pred.sub(target);
  const sq = d.mul(d);
  const r = options.reduction ?? 'mean';
  return r === 'none' ? sq : r === 'sum' ? sq.sum() : sq.mean();
}

/**
 * Reduce per-position values with an optional mask: masked mean divides by max(sum(mask), 1). `op` names the
 * caller in errors.
 * @throws {GraphBuildError} when the mask's rank differs from the values'.
 * @example reduceWithMask('myLoss', perToken, lossMask, 'mean')
 */
export function reduceWithMask(
  op: string,
  values: Value,
  mask: Value | undefined,
  reduction: 'mean' | 'sum' | 'none',
): Value {
  if (!mask) return reduction === 'none' ? values : reduction === 'sum' ? values.sum() : values.mean();
  const m = mask.dtype === values.dtype ? mask : mask.cast(values.dtype);
  if (m.rank !== values.rank)
    throw new GraphBuildError(
      op,
      `mask ${fmtShape(mask.shape)} must be shaped like ${fmtShape(values.shape)}.`,
    );
  const masked = values.mul(m);
  if (reduction === 'none') return masked;
  if (reduction === 'sum') return masked.sum();
  return masked.sum().div(ops.maximum(m.sum(), 1));
}
