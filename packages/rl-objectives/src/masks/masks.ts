import {
  assertFinite,
  assertLength,
  assertNonNegative,
  describe,
  type NumericArray,
} from '../core/arrays.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';

/**
 * A token mask in the padded layout: flat row-major [batch, seqLen], 1 for tokens that count (response
 * tokens), 0 for padding. `Uint8Array`, `Float32Array`, `number[]`, ... (entries must be exactly 0 or 1).
 *
 * @example
 * ```ts
 * const mask: MaskLike = new Uint8Array([1, 1, 0,  1, 0, 0]); // batch 2, seqLen 3
 * ```
 */
export type MaskLike = ArrayLike<number>;

/**
 * A ragged batch turned into the padded layout by {@link padRagged}.
 * @example
 * ```ts
 * const { values, mask, batch, seqLen } = padRagged([[1, 2], [3]]);
 * ```
 */
export interface PaddedBatch {
  /** Flat row-major [batch, seqLen] values, `padValue` in the padding. */
  values: Float64Array;
  /** Same shape, 1 for real entries, 0 for padding. */
  mask: Float64Array;
  /** Number of rows. */
  batch: number;
  /** Padded row length: `options.seqLen`, or the longest row (at least 1). */
  seqLen: number;
}

/**
 * Check a flat [batch, seqLen] array and its mask; returns batch. Mask entries must be 0 or 1.
 * @throws {ShapeError} / {@link InvalidValueError}
 * @example
 * ```ts
 * rowsOf(new Float64Array(6), new Uint8Array(6).fill(1), 3, 'logprobs'); // 2
 * ```
 */
export function rowsOf(values: NumericArray, mask: MaskLike, seqLen: number, what: string): number {
  if (!Number.isInteger(seqLen) || seqLen <= 0) {
    throw new ShapeError(
      `seqLen must be a positive integer (the padded length of each row), got ${describe(seqLen)}.`,
    );
  }
  if (values.length % seqLen !== 0 || values.length === 0) {
    throw new ShapeError(
      `${what} has ${values.length} entries, which is not a positive multiple of seqLen ${seqLen}; pass a flat row-major [batch, seqLen] array.`,
    );
  }
  assertLength(mask, values.length, 'mask', what);
  checkMask(mask);
  return values.length / seqLen;
}

/**
 * Throw {@link InvalidValueError} unless every mask entry is 0 or 1.
 * @example
 * ```ts
 * checkMask([1, 1, 0]); // ok
 * ```
 */
export function checkMask(mask: MaskLike): void {
  for (let i = 0; i < mask.length; i++) {
    const m = mask[i];
    if (m !== 0 && m !== 1) {
      throw new InvalidValueError(
        `mask[${i}] is ${describe(m)}; masks hold 0 (padding) or 1 (token). Use tokenWeights for fractional weights.`,
      );
    }
  }
}

/**
 * Pad ragged rows (e.g. per-sample token log-probs of different lengths) into the flat [batch, seqLen]
 * layout with a mask. `seqLen` defaults to the longest row.
 *
 * @throws {ShapeError} when a row is longer than `seqLen` or there are no rows.
 * @example
 * ```ts
 * padRagged([[-0.1, -0.2], [-0.3]]);
 * // { values: [-0.1, -0.2, -0.3, 0], mask: [1, 1, 1, 0], batch: 2, seqLen: 2 }
 * ```
 */
export function padRagged(
  rows: readonly NumericArray[],
  options: { seqLen?: number; padValue?: number } = {},
): PaddedBatch {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new ShapeError('padRagged needs a non-empty array of rows.');
  let longest = 0;
  for (let b = 0; b < rows.length; b++) {
    const row = rows[b];
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new ShapeError(`row ${b} is ${describe(row)}; each row must be an array of numbers.`);
    }
    assertFinite(row, `rows[${b}]`);
    if (row.length > longest) longest = row.length;
  }
  const seqLen = options.seqLen ?? Math.max(longest, 1);
  if (!Number.isInteger(seqLen) || seqLen <= 0)
    throw new ShapeError(`seqLen must be a positive integer, got ${seqLen}.`);
  if (longest > seqLen)
    throw new ShapeError(`a row has ${longest} entries but seqLen is ${seqLen}; raise seqLen.`);
  const padValue = options.padValue ?? 0;
  const values = new Float64Array(rows.length * seqLen).fill(padValue);
  const mask = new Float64Array(rows.length * seqLen);
  for (let b = 0; b < rows.length; b++) {
    const row = rows[b];
    for (let t = 0; t < row.length; t++) {
      values[b * seqLen + t] = row[t];
      mask[b * seqLen + t] = 1;
    }
  }
  return { values, mask, batch: rows.length, seqLen };
}

/**
 * Mask of [batch, seqLen] with the first `lengths[b]` tokens of each row set (right padding).
 * @example
 * ```ts
 * lengthsToMask([2, 0, 3], 3); // [1,1,0, 0,0,0, 1,1,1]
 * ```
 */
export function lengthsToMask(lengths: NumericArray, seqLen: number): Float64Array {
  if (!Number.isInteger(seqLen) || seqLen <= 0)
    throw new ShapeError(`seqLen must be a positive integer, got ${seqLen}.`);
  const mask = new Float64Array(lengths.length * seqLen);
  for (let b = 0; b < lengths.length; b++) {
    const L = lengths[b];
    if (!Number.isInteger(L) || L < 0 || L > seqLen) {
      throw new InvalidValueError(
        `lengths[${b}] is ${describe(L)}; lengths must be integers in [0, seqLen = ${seqLen}].`,
      );
    }
    mask.fill(1, b * seqLen, b * seqLen + L);
  }
  return mask;
}

/**
 * Number of unmasked tokens per row.
 * @example
 * ```ts
 * maskLengths([1, 1, 0, 1, 0, 0], 3); // [2, 1]
 * ```
 */
export function maskLengths(mask: MaskLike, seqLen: number): Float64Array {
  const batch = rowsOf(mask, mask, seqLen, 'mask');
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let c = 0;
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) c += mask[t];
    out[b] = c;
  }
  return out;
}

/**
 * Mask of the token span [start_b, end_b) in each row, e.g. the answer tokens (for exploration bonuses that
 * must not train the answer itself). Spans are clipped to the row.
 * @example
 * ```ts
 * spanMask(4, [2, 1], [4, 2]); // [0,0,1,1, 0,1,0,0]
 * ```
 */
export function spanMask(seqLen: number, starts: NumericArray, ends: NumericArray): Float64Array {
  if (!Number.isInteger(seqLen) || seqLen <= 0)
    throw new ShapeError(`seqLen must be a positive integer, got ${seqLen}.`);
  assertLength(ends, starts.length, 'ends', 'starts');
  const out = new Float64Array(starts.length * seqLen);
  for (let b = 0; b < starts.length; b++) {
    const s = starts[b];
    const e = ends[b];
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e < s) {
      throw new InvalidValueError(
        `span ${b} is [${describe(s)}, ${describe(e)}); spans need integers 0 <= start <= end.`,
      );
    }
    out.fill(1, b * seqLen + Math.min(s, seqLen), b * seqLen + Math.min(e, seqLen));
  }
  return out;
}

/**
 * Sum of the unmasked values.
 * @example
 * ```ts
 * maskedSum([1, 2, 3], [1, 0, 1]); // 4
 * ```
 */
export function maskedSum(values: NumericArray, mask: MaskLike): number {
  assertLength(mask, values.length, 'mask', 'values');
  checkMask(mask);
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] === 0) continue;
    const v = values[i];
    if (v - v !== 0)
      throw new InvalidValueError(`values[${i}] is ${describe(v)}; unmasked values must be finite.`);
    s += v;
  }
  return s;
}

/**
 * Mean of the unmasked values (verl `masked_mean`).
 * @throws {InvalidValueError} when the mask is all zero.
 * @example
 * ```ts
 * maskedMean([1, 2, 3], [1, 0, 1]); // 2
 * ```
 */
export function maskedMean(values: NumericArray, mask: MaskLike): number {
  const s = maskedSum(values, mask);
  const c = countOnes(mask);
  if (c === 0)
    throw new InvalidValueError(
      'the mask is all zero, so the masked mean is undefined; pass at least one token.',
    );
  return s / c;
}

/**
 * Whiten the unmasked values: (x - mean) / sqrt(var + eps), mean and Bessel-corrected variance over the
 * unmasked entries (verl `masked_whiten`, eps 1e-8); `shiftMean: false` adds the mean back. Masked entries
 * come out as 0.
 * @throws {InvalidValueError} when fewer than 2 entries are unmasked with `unbiased` (verl raises too).
 * @example
 * ```ts
 * maskedWhiten([1, 3, 99], [1, 1, 0]); // [-0.7071, 0.7071, 0]
 * ```
 */
export function maskedWhiten(
  values: NumericArray,
  mask: MaskLike,
  options: { shiftMean?: boolean; unbiased?: boolean; eps?: number } = {},
): Float64Array {
  const eps = options.eps ?? 1e-8;
  assertNonNegative(eps, 'eps');
  const unbiased = options.unbiased ?? true;
  const mean = maskedMean(values, mask);
  const c = countOnes(mask);
  if (unbiased && c < 2) {
    throw new InvalidValueError(
      `the mask has ${c} entry; the unbiased variance needs at least 2. Pass unbiased: false or more tokens.`,
    );
  }
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] === 0) continue;
    const d = values[i] - mean;
    ss += d * d;
  }
  const variance = unbiased ? ss / (c - 1) : ss / c;
  const k = 1 / Math.sqrt(variance + eps);
  const shift = options.shiftMean ?? true;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (mask[i] === 0) continue;
    out[i] = (values[i] - mean) * k + (shift ? 0 : mean);
  }
  return out;
}

/**
 * Broadcast one value per sequence (e.g. outcome advantages) to its tokens: out[b, t] = perSequence[b] *
 * mask[b, t] (verl's `scores.unsqueeze(-1) * response_mask`).
 * @example
 * ```ts
 * broadcastToTokens([0.5, -1], [1, 1, 0, 1, 0, 0], 3); // [0.5, 0.5, 0, -1, 0, 0]
 * ```
 */
export function broadcastToTokens(perSequence: NumericArray, mask: MaskLike, seqLen: number): Float64Array {
  const batch = rowsOf(mask, mask, seqLen, 'mask');
  assertLength(perSequence, batch, 'perSequence', 'the mask rows');
  assertFinite(perSequence, 'perSequence');
  const out = new Float64Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    const v = perSequence[b];
    for (let t = b * seqLen; t < (b + 1) * seqLen; t++) out[t] = mask[t] === 0 ? 0 : v;
  }
  return out;
}

function countOnes(mask: MaskLike): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}
