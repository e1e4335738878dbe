import { ResponseInputError } from '../errors.js';
import { gramOf, type ResponseEmbeddings } from './gram.js';
import { symmetricEigen } from './linalg.js';

/**
 * The response similarity graph of Lin et al. (2023, "Generating with Confidence", arXiv 2305.19187) built on
 * embeddings instead of an NLI model: W_ij = clip(K_ij, 0, 1) (cosine similarity; negative similarity counts
 * as no edge), W_ii = 1; degrees d_i = sum_j W_ij >= 1; normalised Laplacian L = I - D^-1/2 W D^-1/2.
 */
export interface SimilarityGraph {
  /** Number of responses N. */
  n: number;
  /** Row-major N x N edge weights W in [0, 1], unit diagonal. */
  weights: Float64Array;
  /** Degrees d_i = sum_j W_ij (each >= 1 because W_ii = 1). */
  degrees: Float64Array;
  /** Row-major N x N normalised Laplacian, exactly symmetric. */
  laplacian: Float64Array;
}

/** Eigen-decomposition of the graph's normalised Laplacian. */
export interface LaplacianSpectrum extends SimilarityGraph {
  /** Eigenvalues of L, ascending, in [0, 2]. */
  values: Float64Array;
  /** Row-major N x N; column k is the unit eigenvector of `values[k]`, so row j is response j's coordinates. */
  vectors: Float64Array;
}

/** Options of {@link graphEccentricity}. */
export interface EccentricityOptions {
  /**
   * Keep the eigenvectors of L whose eigenvalue is below this cut-off as the spectral embedding (Lin et al.'s
   * reference code, `eigv_threshold`, default 0.9). The smallest eigenvalue is always 0, so k >= 1.
   */
  eigenvalueThreshold?: number;
}

/**
 * Lin et al.'s default eigenvalue cut-off for the eccentricity embedding.
 *
 * @example
 * ```ts
 * graphEccentricity(vecs, { eigenvalueThreshold: DEFAULT_ECCENTRICITY_THRESHOLD });
 * ```
 */
export const DEFAULT_ECCENTRICITY_THRESHOLD = 0.9;

/**
 * The cosine similarity graph of the responses and its normalised Laplacian.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * similarityGraph([[1, 0], [0, 1]]).laplacian; // Float64Array [0, 0, 0, 0]: two isolated nodes
 * ```
 */
export function similarityGraph(embeddings: ResponseEmbeddings): SimilarityGraph {
  const { n, data } = gramOf('similarityGraph', embeddings);
  const weights = new Float64Array(n * n);
  const degrees = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < n; j++) {
      const k = data[i * n + j];
      const w = i === j ? 1 : k < 0 ? 0 : Math.min(k, 1);
      weights[i * n + j] = w;
      d += w;
    }
    degrees[i] = d;
  }
  const s = Float64Array.from(degrees, (d) => 1 / Math.sqrt(d));
  const laplacian = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    laplacian[i * n + i] = 1 - weights[i * n + i] * s[i] * s[i];
    for (let j = i + 1; j < n; j++) {
      // Computed once per pair and mirrored, so L is exactly symmetric for the eigensolver.
      const v = -weights[i * n + j] * (s[i] * s[j]);
      laplacian[i * n + j] = v;
      laplacian[j * n + i] = v;
    }
  }
  return { n, weights, degrees, laplacian };
}

/**
 * Eigenvalues and eigenvectors of the normalised Laplacian of the cosine similarity graph.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * laplacianSpectrum([[1, 0], [1, 0], [0, 1]]).values; // ~[0, 0, 1]: two connected components
 * ```
 */
export function laplacianSpectrum(embeddings: ResponseEmbeddings): LaplacianSpectrum {
  return spectrumOfGraph(similarityGraph(embeddings));
}

/** Decompose a graph's Laplacian (shared by the registry, which caches it per response set). */
export function spectrumOfGraph(graph: SimilarityGraph): LaplacianSpectrum {
  const { values, vectors } = symmetricEigen(graph.n, graph.laplacian);
  return { ...graph, values, vectors };
}

/** EigV from a precomputed spectrum. */
export function eigVOfSpectrum(spectrum: LaplacianSpectrum): number {
  let s = 0;
  for (const l of spectrum.values) if (l < 1) s += 1 - l;
  return s;
}

/** Deg from a precomputed graph. */
export function degreeOfGraph(graph: SimilarityGraph): number {
  let total = 0;
  for (const d of graph.degrees) total += d;
  return 1 - total / (graph.n * graph.n);
}

/** Per-response eccentricity details. */
export interface EccentricityDetails {
  /** U_Ecc: Euclidean norm of the vector of per-response distances (= Frobenius norm of the centred embedding). */
  value: number;
  /** Number k of Laplacian eigenvectors kept (eigenvalue < threshold). */
  k: number;
  /** ||v_j - mean_j' v_j'||_2 per response; Lin et al.'s per-response confidence is minus this. */
  perResponse: Float64Array;
}

/** Eccentricity from a precomputed spectrum. */
export function eccentricityOfSpectrum(
  spectrum: LaplacianSpectrum,
  options: EccentricityOptions = {},
): EccentricityDetails {
  const threshold = options.eigenvalueThreshold ?? DEFAULT_ECCENTRICITY_THRESHOLD;
  if (!(typeof threshold === 'number' && Number.isFinite(threshold))) {
    throw new ResponseInputError(
      `graphEccentricity: eigenvalueThreshold must be a finite number (default 0.9), got ${String(threshold)}.`,
    );
  }
  const { n, values, vectors } = spectrum;
  const keep: number[] = [];
  for (let k = 0; k < n; k++) if (values[k] < threshold) keep.push(k);
  const perResponse = new Float64Array(n);
  for (const k of keep) {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += vectors[j * n + k];
    mean /= n;
    for (let j = 0; j < n; j++) {
      const c = vectors[j * n + k] - mean;
      perResponse[j] += c * c;
    }
  }
  let total = 0;
  for (let j = 0; j < n; j++) {
    total += perResponse[j];
    perResponse[j] = Math.sqrt(perResponse[j]);
  }
  return { value: Math.sqrt(total), k: keep.length, perResponse };
}

/**
 * EigV (Lin et al. 2023): sum_k max(0, 1 - lambda_k(L)) over the eigenvalues of the normalised Laplacian of
 * the cosine similarity graph; a continuous count of semantic clusters, from 1 (all answers alike) to N
 * (no two answers similar). Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * graphEigV([[1, 0], [1, 0], [0, 1]]); // 2: two clusters
 * ```
 */
export function graphEigV(embeddings: ResponseEmbeddings): number {
  return eigVOfSpectrum(laplacianSpectrum(embeddings));
}

/**
 * Deg (Lin et al. 2023): U_Deg = trace(N I - D) / N^2 = 1 - sum_i d_i / N^2, the mean dissimilarity of the
 * responses on the cosine similarity graph, in [0, 1 - 1/N]. (The authors' code reports N times this.)
 * Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings.
 * @example
 * ```ts
 * graphDegree([[1, 0], [0, 1]]); // 0.5
 * ```
 */
export function graphDegree(embeddings: ResponseEmbeddings): number {
  return degreeOfGraph(similarityGraph(embeddings));
}

/**
 * Ecc with per-response distances (Lin et al. 2023). Each response j is embedded as v_j = row j of the
 * eigenvectors of L whose eigenvalues are below `eigenvalueThreshold`; U_Ecc = || [v_1 - v̄, ..., v_N - v̄] ||
 * (Euclidean norm over all centred coordinates, as in the paper and its reference code).
 *
 * @throws {ResponseInputError} on bad embeddings or threshold.
 * @example
 * ```ts
 * const { value, k, perResponse } = graphEccentricityDetails(vectors);
 * const mostCentral = perResponse.indexOf(Math.min(...perResponse)); // the answer Lin et al. would keep
 * ```
 */
export function graphEccentricityDetails(
  embeddings: ResponseEmbeddings,
  options: EccentricityOptions = {},
): EccentricityDetails {
  return eccentricityOfSpectrum(laplacianSpectrum(embeddings), options);
}

/**
 * Ecc (Lin et al. 2023): the spread of the responses' spectral embeddings, see {@link graphEccentricityDetails}.
 * 0 when all answers are alike; sqrt(N - 1) when no two are similar. Direction: higher = less trustworthy.
 *
 * @throws {ResponseInputError} on bad embeddings or threshold.
 * @example
 * ```ts
 * graphEccentricity([[1, 0], [0, 1]]); // 1 = sqrt(2 - 1)
 * ```
 */
export function graphEccentricity(embeddings: ResponseEmbeddings, options: EccentricityOptions = {}): number {
  return graphEccentricityDetails(embeddings, options).value;
}
