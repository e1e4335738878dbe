import { ResponseInputError } from '../errors.js';
import { gramOf, type ResponseEmbeddings } from './gram.js';
import { symmetricEigenvalues } from './linalg.js';

/** Options of the semantic-isotropy estimators. */
export interface IsotropyOptions {
  /**
   * Jitter added to the diagonal of K before dividing by N (the authors' reference code uses 1e-3). It keeps
   * rho positive definite; it also means identical answers score ~0.008 rather than exactly 0 (N = 10).
   */
  eps?: number;
}

/**
 * The authors' jitter added to K's diagonal.
 *
 * @example
 * ```ts
 * semanticIsotropy(vecs, { eps: DEFAULT_ISOTROPY_EPS * 10 }); // a more strongly regularised variant
 * ```
 */
export const DEFAULT_ISOTROPY_EPS = 1e-3;

function epsOf(fn: string, options: IsotropyOptions): number {
  const eps = options.eps ?? DEFAULT_ISOTROPY_EPS;
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) {
    throw new ResponseInputError(
      `${fn}: eps must be a finite number >= 0 (default 1e-3), got ${String(eps)}.`,
    );
  }
  return eps;
}

/**
 * Eigenvalues (ascending) of the density matrix `rho = (K + eps I) / N`, tiny negatives from rounding clipped
 * to 0. They sum to `1 + eps` (trace of rho), which is what makes the von Neumann entropy an entropy.
 *
 * @throws {ResponseInputError} on bad embeddings or eps.
 * @example
 * ```ts
 * densitySpectrum([[1, 0], [0, 1]]); // Float64Array [0.5005, 0.5005]
 * ```
 */
export function densitySpectrum(embeddings: ResponseEmbeddings, options: IsotropyOptions = {}): Float64Array {
  const eps = epsOf('densitySpectrum', options);
  const { n, data } = gramOf('densitySpectrum', embeddings);
  const rho = new Float64Array(n * n);
  const invN = 1 / n;
  for (let i = 0; i < n * n; i++) rho[i] = data[i] * invN;
  for (let i = 0; i < n; i++) rho[i * n + i] = (data[i * n + i] + eps) * invN;
  const lambda = symmetricEigenvalues(n, rho);
  for (let i = 0; i < n; i++) if (lambda[i] < 0) lambda[i] = 0;
  return lambda;
}

/**
 * Raw semantic isotropy SI = -sum_i lambda_i ln lambda_i over the eigenvalues of rho = (K + eps I) / N
 * (von Neumann entropy, 0 ln 0 := 0), in nats. About 0 when all answers embed identically, about ln N when
 * they are mutually orthogonal. Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on fewer than 2 responses, ragged / non-finite / zero embeddings, or bad eps.
 * @example
 * ```ts
 * vonNeumannEntropy([[1, 0, 0], [0, 1, 0], [0, 0, 1]]); // ~ ln 3
 * ```
 */
export function vonNeumannEntropy(embeddings: ResponseEmbeddings, options: IsotropyOptions = {}): number {
  return spectrumEntropy(densitySpectrum(embeddings, options));
}

/** -sum l ln l over a spectrum (0 ln 0 := 0), in nats: the von Neumann entropy of a density matrix's eigenvalues. */
export function spectrumEntropy(lambda: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < lambda.length; i++) {
    const l = lambda[i];
    if (l > 0) h -= l * Math.log(l);
  }
  return h;
}

/** The normalised score SI / ln N of a density spectrum, clamped to [0, 1]. */
export function isotropyOfSpectrum(lambda: ArrayLike<number>): number {
  const s = spectrumEntropy(lambda) / Math.log(lambda.length);
  return s < 0 ? 0 : Math.min(s, 1);
}

/**
 * Semantic isotropy (arXiv 2510.21891): the von Neumann entropy of rho = (K + eps I) / N over the cosine
 * Gram matrix K of the N responses' embeddings, divided by ln N and clamped to [0, 1]. 0 = every answer
 * embeds identically; 1 = mutually orthogonal answers. Direction: higher = less trustworthy (more spread of
 * meaning across samples predicts lower factual consistency).
 *
 * @param embeddings one row per sampled response (any length > 0, not necessarily unit norm), or a CosineGram.
 * @throws {ResponseInputError} on fewer than 2 responses, ragged / non-finite / zero embeddings, or bad eps.
 * @example
 * ```ts
 * const vecs = await embedder.embed(answers); // N answers to one prompt
 * semanticIsotropy(vecs); // e.g. 0.62
 * ```
 */
export function semanticIsotropy(embeddings: ResponseEmbeddings, options: IsotropyOptions = {}): number {
  return isotropyOfSpectrum(densitySpectrum(embeddings, options));
}
