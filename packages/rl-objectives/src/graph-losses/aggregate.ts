import { ops, type Value } from '@proj/runtime';
import { InvalidValueError } from '../core/errors.js';
import type { AggregationOptions, LossAggregation } from '../losses/aggregate.js';
import { dimSize, maskParts, requireFloatValue, sameShape, tokenCount, zeroPadding } from './common.js';

const MODES: readonly LossAggregation[] = [
  'token-mean',
  'seq-mean-token-mean',
  'seq-mean-token-sum',
  'seq-mean-token-sum-norm',
];

/**
 * Graph form of {@link aggregateLoss}: per-token values [batch, seq] and a 0/1 mask (float, int or bool) ->
 * one scalar, with the same {@link LossAggregation} modes and options, so it computes the same number:
 * - `'token-mean'`: sum over unmasked tokens / their count;
 * - `'seq-mean-token-mean'`: mean over sequences of each sequence's token mean;
 * - `'seq-mean-token-sum'`: mean over sequences of each sequence's token sum;
 * - `'seq-mean-token-sum-norm'`: sum / (batch * maxLength), maxLength defaulting to the seq dim.
 *
 * Rows without tokens are left out of the sequence mean unless `countEmptyRows`. Where the numeric version
 * throws on an all-padding batch, the graph returns 0 (a graph cannot throw at run time). Padded positions
 * are zeroed with Where, so non-finite values there do not leak.
 *
 * @example
 * ```ts
 * const loss = maskedAggregate(perToken, lossMask, 'seq-mean-token-mean');
 * ```
 */
export function maskedAggregate(
  perToken: Value,
  mask: Value,
  mode: LossAggregation = 'token-mean',
  options: AggregationOptions = {},
): Value {
  requireFloatValue(perToken, 'perToken', [2]);
  sameShape(mask, perToken, 'mask', 'perToken');
  if (!MODES.includes(mode)) {
    throw new InvalidValueError(`aggregation must be one of ${MODES.join(', ')}, got ${String(mode)}.`);
  }
  const dt = perToken.dtype;
  const { on, weight } = maskParts(mask, dt);
  const masked = zeroPadding(perToken, on);
  if (mode === 'token-mean') return masked.sum().div(tokenCount(weight));
  if (mode === 'seq-mean-token-sum-norm') {
    if (options.maxLength !== undefined && !(options.maxLength > 0 && Number.isFinite(options.maxLength))) {
      throw new InvalidValueError(`maxLength must be a positive number, got ${String(options.maxLength)}.`);
    }
    const maxLength =
      options.maxLength === undefined
        ? dimSize(perToken, 1, dt)
        : perToken.graph.constant(options.maxLength, dt);
    return masked.sum().div(dimSize(perToken, 0, dt).mul(maxLength));
  }
  const lengths = weight.sum([1]);
  const rowSums = masked.sum([1]);
  const perRow = mode === 'seq-mean-token-mean' ? rowSums.div(ops.maximum(lengths, 1)) : rowSums;
  const rows = options.countEmptyRows
    ? dimSize(perToken, 0, dt)
    : ops.maximum(ops.cast(ops.greater(lengths, 0), dt).sum(), 1);
  return perRow.sum().div(rows);
}

/**
 * Masked mean of per-token values as a scalar (0 when every token is masked), e.g. a metric such as the
 * clip fraction or the mean entropy.
 * @example
 * ```ts
 * const meanEntropy = maskedTokenMean(tokenEntropy(logits), lossMask);
 * ```
 */
export function maskedTokenMean(values: Value, mask: Value): Value {
  requireFloatValue(values, 'values', [values.rank]);
  const { on, weight } = maskParts(mask, values.dtype);
  return zeroPadding(values, on).sum().div(tokenCount(weight));
}

/**
 * Per-sequence sums (or means with `average`) of per-token values over the mask: [batch, seq] -> [batch].
 * Gives the sequence log-probs DPO needs from a model's token log-probs (TRL feeds IPO the averages).
 * @example
 * ```ts
 * const seqLogp = sequenceSum(tokenLogprobs, completionMask); // [batch]
 * ```
 */
export function sequenceSum(values: Value, mask: Value, options: { average?: boolean } = {}): Value {
  requireFloatValue(values, 'values', [2]);
  sameShape(mask, values, 'mask', 'values');
  const { on, weight } = maskParts(mask, values.dtype);
  const sums = zeroPadding(values, on).sum([1]);
  return options.average ? sums.div(ops.maximum(weight.sum([1]), 1)) : sums;
}
