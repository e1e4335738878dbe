/**
 * Raised while building a graph: an op got operands whose dtypes or shapes do not fit, or a name clashes.
 * The message names the op, the operand shapes and what would fix it.
 *
 * @example
 * ```ts
 * try { a.matmul(b); } catch (e) { if (e instanceof GraphBuildError) console.error(e.op, e.message); }
 * ```
 */
export class GraphBuildError extends Error {
  /** `'GraphBuildError'`. */
  override name = 'GraphBuildError';
  /** The ONNX op (or builder method) that failed. */
  readonly op: string;
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
  }
}
