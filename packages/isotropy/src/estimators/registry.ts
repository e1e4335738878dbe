import { throwIfAborted } from '../async/pool.js';
import { ResponseInputError } from '../errors.js';
import { meanPairwiseCosineDistance, renyi2Entropy, resultantDispersion } from './companions.js';
import { type CosineGram, gramOf, isCosineGram, MIN_RESPONSES, type ResponseEmbeddings } from './gram.js';
import {
  degreeOfGraph,
  eccentricityOfSpectrum,
  eigVOfSpectrum,
  type LaplacianSpectrum,
  type SimilarityGraph,
  similarityGraph,
  spectrumOfGraph,
} from './graph.js';
import { semanticIsotropy } from './isotropy.js';
import { lexicalDispersion } from './lexical.js';

/**
 * The sampled responses to one prompt, as estimators see them: embeddings and/or texts. Derived quantities
 * (the cosine Gram matrix, the similarity graph and its Laplacian spectrum) are computed on first use and
 * cached, so scoring every estimator costs one Gram product and one eigendecomposition per kind.
 *
 * @example
 * ```ts
 * const set = new ResponseSet({ embeddings: vecs, texts: answers });
 * semanticIsotropy(set.gram); graphEigV(set.gram); set.texts.length;
 * ```
 */
export class ResponseSet {
  /** Number of responses N. */
  readonly n: number;
  private readonly embeddings: ResponseEmbeddings | undefined;
  private readonly textList: readonly string[] | undefined;
  /** The prompt the responses answer, when known (NLI estimators may condition on it). */
  readonly prompt: string | undefined;
  private gramCache: CosineGram | undefined;
  private graphCache: SimilarityGraph | undefined;
  private spectrumCache: LaplacianSpectrum | undefined;

  /**
   * @throws {ResponseInputError} when neither input is given, when they disagree on N, or N < 2.
   */
  constructor(input: { embeddings?: ResponseEmbeddings; texts?: readonly string[]; prompt?: string }) {
    const { embeddings, texts, prompt } = input ?? {};
    if (embeddings === undefined && texts === undefined) {
      throw new ResponseInputError('ResponseSet: pass embeddings, texts, or both.');
    }
    if (texts !== undefined && !Array.isArray(texts)) {
      throw new ResponseInputError(`ResponseSet: texts must be an array of strings, got ${typeof texts}.`);
    }
    if (embeddings !== undefined && !isCosineGram(embeddings) && !Array.isArray(embeddings)) {
      throw new ResponseInputError(
        `ResponseSet: embeddings must be an array of rows or a CosineGram, got ${typeof embeddings}.`,
      );
    }
    const nEmb =
      embeddings === undefined ? undefined : isCosineGram(embeddings) ? embeddings.n : embeddings.length;
    if (nEmb !== undefined && texts !== undefined && nEmb !== texts.length) {
      throw new ResponseInputError(
        `ResponseSet: ${nEmb} embeddings but ${texts.length} texts; pass one embedding per response text.`,
      );
    }
    this.n = nEmb ?? (texts as readonly string[]).length;
    if (this.n < MIN_RESPONSES) {
      throw new ResponseInputError(
        `ResponseSet: needs at least ${MIN_RESPONSES} responses, got ${this.n}; sample more answers per prompt.`,
      );
    }
    if (prompt !== undefined && typeof prompt !== 'string') {
      throw new ResponseInputError(`ResponseSet: prompt must be a string, got ${typeof prompt}.`);
    }
    this.embeddings = embeddings;
    this.textList = texts;
    this.prompt = prompt;
  }

  /** True when embeddings (or a Gram matrix) were given. */
  get hasEmbeddings(): boolean {
    return this.embeddings !== undefined;
  }

  /** True when texts were given. */
  get hasTexts(): boolean {
    return this.textList !== undefined;
  }

  /** The cosine Gram matrix (computed once). @throws {ResponseInputError} without embeddings. */
  get gram(): CosineGram {
    if (this.embeddings === undefined) {
      throw new ResponseInputError(
        'ResponseSet: this estimator needs embeddings; pass them (or an embed function).',
      );
    }
    this.gramCache ??= gramOf('ResponseSet', this.embeddings);
    return this.gramCache;
  }

  /** The response texts. @throws {ResponseInputError} without texts. */
  get texts(): readonly string[] {
    if (this.textList === undefined) {
      throw new ResponseInputError('ResponseSet: this estimator needs the response texts; pass them.');
    }
    return this.textList;
  }

  /** The cosine similarity graph (computed once). */
  get graph(): SimilarityGraph {
    this.graphCache ??= similarityGraph(this.gram);
    return this.graphCache;
  }

  /** The graph's Laplacian eigendecomposition (computed once). */
  get spectrum(): LaplacianSpectrum {
    this.spectrumCache ??= spectrumOfGraph(this.graph);
    return this.spectrumCache;
  }
}

/** Which way a score points. Every built-in estimator is oriented `higher-less-trustworthy`. */
export type ScoreDirection = 'higher-less-trustworthy' | 'higher-more-trustworthy';

/** What an estimator needs from the responses. */
export type EstimatorNeeds = 'embeddings' | 'texts';

/** What an estimator's `fn` gets besides the responses. */
export interface EstimatorContext {
  /** Cancels asynchronous estimators (NLI baselines stop issuing model calls). */
  signal?: AbortSignal;
}

/**
 * An estimator as the evaluator and the trust scorer iterate them. Others describe their scores with the same
 * shape, with `fn` computing from a {@link ResponseSet}. `fn` may be asynchronous (the NLI baselines call an
 * entailment model); such estimators run in {@link estimateAllAsync}, the evaluation and the trust scorer, not
 * in the synchronous {@link estimateAll}.
 */
export interface EstimatorDescriptor<Name extends string = string> {
  /** Stable identifier, used as the key of score columns and reports. */
  readonly name: Name;
  /** Short human-readable name for tables and plots. */
  readonly label: string;
  /** Which way the score points. */
  readonly direction: ScoreDirection;
  /** What it reads from the responses. */
  readonly needs: EstimatorNeeds;
  /** Range of the value, for readers of reports. */
  readonly range: string;
  /** Computes the score of one prompt's responses. */
  readonly fn: (responses: ResponseSet, context: EstimatorContext) => number | Promise<number>;
}

/** An estimator that computes synchronously, as every built-in one does. */
export interface SyncEstimatorDescriptor<Name extends string = string> extends EstimatorDescriptor<Name> {
  readonly fn: (responses: ResponseSet, context?: EstimatorContext) => number;
}

/** Names of the built-in estimators. */
export type EstimatorName =
  | 'semanticIsotropy'
  | 'resultantDispersion'
  | 'renyi2Entropy'
  | 'meanPairwiseCosineDistance'
  | 'eigV'
  | 'degree'
  | 'eccentricity'
  | 'lexicalDispersion';

const LESS = 'higher-less-trustworthy' as const;

/**
 * Every built-in estimator, in report order: semantic isotropy first, then its Gram-matrix companions, the
 * graph-Laplacian baselines of Lin et al. on the cosine graph, and lexical dispersion. All are oriented so
 * that higher = less trustworthy. Graph estimators use their defaults (eccentricity cut-off 0.9).
 *
 * @example
 * ```ts
 * for (const e of ESTIMATORS) console.log(e.name, e.needs, e.direction);
 * ```
 */
export const ESTIMATORS: readonly SyncEstimatorDescriptor<EstimatorName>[] = Object.freeze([
  {
    name: 'semanticIsotropy',
    label: 'Semantic isotropy',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, 1]',
    fn: (r: ResponseSet) => semanticIsotropy(r.gram),
  },
  {
    name: 'resultantDispersion',
    label: 'Resultant dispersion (1 - R^2)',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, 1]',
    fn: (r: ResponseSet) => resultantDispersion(r.gram),
  },
  {
    name: 'renyi2Entropy',
    label: 'Renyi-2 entropy',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, ln N]',
    fn: (r: ResponseSet) => renyi2Entropy(r.gram),
  },
  {
    name: 'meanPairwiseCosineDistance',
    label: 'Mean pairwise cosine distance',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, 2]',
    fn: (r: ResponseSet) => meanPairwiseCosineDistance(r.gram),
  },
  {
    name: 'eigV',
    label: 'EigV (cosine graph)',
    direction: LESS,
    needs: 'embeddings',
    range: '[1, N]',
    fn: (r: ResponseSet) => eigVOfSpectrum(r.spectrum),
  },
  {
    name: 'degree',
    label: 'Deg (cosine graph)',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, 1 - 1/N]',
    fn: (r: ResponseSet) => degreeOfGraph(r.graph),
  },
  {
    name: 'eccentricity',
    label: 'Ecc (cosine graph)',
    direction: LESS,
    needs: 'embeddings',
    range: '[0, sqrt(N - 1)]',
    fn: (r: ResponseSet) => eccentricityOfSpectrum(r.spectrum).value,
  },
  {
    name: 'lexicalDispersion',
    label: 'Lexical dispersion (1 - ROUGE-L)',
    direction: LESS,
    needs: 'texts',
    range: '[0, 1]',
    fn: (r: ResponseSet) => lexicalDispersion(r.texts),
  },
]);

/**
 * Look up a built-in estimator by name.
 *
 * @throws {ResponseInputError} for an unknown name (the message lists the known ones).
 * @example
 * ```ts
 * getEstimator('eigV').direction; // 'higher-less-trustworthy'
 * ```
 */
export function getEstimator(name: string): SyncEstimatorDescriptor<EstimatorName> {
  const found = ESTIMATORS.find((e) => e.name === name);
  if (!found) {
    throw new ResponseInputError(
      `getEstimator: unknown estimator '${name}'; known: ${ESTIMATORS.map((e) => e.name).join(', ')}.`,
    );
  }
  return found;
}

/** Options of {@link estimateAll} and {@link estimateAllAsync}. */
export interface EstimateAllOptions {
  /** Estimators to run (default: every built-in whose input is available). */
  estimators?: readonly EstimatorDescriptor[];
  /** The prompt the responses answer (for estimators that condition on it). */
  prompt?: string;
}

/** Scores keyed by estimator name. */
export type EstimatorScores = Partial<Record<EstimatorName, number>> & Record<string, number>;

function applicable(set: ResponseSet, e: EstimatorDescriptor): boolean {
  return e.needs === 'embeddings' ? set.hasEmbeddings : set.hasTexts;
}

/**
 * Every estimator's score for one prompt's responses, keyed by name. Estimators whose input is missing
 * (texts for lexical dispersion, embeddings for the rest) are skipped; pass both to get all of them.
 * The Gram matrix and the Laplacian eigendecomposition are computed once and shared.
 *
 * @param embeddings one row per response (or a CosineGram), or undefined for text-only scoring.
 * @param texts the response texts, in the same order, or undefined.
 * @throws {ResponseInputError} on fewer than 2 responses, mismatched counts, bad embeddings, or an
 *   asynchronous estimator (use {@link estimateAllAsync} for those).
 * @example
 * ```ts
 * const scores = estimateAll(await embedder.embed(answers), answers);
 * scores.semanticIsotropy; scores.eigV; scores.lexicalDispersion;
 * ```
 */
export function estimateAll(
  embeddings: ResponseEmbeddings | undefined,
  texts?: readonly string[],
  options: EstimateAllOptions = {},
): EstimatorScores {
  const set = new ResponseSet({ embeddings, texts, prompt: options.prompt });
  const out: Record<string, number> = {};
  for (const e of options.estimators ?? ESTIMATORS) {
    if (!applicable(set, e)) continue;
    const v = e.fn(set, {});
    if (typeof v !== 'number') {
      throw new ResponseInputError(
        `estimateAll: estimator '${e.name}' is asynchronous (it returned a promise); use estimateAllAsync.`,
      );
    }
    out[e.name] = v;
  }
  return out;
}

/**
 * {@link estimateAll} for estimators that may be asynchronous (the NLI baselines); they run one after the
 * other, sharing one {@link ResponseSet}.
 *
 * @throws {ResponseInputError} as {@link estimateAll}; whatever an estimator throws (e.g. an AbortError).
 * @example
 * ```ts
 * const scores = await estimateAllAsync(vecs, answers, { estimators: [...ESTIMATORS, ...nliEstimators(judge)] });
 * scores.luq; scores.semanticEntropy;
 * ```
 */
export async function estimateAllAsync(
  embeddings: ResponseEmbeddings | undefined,
  texts?: readonly string[],
  options: EstimateAllOptions & EstimatorContext = {},
): Promise<EstimatorScores> {
  const set = new ResponseSet({ embeddings, texts, prompt: options.prompt });
  const out: Record<string, number> = {};
  for (const e of options.estimators ?? ESTIMATORS) {
    if (!applicable(set, e)) continue;
    throwIfAborted(options.signal, 'estimateAllAsync');
    const v = e.fn(set, { signal: options.signal });
    out[e.name] = typeof v === 'number' ? v : await v;
  }
  return out;
}
