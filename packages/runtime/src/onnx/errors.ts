/**
 * Raised by {@link decodeModel} (and the wire reader) when bytes are not a well-formed ONNX protobuf.
 * `offset` is the byte position where decoding stopped; the message says what was expected there.
 *
 * @example
 * ```ts
 * try { decodeModel(bytes); } catch (e) { if (e instanceof OnnxFormatError) console.log(e.offset); }
 * ```
 */
export class OnnxFormatError extends Error {
  /** `'OnnxFormatError'`. */
  override name = 'OnnxFormatError';
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  constructor(offset: number, expected: string) {
    super(
      `Malformed ONNX protobuf at byte ${offset}: expected ${expected}. The data is truncated, corrupted or not an ONNX model; re-export or re-download it.`,
    );
    this.offset = offset;
  }
}

/**
 * Raised when a model object cannot be written: values the wire format cannot hold (a non-integer dim, a
 * model over the 2 GiB protobuf limit) or external data that cannot be reached. The message names the fix.
 *
 * @example
 * ```ts
 * try { encodeModel(model); } catch (e) { if (e instanceof OnnxModelError) console.log(e.message); }
 * ```
 */
export class OnnxModelError extends Error {
  /** `'OnnxModelError'`. */
  override name = 'OnnxModelError';
}

/**
 * Raised by {@link loadModel} / {@link saveModel} for file problems: a missing model or external data file, a
 * truncated external data file, or an external location outside the model's folder. `path` names the file.
 *
 * @example
 * ```ts
 * try { await loadModel('missing.onnx'); } catch (e) { if (e instanceof OnnxFileError) console.log(e.path); }
 * ```
 */
export class OnnxFileError extends Error {
  /** `'OnnxFileError'`. */
  override name = 'OnnxFileError';
  /** The file the problem is about. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}
