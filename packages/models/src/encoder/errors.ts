import { ModelFolderError } from '../folder/errors.js';

/**
 * Raised for an encoder model folder that cannot be used (a {@link ModelFolderError}, like the decoder folders'): a required file is missing (the message names it),
 * a JSON file is malformed, the weights or the ONNX model do not match config.json (shapes, hidden size,
 * vocabulary), the ONNX model lacks the inputs / outputs an embedder needs, or the target of a save exists.
 *
 * @example
 * ```ts
 * try { await LocalEmbedder.fromFolder('models/minilm'); }
 * catch (e) { if (e instanceof EncoderFolderError) console.error(e.message); }
 * ```
 */
export class EncoderFolderError extends ModelFolderError {
  /** `'EncoderFolderError'`. */
  override name = 'EncoderFolderError';
}

/**
 * Raised for bad embedder calls and options: texts that are not strings or encode to no tokens, batch sizes or
 * max lengths out of range.
 *
 * @example
 * ```ts
 * try { await embedder.embed(['']); }
 * catch (e) { if (e instanceof EmbedderError) console.error(e.message); }
 * ```
 */
export class EmbedderError extends Error {
  /** `'EmbedderError'`. */
  override name = 'EmbedderError';
}
