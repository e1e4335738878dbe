import { assertLength, describe, type NumericArray } from '../core/arrays.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import { type MaskLike, rowsOf } from '../masks/masks.js';

/**
 * How per-token losses become one number (verl `loss_agg_mode`, TRL `loss_type`):
 * - `'token-mean'`: sum over all unmasked tokens / their count (verl default; TRL "bnpo"/"dapo");
 * - `'seq-mean-token-mean'`: mean over sequences of each sequence's token mean (original GRPO; TRL "grpo");
 * - `'seq-mean-token-sum'`: mean over sequences of each sequence's token sum;
 * - `'seq-mean-token-sum-norm'`: sum over all tokens / (B * Lmax), a constant divisor (Dr.GRPO; TRL
 *   "dr_grpo"). verl's mode of the same name divides by Lmax only, i.e. its value is B times this one.
 * @example
 * ```ts
 * aggregateLoss(perToken, mask, seqLen, 'seq-mean-token-sum-norm', { maxLength: 1024 });
 * ```
 */
export type LossAggregation =
  | 'token-mean'
  | 'seq-mean-token-mean'
  | 'seq-mean-token-sum'
  | 'seq-mean-token-sum-norm';

/**
 * Options of {@link aggregationWeights} / {@link aggregateLoss}.
 * @example
 * ```ts
 * const trlGrpo: AggregationOptions = { countEmptyRows: true };
 * ```
 */
export interface AggregationOptions {
  /** Lmax of `'seq-mean-token-sum-norm'` (TRL: `max_completion_length`). Default seqLen. */
  maxLength?: number;
  /**
   * Seq-mean modes: count rows without any unmasked token in the number of sequences (TRL, where they add
   * 0) instead of leaving them out (verl >= 0.5). Default false. `'seq-mean-token-sum-norm'` always counts
   * every row (B = batch size, as TRL's dr_grpo).
   */
  countEmptyRows?: boolean;
}

/**
 * The weight w[b, t] of each token in the aggregated loss, so that loss = sum_t w_t * l_t and its gradient
 * w.r.t. a token's log-prob is w_t * dl_t/dlogp_t. Padding gets 0.
 *
 * @throws {InvalidValueError} when no token is unmasked (the aggregate is undefined).
 * @example
 * ```ts
 * aggregationWeights([1, 1, 0, 1, 0, 0], 3, 'seq-mean-token-mean'); // [0.25, 0.25, 0, 0.5, 0, 0]
 * ```
 */
export function aggregationWeights(
  mask: MaskLike,
  seqLen: number,
  mode: LossAggregation,
  options: AggregationOptions = {},
): Float64Array {
  const batch = rowsOf(mask, mask, seqLen, 'mask');
  const lengths = new Float64Array(batch);
  let total = 0;
  let nonEmpty = 0;
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) c += mask[t];
    lengths[b] = c;
    total += c;
    if (c > 0) nonEmpty++;
  }
  if (total === 0) {
    throw new InvalidValueError(
      'every token is masked, so the aggregated loss is undefined; pass at least one token.',
    );
  }
  const rows = options.countEmptyRows ? batch : nonEmpty;
  const w = new Float64Array(batch * seqLen);
  let perRow: (b: number) => number;
  switch (mode) {
    case 'token-mean':
      perRow = () => 1 / total;
      break;
    case 'seq-mean-token-mean':
      perRow = (b) => 1 / (rows * lengths[b]);
      break;
    case 'seq-mean-token-sum':
      perRow = () => 1 / rows;
      break;
    case 'seq-mean-token-sum-norm': {
      const maxLength = options.maxLength ?? seqLen;
      if (!(maxLength > 0) || !Number.isFinite(maxLength)) {
        throw new InvalidValueError(`maxLength must be a positive number, got ${describe(maxLength)}.`);
      }
      perRow = () => 1 / (batch * maxLength);
      break;
    }
    default:
      throw new InvalidValueError(
        `aggregation must be 'token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum' or 'seq-mean-token-sum-norm', got ${describe(mode)}.`,
      );
  }
  for (let b = 0; b < batch; b++) {
    if (lengths[b] === 0) continue;
    const wb = perRow(b);
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) if (mask[t] === 1) w[t] = wb;
  }
  return w;
}

/**
 * Aggregate per-token losses (flat [batch, seqLen]) into one loss; see {@link LossAggregation}.
 * @example
 * ```ts
 * aggregateLoss([1, 2, 9, 3, 9, 9], [1, 1, 0, 1, 0, 0], 3, 'token-mean'); // (1 + 2 + 3) / 3 = 2
 * ```
 */
export function aggregateLoss(
  perToken: NumericArray,
  mask: MaskLike,
  seqLen: number,
  mode: LossAggregation,
  options: AggregationOptions = {},
): number {
  if (perToken.length !== mask.length) {
    throw new ShapeError(
      `perToken has ${perToken.length} entries but mask has ${mask.length}; both are [batch, seqLen].`,
    );
  }
  const w = aggregationWeights(mask, seqLen, mode, options);
  assertLength(perToken, w.length, 'perToken', 'mask');
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    const l = perToken[i];
    if (typeof l !== 'number' || l - l !== 0) {
      throw new InvalidValueError(`perToken[${i}] is ${describe(l)}; unmasked losses must be finite.`);
    }
    s += w[i] * l;
  }
  return s;
}
