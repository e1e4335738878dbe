/**
 * The requested execution provider cannot run here (no GPU / Vulkan for webgpu, CUDA libraries not installed).
 * The message says what is missing and how to fall back.
 *
 * @example
 * ```ts
 * const f = await compile(g, { executionProvider: 'webgpu' }).catch((e) =>
 *   e instanceof ExecutionProviderError ? compile(g) : Promise.reject(e),
 * );
 * ```
 */
export class ExecutionProviderError extends Error {
  /** `'ExecutionProviderError'`. */
  override name = 'ExecutionProviderError';
}

/**
 * Feeds passed to a compiled graph do not match its inputs (missing, unknown, wrong dtype or shape). The message
 * lists every problem and the expected signature.
 * @example
 * ```ts
 * try { await f({ x: Tensor.zeros([2, 3]) }); } catch (e) { if (e instanceof FeedError) console.error(e.message); }
 * ```
 */
export class FeedError extends Error {
  /** `'FeedError'`. */
  override name = 'FeedError';
}

/**
 * ONNX Runtime failed to create a session or to run it; `cause` holds the original error.
 * @example
 * ```ts
 * try { await compile('model.onnx'); } catch (e) { if (e instanceof SessionError) console.error(e.message, e.cause); }
 * ```
 */
export class SessionError extends Error {
  /** `'SessionError'`. */
  override name = 'SessionError';
}
