/**
 * Raised when tensor data, shapes or dtypes do not fit together (eager code and conversions).
 * The message names what was wrong and how to fix it.
 * @example
 * ```ts
 * try { Tensor.fromArray([1, 2, 3], { shape: [2, 2] }); } catch (e) { if (e instanceof TensorError) console.error(e.message); }
 * ```
 */
export class TensorError extends Error {
  /** `'TensorError'`. */
  override name = 'TensorError';
}
