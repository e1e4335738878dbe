/**
 * The requested execution provider cannot run here (no GPU / Vulkan for webgpu, CUDA libraries not installed).
 * The message says what is missing and how to fall back.
 */
export class ExecutionProviderError extends Error {
  override name = 'ExecutionProviderError';
}

/** Feeds passed to a compiled graph do not match its inputs (missing, unknown, wrong dtype or shape). */
export class FeedError extends Error {
  override name = 'FeedError';
}

/** ONNX Runtime failed to create a session or to run it; `cause` holds the original error. */
export class SessionError extends Error {
  override name = 'SessionError';
}
