/**
 * Raised for safetensors data that cannot be read or written: a truncated file, a header that is not JSON or
 * is too large, unknown dtypes, offsets that overlap, leave gaps or run past the data, or tensors the format
 * cannot hold. The message names the file (when there is one), the tensor and the fix.
 *
 * @example
 * ```ts
 * try { await loadSafetensors('model.safetensors'); }
 * catch (e) { if (e instanceof SafetensorsError) console.error(e.message); }
 * ```
 */
export class SafetensorsError extends Error {
  /** `'SafetensorsError'`. */
  override name = 'SafetensorsError';
}
