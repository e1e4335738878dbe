/**
 * Raised when tensor data, shapes or dtypes do not fit together (eager code and conversions).
 * The message names what was wrong and how to fix it.
 */
export class TensorError extends Error {
  override name = 'TensorError';
}
