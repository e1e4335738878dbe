/**
 * The one place this package touches the runtime's eager kernels, so a change of their entry point is a
 * one-line edit. Kernel errors (TensorError) are re-raised as ResponseInputError, the error users of this
 * package catch, with the kernel's message (which already names the problem and the fix).
 */
import { eighSym, gramOfRows } from '@proj/runtime';
import { ResponseInputError } from '../errors.js';
import type { EmbeddingRows } from './gram.js';

function rethrow(fn: string, e: unknown): never {
  if (e instanceof Error && e.name === 'TensorError') {
    throw new ResponseInputError(`${fn}: ${e.message}`, { cause: e });
  }
  throw e;
}

/** Row-major N x N cosine Gram matrix of the rows (diagonal 1, zero rows give a zero row/column). */
export function cosineGramOfRows(fn: string, rows: EmbeddingRows): Float64Array {
  try {
    return gramOfRows(rows, { normalize: true });
  } catch (e) {
    rethrow(fn, e);
  }
}

/** Ascending eigenvalues of a symmetric row-major n x n matrix. */
export function symmetricEigenvalues(n: number, data: Float64Array): Float64Array {
  try {
    return eighSym(n, data, { vectors: false }).values;
  } catch (e) {
    rethrow('symmetricEigenvalues', e);
  }
}

/** Ascending eigenvalues and unit eigenvectors (column k of the row-major `vectors` belongs to `values[k]`). */
export function symmetricEigen(
  n: number,
  data: Float64Array,
): { values: Float64Array; vectors: Float64Array } {
  try {
    return eighSym(n, data, { vectors: true });
  } catch (e) {
    rethrow('symmetricEigen', e);
  }
}
