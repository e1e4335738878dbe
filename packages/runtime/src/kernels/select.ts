import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { assertFloat, assertNoNaN, fmtShape, type KernelFloat, normAxis, splitAxis } from './common.js';

const NAN_FIX = 'NaN has no order; replace it (e.g. with -Infinity to exclude an entry) before selecting.';

/**
 * Index of the largest value along `axis` (default the last), as an int32 tensor with that axis removed.
 * Ties go to the first (lowest) index, like numpy.argmax.
 *
 * @throws {TensorError} for non-float input, a bad axis, an empty axis, or NaN values (they have no order).
 * @example
 * ```ts
 * argmax(Tensor.fromArray([[1, 3, 3], [7, 0, 2]])).toNumbers(); // [1, 0]
 * ```
 */
export function argmax(x: Tensor<KernelFloat>, axis = -1): Tensor<'int32'> {
  assertFloat('argmax', x);
  if (x.rank === 0) throw new TensorError('argmax: x is a scalar; give it at least one axis (reshape([1])).');
  const ax = normAxis('argmax', axis, x.shape);
  const { outer, n, inner } = splitAxis(x.shape, ax);
  if (n === 0 && outer * inner > 0) {
    throw new TensorError(`argmax: axis ${axis} of ${fmtShape(x.shape)} is empty, so there is no maximum.`);
  }
  assertNoNaN('argmax', x, NAN_FIX);
  const out = Tensor.zeros(
    x.shape.filter((_, i) => i !== ax),
    'int32',
  );
  const src = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bv = src[base];
      for (let j = 1; j < n; j++) {
        const v = src[base + j * inner];
        if (v > bv) {
          bv = v;
          best = j;
        }
      }
      out.data[o * inner + i] = best;
    }
  }
  return out;
}

/**
 * Options of {@link topK}.
 * @example
 * ```ts
 * topK(x, 3, -1, { largest: false }); // the 3 smallest, ascending
 * ```
 */
export interface TopKOptions {
  /** true (default): the k largest, in descending order; false: the k smallest, in ascending order. */
  largest?: boolean;
}

/**
 * Result of {@link topK}: the selected values (x's dtype) and their int32 positions along the axis.
 * @example
 * ```ts
 * const { values, indices }: TopKResult<'float32'> = topK(logits, 5);
 * ```
 */
export interface TopKResult<D extends KernelFloat> {
  /** The selected values, best first; the axis has length k. */
  values: Tensor<D>;
  /** Their positions along the axis. */
  indices: Tensor<'int32'>;
}

/**
 * The k largest (or smallest) entries along `axis` (default the last), sorted best first; ties keep the lower
 * index first, so the result is deterministic and equals a stable full sort cut at k. The axis is replaced by k
 * in both outputs. Small k uses a bounded insertion buffer (O(n k)); larger k sorts index arrays (O(n log n)).
 *
 * @throws {TensorError} for non-float input, a bad axis, k outside [0, n], or NaN values.
 * @example
 * ```ts
 * const { values, indices } = topK(Tensor.fromArray([[1, 5, 3, 5]]), 2);
 * values.toNumbers();  // [5, 5]
 * indices.toNumbers(); // [1, 3]
 * ```
 */
export function topK<D extends KernelFloat>(
  x: Tensor<D>,
  k: number,
  axis = -1,
  options: TopKOptions = {},
): TopKResult<D> {
  assertFloat('topK', x);
  if (x.rank === 0) throw new TensorError('topK: x is a scalar; give it at least one axis (reshape([1])).');
  const ax = normAxis('topK', axis, x.shape);
  const { outer, n, inner } = splitAxis(x.shape, ax);
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new TensorError(
      `topK: k = ${k} does not fit axis ${axis} of ${fmtShape(x.shape)} (size ${n}); use an integer 0 <= k <= ${n}.`,
    );
  }
  assertNoNaN('topK', x, NAN_FIX);
  const largest = options.largest !== false;
  const outShape = x.shape.map((d, i) => (i === ax ? k : d));
  const values = Tensor.zeros(outShape, x.dtype);
  const indices = Tensor.zeros(outShape, 'int32');
  // Sign flip turns "smallest" into "largest", so one comparison serves both; ties compare indices.
  const sign = largest ? 1 : -1;
  const lane = new Float64Array(n);
  const bufV = new Float64Array(k);
  const bufI = new Int32Array(k);
  const order = k > 16 ? new Int32Array(n) : null;
  const src = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) lane[j] = sign * src[base + j * inner];
      if (order === null) {
        // Insertion into a sorted buffer of the best k seen so far; strict > keeps earlier indices ahead on ties.
        let len = 0;
        for (let j = 0; j < n; j++) {
          const v = lane[j];
          if (len === k && !(v > bufV[k - 1])) continue;
          let p = len < k ? len++ : k - 1;
          while (p > 0 && v > bufV[p - 1]) {
            bufV[p] = bufV[p - 1];
            bufI[p] = bufI[p - 1];
            p--;
          }
          bufV[p] = v;
          bufI[p] = j;
        }
      } else {
        for (let j = 0; j < n; j++) order[j] = j;
        order.sort((a, b) => lane[b] - lane[a] || a - b);
        for (let t = 0; t < k; t++) {
          bufI[t] = order[t];
          bufV[t] = lane[order[t]];
        }
      }
      const ob = o * k * inner + i;
      for (let t = 0; t < k; t++) {
        values.data[ob + t * inner] = sign * bufV[t];
        indices.data[ob + t * inner] = bufI[t];
      }
    }
  }
  return { values, indices };
}
