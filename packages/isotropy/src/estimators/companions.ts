import { gramOf, type ResponseEmbeddings } from './gram.js';

function sums(fn: string, embeddings: ResponseEmbeddings): { n: number; total: number; squares: number } {
  const { n, data } = gramOf(fn, embeddings);
  let total = 0;
  let squares = 0;
  for (let i = 0; i < data.length; i++) {
    total += data[i];
    squares += data[i] * data[i];
  }
  return { n, total, squares };
}

/**
 * Squared mean resultant length R^2 = 1^T K 1 / N^2 = ||mean_i u_i||^2 of the unit embeddings, in [0, 1].
 * Direction: higher = MORE trustworthy (answers point the same way); use {@link resultantDispersion} for the
 * higher-is-riskier version.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * meanResultantLength2([[1, 0], [1, 0]]); // 1
 * meanResultantLength2([[1, 0], [-1, 0]]); // 0
 * ```
 */
export function meanResultantLength2(embeddings: ResponseEmbeddings): number {
  const { n, total } = sums('meanResultantLength2', embeddings);
  return Math.max(0, total / (n * n));
}

/**
 * Resultant dispersion 1 - R^2 (R^2 = {@link meanResultantLength2}), in [0, 1]. Direction: higher = less
 * trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * resultantDispersion([[1, 0], [0, 1]]); // 0.5
 * ```
 */
export function resultantDispersion(embeddings: ResponseEmbeddings): number {
  return 1 - meanResultantLength2(embeddings);
}

/**
 * Renyi-2 (collision) entropy of rho = K / N: -ln( sum_ij K_ij^2 / N^2 ), in [0, ln N] nats (no jitter, not
 * normalised). Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * renyi2Entropy([[1, 0], [0, 1]]); // ln 2
 * ```
 */
export function renyi2Entropy(embeddings: ResponseEmbeddings): number {
  const { n, squares } = sums('renyi2Entropy', embeddings);
  return -Math.log(squares / (n * n));
}

/**
 * Mean cosine distance 1 - K_ij over the N(N-1)/2 unordered pairs of distinct responses, in [0, 2].
 * Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * meanPairwiseCosineDistance([[1, 0], [0, 1], [1, 0]]); // (1 + 0 + 1) / 3
 * ```
 */
export function meanPairwiseCosineDistance(embeddings: ResponseEmbeddings): number {
  const { n, data } = gramOf('meanPairwiseCosineDistance', embeddings);
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += 1 - data[i * n + j];
  return s / ((n * (n - 1)) / 2);
}
