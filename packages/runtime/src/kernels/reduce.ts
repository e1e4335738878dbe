import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, fmtShape, type KernelFloat, normAxis } from './common.js';
import { transpose } from './matmul.js';

/**
 * Which axes to reduce: one axis, several, or (undefined) all of them. Negative axes count from the end.
 * @example
 * ```ts
 * sum(x, [0, -1]); // reduce the first and the last axis
 * ```
 */
export type ReduceAxes = number | readonly number[] | undefined;

/**
 * Lay out x as [rows, len] with the reduced axes last and contiguous (copying through a transpose only when they
 * are not already trailing), and compute the output shape.
 */
function prepare(
  fn: string,
  x: Tensor<KernelFloat>,
  axis: ReduceAxes,
  keepDims: boolean,
): { data: Float32Array | Float64Array; rows: number; len: number; shape: number[] } {
  assertFloat(fn, x);
  const rank = x.rank;
  const list = axis === undefined ? x.shape.map((_, i) => i) : typeof axis === 'number' ? [axis] : [...axis];
  const axes = [...new Set(list.map((a) => normAxis(fn, a, x.shape)))].sort((a, b) => a - b);
  if (axes.length !== list.length) {
    throw new TensorError(
      `${fn}: axes [${list.join(', ')}] name an axis of ${fmtShape(x.shape)} twice; list each once.`,
    );
  }
  const reduced = new Set(axes);
  const kept = x.shape.map((_, i) => i).filter((i) => !reduced.has(i));
  let len = 1;
  for (const a of axes) len *= x.shape[a];
  const rows = len === 0 ? kept.reduce((p, a) => p * x.shape[a], 1) : x.size / len;
  const shape = keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : kept.map((i) => x.shape[i]);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  const data = trailing ? x.data : transpose(x, [...kept, ...axes]).data;
  return { data, rows, len, shape };
}

function axesText(axis: ReduceAxes): string {
  if (axis === undefined) return 'all axes';
  return typeof axis === 'number' ? `axis ${axis}` : `axes [${axis.join(', ')}]`;
}

/** Neumaier-compensated sum of data[o .. o+len): accurate to about one rounding even for long float64 lanes. */
function laneSum(d: Float32Array | Float64Array, o: number, len: number): number {
  let s = 0;
  let c = 0;
  for (let j = 0; j < len; j++) {
    const v = d[o + j];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  // With an infinite (or NaN) total the compensation is NaN (inf - inf); the plain sum is the right answer.
  return Number.isFinite(s) ? s + c : s;
}

/**
 * Sum over `axis` (one axis, a list, or all when omitted), keeping the reduced axes as size 1 with `keepDims`.
 * Accumulates in float64 with Neumaier compensation; the result keeps x's dtype. An empty reduction sums to 0.
 *
 * @throws {TensorError} for non-float input or bad / repeated axes.
 * @example
 * ```ts
 * const x = Tensor.fromArray([[1, 2, 3], [4, 5, 6]]);
 * sum(x).item();                  // 21
 * sum(x, 0).toNumbers();          // [5, 7, 9]
 * sum(x, -1, true).shape;         // [2, 1]
 * ```
 */
export function sum<D extends KernelFloat>(x: Tensor<D>, axis?: ReduceAxes, keepDims = false): Tensor<D> {
  const { data, rows, len, shape } = prepare('sum', x, axis, keepDims);
  const out = Tensor.zeros(shape, x.dtype);
  for (let r = 0; r < rows; r++) out.data[r] = laneSum(data, r * len, len);
  return out;
}

/**
 * Arithmetic mean over `axis` (one axis, a list, or all when omitted); see {@link sum} for the axis rules.
 * Computed as a compensated float64 sum divided by the count.
 *
 * @throws {TensorError} for non-float input, bad axes, or an empty reduction (the mean of nothing is undefined).
 * @example
 * ```ts
 * mean(Tensor.fromArray([[1, 2], [3, 4]]), 0).toNumbers(); // [2, 3]
 * ```
 */
export function mean<D extends KernelFloat>(x: Tensor<D>, axis?: ReduceAxes, keepDims = false): Tensor<D> {
  const { data, rows, len, shape } = prepare('mean', x, axis, keepDims);
  if (len === 0 && rows > 0) {
    throw new TensorError(`mean: reducing ${fmtShape(x.shape)} over ${axesText(axis)} covers no elements.`);
  }
  const out = Tensor.zeros(shape, x.dtype);
  for (let r = 0; r < rows; r++) out.data[r] = laneSum(data, r * len, len) / len;
  return out;
}

/**
 * Options of {@link variance}.
 * @example
 * ```ts
 * variance(x, 0, { correction: 1, keepDims: true }); // unbiased, shape [1, ...]
 * ```
 */
export interface VarianceOptions {
  /**
   * Subtracted from the count in the denominator: 0 (default) is the population variance (numpy's ddof=0),
   * 1 the unbiased sample variance (torch's default, numpy's ddof=1).
   */
  correction?: number;
  /** Keep reduced axes as size 1. Default false. */
  keepDims?: boolean;
}

/**
 * Variance over `axis` (one axis, a list, or all when omitted): `sum((x - mean)^2) / (count - correction)`, by
 * the corrected two-pass algorithm in float64 (no catastrophic cancellation for data with a large offset).
 *
 * @throws {TensorError} for non-float input, bad axes, a negative correction, or count - correction <= 0.
 * @example
 * ```ts
 * const x = Tensor.fromArray([1, 2, 3, 4]);
 * variance(x).item();                     // 1.25 (population)
 * variance(x, 0, { correction: 1 }).item(); // 1.6666... (sample)
 * ```
 */
export function variance<D extends KernelFloat>(
  x: Tensor<D>,
  axis?: ReduceAxes,
  options: VarianceOptions = {},
): Tensor<D> {
  const correction = options.correction ?? 0;
  if (!(correction >= 0) || !Number.isFinite(correction)) {
    throw new TensorError(`variance: correction must be a finite number >= 0, got ${correction}.`);
  }
  const { data, rows, len, shape } = prepare('variance', x, axis, options.keepDims === true);
  if (rows > 0 && len - correction <= 0) {
    throw new TensorError(
      `variance: reducing ${fmtShape(x.shape)} over ${axesText(axis)} gives ${len} element(s) per lane, ` +
        `not more than correction = ${correction}; reduce over more elements or lower the correction.`,
    );
  }
  const out = Tensor.zeros(shape, x.dtype);
  for (let r = 0; r < rows; r++) {
    const o = r * len;
    const mu = laneSum(data, o, len) / len;
    let ss = 0;
    let sd = 0;
    for (let j = 0; j < len; j++) {
      const dev = data[o + j] - mu;
      ss += dev * dev;
      sd += dev;
    }
    out.data[r] = (ss - (sd * sd) / len) / (len - correction);
  }
  return out;
}
