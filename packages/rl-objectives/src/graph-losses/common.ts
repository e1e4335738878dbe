import { type DType, ops, type Value } from '@proj/runtime';
import { InvalidValueError, ShapeError } from '../core/errors.js';

/** Floating-point dtypes the graph builders accept. */
const FLOAT: readonly DType[] = ['float32', 'float64', 'float16'];

/**
 * Throw {@link ShapeError} unless `v` is a floating-point graph value of the given rank(s).
 * @example
 * ```ts
 * requireFloatValue(logprobs, 'logprobs', [2]);
 * ```
 */
export function requireFloatValue(v: Value, what: string, ranks: readonly number[]): void {
  if (v === null || typeof v !== 'object' || !('graph' in v)) {
    throw new ShapeError(`${what} must be a graph Value (from @proj/runtime), got ${typeof v}.`);
  }
  if (!FLOAT.includes(v.dtype)) {
    throw new ShapeError(`${what} must be floating point, got ${v.toString()}; cast() it first.`);
  }
  if (!ranks.includes(v.rank)) {
    throw new ShapeError(`${what} must have rank ${ranks.join(' or ')}, got ${v.toString()}.`);
  }
}

/**
 * Throw {@link ShapeError} unless the static dims of `a` and `b` agree (symbolic dims are not compared).
 * @example
 * ```ts
 * sameShape(oldLogprobs, logprobs, 'oldLogprobs', 'logprobs');
 * ```
 */
export function sameShape(a: Value, b: Value, what: string, against: string): void {
  if (a.graph !== b.graph) throw new ShapeError(`${what} and ${against} belong to different graphs.`);
  const bad =
    a.rank !== b.rank ||
    a.shape.some((d, i) => typeof d === 'number' && typeof b.shape[i] === 'number' && d !== b.shape[i]);
  if (bad)
    throw new ShapeError(`${what} is ${a.toString()} but ${against} is ${b.toString()}; they must match.`);
}

/**
 * The mask as a bool value (`true` where a token counts) and as a 0/1 float of `dtype`. Float masks are read
 * as `> 0`; int masks likewise; bool masks pass through.
 * @example
 * ```ts
 * const { on, weight } = maskParts(lossMask, 'float64');
 * ```
 */
export function maskParts(mask: Value, dtype: DType): { on: Value; weight: Value } {
  const on = mask.dtype === 'bool' ? mask : ops.greater(mask, 0);
  return { on, weight: ops.cast(on, dtype) };
}

/**
 * Per-token values with padding forced to exactly 0 (Where, not a product, so a NaN or infinity in a padded
 * position cannot leak into the sums or their gradients).
 * @example
 * ```ts
 * const masked = zeroPadding(perToken, on);
 * ```
 */
export function zeroPadding(values: Value, on: Value): Value {
  return ops.where(on, values, 0);
}

/**
 * Number of tokens (mask sum) as a scalar, at least 1 so means over an all-padding batch are 0, not NaN.
 * @example
 * ```ts
 * const n = tokenCount(weight);
 * ```
 */
export function tokenCount(weight: Value): Value {
  return ops.maximum(weight.sum(), 1);
}

/**
 * Size of axis `axis` of `v` as a float scalar of `dtype` (a constant when static, else read at run time).
 * @example
 * ```ts
 * const batch = dimSize(mask, 0, 'float32');
 * ```
 */
export function dimSize(v: Value, axis: number, dtype: DType): Value {
  const d = v.shape[axis];
  if (typeof d === 'number') return v.graph.constant(d, dtype);
  return ops.cast(ops.shapeOf(v, axis, axis + 1), dtype).sum();
}

/**
 * Check a clip range and return [1 - low, 1 + high].
 * @example
 * ```ts
 * const [lo, hi] = clipBounds(0.2, 0.28);
 * ```
 */
export function clipBounds(clipLow: number, clipHigh: number): [number, number] {
  for (const [name, v] of [
    ['clipLow', clipLow],
    ['clipHigh', clipHigh],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidValueError(`${name} must be a finite number >= 0, got ${String(v)}.`);
    }
  }
  return [1 - clipLow, 1 + clipHigh];
}

/**
 * A positive finite number option, or throw {@link InvalidValueError}.
 * @example
 * ```ts
 * positive(options.temperature ?? 1, 'temperature');
 * ```
 */
export function positive(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidValueError(`${what} must be a finite number > 0, got ${String(v)}.`);
  }
  return v;
}

/**
 * Per-sequence [batch] advantages broadcast to [batch, seq]; [batch, seq] pass through.
 * @example
 * ```ts
 * const A = tokenAdvantages(advantages, logprobs);
 * ```
 */
export function tokenAdvantages(advantages: Value, like: Value): Value {
  requireFloatValue(advantages, 'advantages', [1, 2]);
  if (advantages.rank === 1) {
    const b = advantages.shape[0];
    const lb = like.shape[0];
    if (typeof b === 'number' && typeof lb === 'number' && b !== lb) {
      throw new ShapeError(
        `advantages has ${b} entries but logprobs has ${lb} rows; pass one advantage per sequence or per token.`,
      );
    }
    return advantages.unsqueeze([1]);
  }
  sameShape(advantages, like, 'advantages', 'logprobs');
  return advantages;
}
