import { abortable, asAbortError, throwIfAborted } from '../async/pool.js';
import { EvaluationError, ResponseInputError } from '../errors.js';
import type { EmbeddingRows } from '../estimators/gram.js';
import { ESTIMATORS, type EstimatorDescriptor, ResponseSet } from '../estimators/registry.js';
import type { EvaluationRecord } from './jsonl.js';

/**
 * Embeds texts, one row per text in order (an `Embedder.embed` from @proj/models fits, bound to its object).
 */
export type EmbedTexts = (
  texts: readonly string[],
  options?: { signal?: AbortSignal },
) => Promise<EmbeddingRows>;

/** Options of {@link scoreRecords}. */
export interface ScoreRecordsOptions {
  /** Embeds the responses of records that carry no `embeddings`. */
  embed?: EmbedTexts;
  /**
   * Text actually sent to `embed` for each response (default: the response itself). The paper wraps each answer
   * as an excerpt about its topic: `excerptEmbedText()` does that, as the trust scorer does.
   */
  embedText?: (response: string, record: EvaluationRecord) => string;
  /** Estimators to compute (default: all built-ins). Asynchronous ones (NLI baselines) are awaited. */
  estimators?: readonly EstimatorDescriptor[];
  /** Called after each record is scored. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Cancels scoring: no new embed / estimator call starts, and the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Per-prompt estimator scores next to the factuality labels: the input of {@link evaluateScores}. */
export interface ScoredDataset {
  /** Estimator names, in the order of the estimators given. */
  names: string[];
  /** `scores[name][i]` = score of prompt i. */
  scores: Record<string, Float64Array>;
  /** Factuality of prompt i. */
  factuality: Float64Array;
  /** The prompts, for reports. */
  prompts: string[];
}

/**
 * Compute every estimator for every record (prompt) of an evaluation set. Embeddings come from the record when
 * present, else from `options.embed`; one `embed` call per record, records processed in order. Estimators that
 * condition on the prompt see `record.prompt` as `ResponseSet.prompt`.
 *
 * @throws {EvaluationError} when an embedding estimator is requested but a record has neither embeddings nor an
 *   embed function to make them, or when `embed` returns the wrong number of rows; errors from the estimators
 *   name the record.
 * @example
 * ```ts
 * const records = await readEvaluationJsonl('eval.jsonl');
 * const scored = await scoreRecords(records, { embed: (t) => embedder.embed(t) });
 * scored.scores.semanticIsotropy; // Float64Array, one score per prompt
 * ```
 */
export async function scoreRecords(
  records: readonly EvaluationRecord[],
  options: ScoreRecordsOptions = {},
): Promise<ScoredDataset> {
  const estimators = options.estimators ?? ESTIMATORS;
  if (!Array.isArray(records) || records.length === 0) {
    throw new EvaluationError('scoreRecords: no records given; load an evaluation set first.');
  }
  if (estimators.length === 0) throw new EvaluationError('scoreRecords: the estimator list is empty.');
  const needEmbeddings = estimators.some((e) => e.needs === 'embeddings');
  const names = estimators.map((e) => e.name);
  const scores: Record<string, Float64Array> = {};
  for (const name of names) scores[name] = new Float64Array(records.length);
  const factuality = new Float64Array(records.length);
  for (let i = 0; i < records.length; i++) {
    throwIfAborted(options.signal, 'scoreRecords');
    const rec = records[i];
    let embeddings: EmbeddingRows | undefined = rec.embeddings;
    if (needEmbeddings && embeddings === undefined) {
      if (!options.embed) {
        throw new EvaluationError(
          `scoreRecords: record ${i} ('${rec.prompt.slice(0, 40)}') has no "embeddings" and no embed function was ` +
            'given; pass { embed } or restrict { estimators } to text-only ones.',
        );
      }
      const wrap = options.embedText;
      const texts: readonly string[] = wrap ? rec.responses.map((r: string) => wrap(r, rec)) : rec.responses;
      embeddings = await abortable(
        options.embed(texts, { signal: options.signal }),
        options.signal,
        'scoreRecords',
      );
      if (!Array.isArray(embeddings) || embeddings.length !== rec.responses.length) {
        throw new EvaluationError(
          `scoreRecords: embed returned ${Array.isArray(embeddings) ? embeddings.length : typeof embeddings} rows ` +
            `for record ${i}'s ${rec.responses.length} responses; it must return one row per text.`,
        );
      }
    }
    const set = new ResponseSet({
      embeddings: needEmbeddings ? embeddings : undefined,
      texts: rec.responses,
      prompt: rec.prompt,
    });
    for (const e of estimators) {
      throwIfAborted(options.signal, 'scoreRecords');
      try {
        const v = e.fn(set, { signal: options.signal });
        scores[e.name][i] = typeof v === 'number' ? v : await abortable(v, options.signal, 'scoreRecords');
      } catch (err) {
        if (err instanceof ResponseInputError) {
          throw new EvaluationError(
            `scoreRecords: record ${i} ('${rec.prompt.slice(0, 40)}'): ${err.message}`,
            {
              cause: err,
            },
          );
        }
        throw asAbortError(err, options.signal, 'scoreRecords');
      }
    }
    factuality[i] = rec.factuality;
    options.onProgress?.({ done: i + 1, total: records.length });
  }
  return { names, scores, factuality, prompts: records.map((r) => r.prompt) };
}
