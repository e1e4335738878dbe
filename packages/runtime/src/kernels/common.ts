import { TensorError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The float dtypes the eager kernels compute on (float16 is storage-only: cast it first).
 * @example
 * ```ts
 * const dt: KernelFloat = 'float64';
 * ```
 */
export type KernelFloat = 'float32' | 'float64';

/**
 * A float32 or float64 tensor, as accepted by the eager kernels.
 * @example
 * ```ts
 * const x: FloatTensor = Tensor.randn([4, 8], { seed: 1 });
 * ```
 */
export type FloatTensor = Tensor<'float32'> | Tensor<'float64'>;

/**
 * Rows of a matrix as separate arrays, as embedders and JSON files tend to hand them out.
 * @example
 * ```ts
 * const rows: RowArrays = [new Float32Array([1, 0]), new Float32Array([0, 1])];
 * ```
 */
export type RowArrays = readonly Float32Array[] | readonly Float64Array[] | readonly (readonly number[])[];

/** `[2, 3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Check that `x` is a float32/float64 tensor; name the kernel and the fix otherwise.
 * @throws {TensorError} for other dtypes or non-tensors.
 */
export function assertFloat(fn: string, x: Tensor, name = 'x'): asserts x is FloatTensor {
  if (!(x instanceof Tensor)) {
    throw new TensorError(
      `${fn}: ${name} must be a Tensor, got ${typeof x}; wrap data with Tensor.fromArray().`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TensorError(
      `${fn}: ${name} has dtype ${x.dtype} ${fmtShape(x.shape)}, but the eager kernels need float32 or float64; ` +
        `convert it with ${name}.cast('float32').`,
    );
  }
}

/**
 * Resolve a possibly negative axis against a rank.
 * @throws {TensorError} when the axis is not an integer in [-rank, rank).
 */
export function normAxis(fn: string, axis: number, shape: readonly number[]): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new TensorError(
      `${fn}: axis ${axis} is out of range for shape ${fmtShape(shape)} (rank ${rank}); ` +
        `use an integer in [${-rank}, ${rank - 1}].`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Split a shape around one axis: `outer` blocks of `n` elements along the axis, consecutive along-axis elements
 * `inner` apart. Element `j` of lane `(o, i)` lives at `o * n * inner + j * inner + i`.
 */
export function splitAxis(
  shape: readonly number[],
  axis: number,
): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}

/** Throw when x holds NaN: for kernels whose output would otherwise be silently meaningless (orderings). */
export function assertNoNaN(fn: string, x: Tensor, fix: string): void {
  const d = x.data as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (Number.isNaN(v)) {
      throw new TensorError(`${fn}: input ${fmtShape(x.shape)} holds ${v} at flat index ${i}; ${fix}`);
    }
  }
}
