import { ResponseInputError } from '../errors.js';
import { cosineGramOfRows } from './linalg.js';

/**
 * Embeddings of the N sampled responses, one row per response, as embedders and JSON files hand them out.
 * Rows need not be unit length: every estimator works on directions (rows are L2-normalised in float64).
 */
export type EmbeddingRows =
  | readonly Float32Array[]
  | readonly Float64Array[]
  | readonly (readonly number[])[];

/**
 * A cosine Gram matrix `K_ij = <u_i, u_j>` of N unit vectors, row-major N x N, exactly symmetric with unit
 * diagonal. Every embedding estimator is a function of K, so computing it once and passing it to several
 * estimators saves the O(N^2 D) product.
 */
export interface CosineGram {
  /** Brand that tells a Gram matrix apart from embedding rows. */
  readonly kind: 'cosine-gram';
  /** Number of responses N. */
  readonly n: number;
  /** Row-major N * N entries. */
  readonly data: Float64Array;
}

/** What embedding estimators accept: the embeddings themselves or their precomputed {@link CosineGram}. */
export type ResponseEmbeddings = EmbeddingRows | CosineGram;

/**
 * Fewest responses an estimator is defined for (ln N normalises isotropy; pairs need two).
 *
 * @example
 * ```ts
 * if (answers.length < MIN_RESPONSES) answers.push(...(await sampleMore()));
 * ```
 */
export const MIN_RESPONSES = 2;

/**
 * The cosine Gram matrix of the response embeddings (via the runtime's eager `gramOfRows` kernel).
 *
 * @throws {ResponseInputError} with fewer than 2 rows, rows of different lengths, non-finite values, or a zero
 *   (or empty) row, which has no direction.
 * @example
 * ```ts
 * const K = cosineGram([[3, 4], [4, 3]]);
 * K.data; // Float64Array [1, 0.96, 0.96, 1]
 * ```
 */
export function cosineGram(embeddings: EmbeddingRows): CosineGram {
  checkCount('cosineGram', embeddings);
  const data = cosineGramOfRows('cosineGram', embeddings);
  const n = embeddings.length;
  for (let i = 0; i < n; i++) {
    // The kernel maps a zero row to a zero row/column of K (diagonal included): it has no direction.
    if (data[i * n + i] !== 1) {
      throw new ResponseInputError(
        `cosineGram: embedding ${i} is a zero vector (or has no values), so it has no direction; ` +
          're-embed that response or drop it.',
      );
    }
  }
  return { kind: 'cosine-gram', n, data };
}

/**
 * Wrap a precomputed cosine similarity matrix (e.g. from another library or a remote service) so that the
 * estimators accept it. It must be square, symmetric and finite with a unit diagonal and entries in [-1, 1]
 * (up to `tolerance`); entries are clamped to [-1, 1] and mirrored to make it exactly symmetric.
 *
 * @throws {ResponseInputError} describing the first violated property.
 * @example
 * ```ts
 * const K = cosineGramFromMatrix(2, [1, 0.5, 0.5, 1]);
 * semanticIsotropy(K);
 * ```
 */
export function cosineGramFromMatrix(n: number, data: ArrayLike<number>, tolerance = 1e-5): CosineGram {
  const fn = 'cosineGramFromMatrix';
  if (!Number.isInteger(n) || n < MIN_RESPONSES) {
    throw new ResponseInputError(`${fn}: n must be an integer >= ${MIN_RESPONSES} (responses), got ${n}.`);
  }
  if (data == null || data.length !== n * n) {
    throw new ResponseInputError(`${fn}: expected ${n * n} entries (n * n, row-major), got ${data?.length}.`);
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const a = data[i * n + j];
      const b = data[j * n + i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        throw new ResponseInputError(`${fn}: entry (${i}, ${j}) is not a finite number; fix the matrix.`);
      }
      if (Math.abs(a - b) > tolerance) {
        throw new ResponseInputError(
          `${fn}: not symmetric at (${i}, ${j}): ${a} vs ${b}; pass (K + K^T) / 2.`,
        );
      }
      if (i === j && Math.abs(a - 1) > tolerance) {
        throw new ResponseInputError(
          `${fn}: diagonal entry ${i} is ${a}, not 1; a cosine Gram matrix comes from unit vectors ` +
            '(normalise the embeddings, or pass the embeddings themselves).',
        );
      }
      if (Math.abs(a) > 1 + tolerance) {
        throw new ResponseInputError(
          `${fn}: entry (${i}, ${j}) = ${a} lies outside [-1, 1]; it is not a cosine.`,
        );
      }
      const v = i === j ? 1 : Math.max(-1, Math.min(1, (a + b) / 2));
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return { kind: 'cosine-gram', n, data: out };
}

/**
 * True when `x` is a {@link CosineGram} rather than embedding rows.
 *
 * @example
 * ```ts
 * isCosineGram(cosineGram([[1, 0], [0, 1]])); // true
 * isCosineGram([[1, 0], [0, 1]]); // false
 * ```
 */
export function isCosineGram(x: unknown): x is CosineGram {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'cosine-gram';
}

/** The Gram matrix of `x`, computing it from rows when needed; `fn` names the caller in errors. */
export function gramOf(fn: string, x: ResponseEmbeddings): CosineGram {
  if (isCosineGram(x)) {
    if (!(x.data instanceof Float64Array) || x.data.length !== x.n * x.n || x.n < MIN_RESPONSES) {
      throw new ResponseInputError(
        `${fn}: malformed CosineGram (n = ${x.n}, ${x.data?.length} entries); build it with cosineGram().`,
      );
    }
    return x;
  }
  checkCount(fn, x);
  return cosineGram(x);
}

function checkCount(fn: string, rows: EmbeddingRows): void {
  if (!Array.isArray(rows)) {
    throw new ResponseInputError(
      `${fn}: expected an array of embedding rows (Float32Array or number[]) or a CosineGram, got ${typeof rows}.`,
    );
  }
  if (rows.length < MIN_RESPONSES) {
    throw new ResponseInputError(
      `${fn}: needs at least ${MIN_RESPONSES} responses, got ${rows.length}; sample more answers per prompt ` +
        '(the paper uses 5-20).',
    );
  }
}
