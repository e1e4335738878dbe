import type { Embedder, LanguageModel, Prompt } from '@proj/models';
import { abortable, mapPool, throwIfAborted } from '../async/pool.js';
import { TrustScorerError } from '../errors.js';
import { meanPairwiseCosineDistance, renyi2Entropy, resultantDispersion } from '../estimators/companions.js';
import { cosineGram, type EmbeddingRows, MIN_RESPONSES } from '../estimators/gram.js';
import {
  DEFAULT_ISOTROPY_EPS,
  densitySpectrum,
  isotropyOfSpectrum,
  spectrumEntropy,
} from '../estimators/isotropy.js';
import { type EstimatorDescriptor, ResponseSet } from '../estimators/registry.js';
import { checkExcerptOptions, type ExcerptOptions, topicOf, wrap } from './excerpt.js';

/** Options of {@link TrustScorer}. Defaults follow the paper (arXiv 2510.21891). */
export interface TrustScorerOptions {
  /** Samples the answers ({@link TrustScorer.score}); not needed to score pre-generated answers. */
  model?: LanguageModel;
  /** Embeds the answers; not needed when embeddings are passed in. */
  embedder?: Embedder;
  /** Answers sampled per prompt. Default 10 (the paper uses 5-20; 6-8 already suffice). */
  n?: number;
  /** Sampling temperature. Default 0.7. */
  temperature?: number;
  /** Nucleus sampling. Default 1 (off). */
  topP?: number;
  /** Token budget of an answer. Default 1024 (long-form answers run to about 125-1000 words). */
  maxNewTokens?: number;
  /** Seed of the sampling (sample j of a prompt uses seed + j on remote endpoints). Default: unseeded. */
  seed?: number;
  /** Stop strings of the sampling. */
  stop?: readonly string[];
  /** How answers are wrapped and truncated before embedding (see {@link ExcerptOptions}). */
  excerpt?: ExcerptOptions;
  /** Jitter of the density matrix (default 1e-3). */
  eps?: number;
  /**
   * More estimators to compute on the same answers, reported under `baselines` (e.g. `ESTIMATORS` for the
   * graph and lexical baselines, or `nliEstimators(judge)`; asynchronous ones are awaited).
   */
  estimators?: readonly EstimatorDescriptor[];
}

/** The pieces of a trust score, all functions of the same cosine Gram matrix. */
export interface TrustScoreParts {
  /** Raw semantic isotropy: von Neumann entropy of rho = (K + eps I) / N, in nats. */
  vonNeumann: number;
  /** ln N, the entropy of N mutually orthogonal answers: `score` = vonNeumann / maxEntropy (clamped). */
  maxEntropy: number;
  /** Eigenvalues of rho, largest first (they sum to 1 + eps). One dominant eigenvalue = answers agree. */
  eigenvalues: number[];
  /** 1 - R^2, R^2 the squared mean resultant length of the unit embeddings, in [0, 1]. */
  resultantDispersion: number;
  /** Renyi-2 entropy of K / N, in [0, ln N]. */
  renyi2Entropy: number;
  /** Mean cosine distance over pairs of answers, in [0, 2]. */
  meanPairwiseCosineDistance: number;
}

/** Wall-clock milliseconds of each step of one score. */
export interface TrustTimings {
  /** Awaiting the model's answers (0 for pre-generated answers). */
  samplingMs: number;
  /** Wrapping, truncating and awaiting the embedder (0 for precomputed embeddings). */
  embeddingMs: number;
  /** Gram matrix, eigendecomposition, companions and extra estimators. */
  scoringMs: number;
  /** The whole call. */
  totalMs: number;
}

/** The trust score of one prompt. */
export interface TrustScore {
  /** The prompt, as given. */
  prompt: Prompt;
  /** The topic the answers were wrapped as excerpts about. */
  topic: string;
  /**
   * Normalised semantic isotropy in [0, 1]: 0 = every answer embeds the same way, 1 = mutually orthogonal
   * answers. Higher = less trustworthy (more spread of meaning predicts lower factual consistency).
   */
  score: number;
  /** Raw entropy, spectrum and companion dispersions. */
  parts: TrustScoreParts;
  /** Scores of the extra estimators given in the options, by name. */
  baselines: Record<string, number>;
  /** The N answers that were scored. */
  answers: string[];
  /** Why each sampled answer ended ('length' = cut by maxNewTokens); absent for pre-generated answers. */
  finishReasons?: ('stop' | 'length')[];
  /** How many answers were cut to the character budget before embedding. */
  truncated: number;
  /** Wall-clock milliseconds of sampling, embedding and scoring this prompt. */
  timings: TrustTimings;
}

/** Per-call options of {@link TrustScorer.score}. */
export interface ScoreOptions {
  /** Topic of the excerpt wrapper (default: the prompt, or its last user message). */
  topic?: string;
  /** Overrides the scorer's seed for this prompt. */
  seed?: number;
  /** Cancels the call: no new model call starts, and it rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Per-call options of {@link TrustScorer.scoreResponses}. */
export interface ScoreResponsesOptions {
  /** Topic of the excerpt wrapper (default: the prompt, or its last user message). */
  topic?: string;
  /** Precomputed embeddings of the answers (one row per answer): no embedder call. */
  embeddings?: EmbeddingRows;
  /** Cancels the call: no new model call starts, and it rejects with an AbortError. */
  signal?: AbortSignal;
}

/** One prompt of {@link TrustScorer.scoreMany}: the prompt itself, or the prompt with per-prompt options. */
export type ScoreRequest =
  | Prompt
  | {
      /** The prompt to sample answers to: a string or chat messages. */
      prompt: Prompt;
      /** Topic of the excerpt wrapper (default: the prompt, or its last user message). */
      topic?: string;
      /** Overrides the scorer's seed for this prompt. */
      seed?: number;
    };

/** One item of {@link TrustScorer.scoreManyResponses}. */
export interface ResponsesRequest {
  /** The prompt the answers respond to; gives the default topic and is echoed in the result. */
  prompt: Prompt;
  /** The pre-generated answers to score, at least 2. */
  responses: readonly string[];
  /** Topic of the excerpt wrapper (default: the prompt, or its last user message). */
  topic?: string;
  /** Precomputed embeddings of the answers (one row per answer): no embedder call. */
  embeddings?: EmbeddingRows;
}

/** Progress of a batch: reported after each prompt is scored (in completion order). */
export interface BatchProgress {
  /** Prompts scored so far. */
  done: number;
  /** Prompts in the batch. */
  total: number;
  /** Index (in the input) of the prompt just scored. */
  index: number;
  /** Its result. */
  result: TrustScore;
}

/** Options of the batch methods. */
export interface BatchOptions {
  /** Prompts scored at the same time at most. Default 4. */
  concurrency?: number;
  /** Called after each prompt is scored. */
  onProgress?: (progress: BatchProgress) => void;
  /**
   * Cancels the batch: no new model call starts, calls in flight get the signal, and the promise rejects at
   * once with an AbortError.
   */
  signal?: AbortSignal;
}

function positiveInt(v: number | undefined, name: string, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new TrustScorerError(`${name} must be an integer >= ${min}, got ${String(v)}.`);
  }
  return v;
}

function isPrompt(p: unknown): p is Prompt {
  return typeof p === 'string' || Array.isArray(p);
}

/**
 * Trust scores for long-form answers (semantic isotropy, arXiv 2510.21891): sample N answers to a prompt from
 * any {@link LanguageModel}, wrap each as an excerpt about the prompt's topic, embed them with any
 * {@link Embedder}, and report how evenly they spread over the sphere. Higher = less trustworthy.
 *
 * @example
 * ```ts
 * const scorer = new TrustScorer({ model, embedder }); // N = 10, temperature 0.7, top_p 1
 * const r = await scorer.score('Tell me a bio of Ada Lovelace.');
 * r.score; r.parts.vonNeumann; r.answers.length; // e.g. 0.41, 0.94, 10
 * ```
 */
export class TrustScorer {
  /** Answers sampled per prompt (option `n`, default 10, at least 2). */
  readonly n: number;
  /** Sampling temperature, >= 0 (default 0.7). */
  readonly temperature: number;
  /** Nucleus-sampling mass, in (0, 1] (default 1 = off). */
  readonly topP: number;
  /** Token budget of each sampled answer (default 1024). */
  readonly maxNewTokens: number;
  private readonly model: LanguageModel | undefined;
  private readonly embedder: Embedder | undefined;
  private readonly options: TrustScorerOptions;
  private readonly excerpt: ExcerptOptions;
  private readonly eps: number;

  /** @throws {TrustScorerError} on bad options. */
  constructor(options: TrustScorerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TrustScorerError('TrustScorer takes an options object, e.g. { model, embedder }.');
    }
    const { model, embedder, temperature = 0.7, topP = 1, seed, stop, eps = DEFAULT_ISOTROPY_EPS } = options;
    if (model !== undefined && typeof model?.generate !== 'function') {
      throw new TrustScorerError('model must be a LanguageModel (an object with generate()).');
    }
    if (embedder !== undefined && typeof embedder?.embed !== 'function') {
      throw new TrustScorerError('embedder must be an Embedder (an object with embed()).');
    }
    this.n = positiveInt(options.n, 'n', MIN_RESPONSES, 10);
    this.maxNewTokens = positiveInt(options.maxNewTokens, 'maxNewTokens', 1, 1024);
    if (!(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0)) {
      throw new TrustScorerError(
        `temperature must be a finite number >= 0 (default 0.7), got ${temperature}.`,
      );
    }
    if (!(typeof topP === 'number' && topP > 0 && topP <= 1)) {
      throw new TrustScorerError(`topP must be in (0, 1] (default 1), got ${topP}.`);
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      throw new TrustScorerError(`seed must be an integer, got ${seed}.`);
    }
    if (stop !== undefined && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
      throw new TrustScorerError('stop must be an array of strings.');
    }
    if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) {
      throw new TrustScorerError(`eps must be a finite number >= 0 (default 1e-3), got ${eps}.`);
    }
    this.excerpt = options.excerpt ?? {};
    checkExcerptOptions(this.excerpt);
    this.model = model;
    this.embedder = embedder;
    this.temperature = temperature;
    this.topP = topP;
    this.eps = eps;
    this.options = options;
  }

  /**
   * Sample N answers to `prompt`, embed them and score them.
   *
   * @throws {TrustScorerError} without a model or embedder, or when they return the wrong number of answers /
   *   vectors; {@link ResponseInputError} for unusable vectors (zero, non-finite, ragged); an AbortError on
   *   cancellation; whatever the model or embedder throws (e.g. an EndpointError).
   * @example
   * ```ts
   * const r = await scorer.score([{ role: 'user', content: 'Who was Ada Lovelace?' }], { seed: 1 });
   * ```
   */
  async score(prompt: Prompt, options: ScoreOptions = {}): Promise<TrustScore> {
    const t0 = performance.now();
    const { signal } = options;
    this.checkPrompt(prompt);
    const model = this.model;
    if (!model) {
      throw new TrustScorerError(
        'score() samples answers and needs a model: new TrustScorer({ model, embedder }); use scoreResponses() for answers you already have.',
      );
    }
    this.needEmbedder();
    throwIfAborted(signal, 'score');
    const seed = options.seed ?? this.options.seed;
    const gens = await abortable(
      model.generate([prompt], {
        n: this.n,
        temperature: this.temperature,
        topP: this.topP,
        maxNewTokens: this.maxNewTokens,
        ...(seed === undefined ? {} : { seed }),
        ...(this.options.stop ? { stop: this.options.stop } : {}),
        signal,
      }),
      signal,
      'score',
    );
    const samples = Array.isArray(gens) ? gens[0] : undefined;
    if (
      !Array.isArray(samples) ||
      samples.length !== this.n ||
      samples.some((g) => typeof g?.text !== 'string')
    ) {
      throw new TrustScorerError(
        `model ${model.id} returned ${Array.isArray(samples) ? samples.length : 'no'} samples for n = ${this.n}; ` +
          'generate([prompt], { n }) must return n generations for the prompt.',
      );
    }
    const samplingMs = performance.now() - t0;
    const result = await this.scoreAnswers(
      prompt,
      samples.map((g) => g.text),
      options.topic,
      undefined,
      signal,
      t0,
      samplingMs,
    );
    result.finishReasons = samples.map((g) => (g.finishReason === 'length' ? 'length' : 'stop'));
    return result;
  }

  /**
   * Score answers you already have (from any endpoint, a file, another library): wrap, embed and score them.
   *
   * @throws {TrustScorerError} on fewer than 2 answers, non-strings, or no embedder and no embeddings;
   *   {@link ResponseInputError} for unusable vectors; an AbortError on cancellation.
   * @example
   * ```ts
   * const r = await scorer.scoreResponses('Who was Ada Lovelace?', answers);
   * const offline = await scorer.scoreResponses('Who was Ada Lovelace?', answers, { embeddings: vecs });
   * ```
   */
  async scoreResponses(
    prompt: Prompt,
    answers: readonly string[],
    options: ScoreResponsesOptions = {},
  ): Promise<TrustScore> {
    const t0 = performance.now();
    this.checkPrompt(prompt);
    if (!Array.isArray(answers) || answers.length < MIN_RESPONSES) {
      throw new TrustScorerError(
        `scoreResponses needs at least ${MIN_RESPONSES} answers to the prompt, got ${Array.isArray(answers) ? answers.length : typeof answers}.`,
      );
    }
    answers.forEach((a, i) => {
      if (typeof a !== 'string') throw new TrustScorerError(`answers[${i}] is ${typeof a}, not a string.`);
    });
    if (options.embeddings === undefined) this.needEmbedder();
    else if (!Array.isArray(options.embeddings) || options.embeddings.length !== answers.length) {
      throw new TrustScorerError(
        `embeddings must hold one row per answer (${answers.length}), got ${Array.isArray(options.embeddings) ? options.embeddings.length : typeof options.embeddings}.`,
      );
    }
    return this.scoreAnswers(prompt, [...answers], options.topic, options.embeddings, options.signal, t0, 0);
  }

  /**
   * {@link score} for many prompts, at most `concurrency` at a time, results in input order.
   *
   * @throws as {@link score}, for the first prompt that fails (the others are then cancelled); an AbortError
   *   when `signal` aborts.
   * @example
   * ```ts
   * const results = await scorer.scoreMany(prompts, {
   *   concurrency: 8,
   *   onProgress: ({ done, total }) => console.error(`${done}/${total}`),
   *   signal: AbortSignal.timeout(600_000),
   * });
   * ```
   */
  async scoreMany(prompts: readonly ScoreRequest[], options: BatchOptions = {}): Promise<TrustScore[]> {
    if (!Array.isArray(prompts)) throw new TrustScorerError('scoreMany takes an array of prompts.');
    return this.batch(prompts, options, 'scoreMany', (req, signal) =>
      isPrompt(req)
        ? this.score(req, { signal })
        : this.score(req.prompt, { topic: req.topic, seed: req.seed, signal }),
    );
  }

  /**
   * {@link scoreResponses} for many prompts' answers, at most `concurrency` at a time, in input order.
   *
   * @throws as {@link scoreResponses}, for the first item that fails; an AbortError when `signal` aborts.
   * @example
   * ```ts
   * const results = await scorer.scoreManyResponses(records.map((r) => ({ prompt: r.prompt, responses: r.responses })));
   * ```
   */
  async scoreManyResponses(
    items: readonly ResponsesRequest[],
    options: BatchOptions = {},
  ): Promise<TrustScore[]> {
    if (!Array.isArray(items)) throw new TrustScorerError('scoreManyResponses takes an array of items.');
    return this.batch(items, options, 'scoreManyResponses', (item, signal) =>
      this.scoreResponses(item?.prompt, item?.responses, {
        topic: item?.topic,
        embeddings: item?.embeddings,
        signal,
      }),
    );
  }

  private batch<T>(
    items: readonly T[],
    options: BatchOptions,
    what: string,
    task: (item: T, signal: AbortSignal) => Promise<TrustScore>,
  ): Promise<TrustScore[]> {
    const concurrency = positiveInt(options.concurrency, 'concurrency', 1, 4);
    const { onProgress } = options;
    return mapPool(items, concurrency, (item, _i, signal) => task(item, signal), {
      signal: options.signal,
      what,
      onResult: onProgress
        ? (index, result, done) => onProgress({ done, total: items.length, index, result })
        : undefined,
    });
  }

  private checkPrompt(prompt: Prompt): void {
    if (typeof prompt === 'string') {
      if (prompt.trim() === '')
        throw new TrustScorerError('the prompt is empty; pass the question to answer.');
      return;
    }
    if (!Array.isArray(prompt) || prompt.length === 0) {
      throw new TrustScorerError(
        'a prompt must be a non-empty string or a non-empty array of chat messages ({ role, content }).',
      );
    }
  }

  private needEmbedder(): Embedder {
    if (!this.embedder) {
      throw new TrustScorerError(
        'no embedder: new TrustScorer({ model, embedder }), or pass precomputed embeddings to scoreResponses().',
      );
    }
    return this.embedder;
  }

  private async scoreAnswers(
    prompt: Prompt,
    answers: string[],
    topicOverride: string | undefined,
    given: EmbeddingRows | undefined,
    signal: AbortSignal | undefined,
    t0: number,
    samplingMs: number,
  ): Promise<TrustScore> {
    if (topicOverride !== undefined && typeof topicOverride !== 'string') {
      throw new TrustScorerError(`topic must be a string, got ${typeof topicOverride}.`);
    }
    const topic = topicOverride ?? topicOf(prompt);
    const t1 = performance.now();
    let rows: EmbeddingRows;
    let truncated = 0;
    if (given) rows = given;
    else {
      throwIfAborted(signal, 'score');
      const texts = answers.map((a) => {
        const e = wrap(a, topic, this.excerpt);
        if (e.truncated) truncated++;
        return e.text;
      });
      const embedder = this.needEmbedder();
      rows = await abortable(embedder.embed(texts, { signal }), signal, 'score');
      if (!Array.isArray(rows) || rows.length !== texts.length) {
        throw new TrustScorerError(
          `embedder ${embedder.id} returned ${Array.isArray(rows) ? rows.length : typeof rows} vectors for ` +
            `${texts.length} texts; embed() must return one vector per text.`,
        );
      }
    }
    throwIfAborted(signal, 'score');
    const t2 = performance.now();
    const gram = cosineGram(rows);
    const lambda = densitySpectrum(gram, { eps: this.eps });
    const eigenvalues = Array.from(lambda).reverse();
    const parts: TrustScoreParts = {
      vonNeumann: spectrumEntropy(lambda),
      maxEntropy: Math.log(answers.length),
      eigenvalues,
      resultantDispersion: resultantDispersion(gram),
      renyi2Entropy: renyi2Entropy(gram),
      meanPairwiseCosineDistance: meanPairwiseCosineDistance(gram),
    };
    const baselines: Record<string, number> = {};
    const extra = this.options.estimators ?? [];
    if (extra.length > 0) {
      const set = new ResponseSet({ embeddings: gram, texts: answers, prompt: topic });
      for (const e of extra) {
        throwIfAborted(signal, 'score');
        const v = e.fn(set, { signal });
        baselines[e.name] = typeof v === 'number' ? v : await abortable(v, signal, 'score');
      }
    }
    const t3 = performance.now();
    return {
      prompt,
      topic,
      score: isotropyOfSpectrum(lambda),
      parts,
      baselines,
      answers,
      truncated,
      timings: { samplingMs, embeddingMs: given ? 0 : t2 - t1, scoringMs: t3 - t2, totalMs: t3 - t0 },
    };
  }
}
