import { ESTIMATORS, type EstimatorDescriptor } from '../estimators/registry.js';
import type { Entailment } from '../nli/entailment.js';
import { type NliEstimatorOptions, nliEstimators } from '../nli/estimators.js';
import { type EvaluateOptions, type EvaluationReport, evaluateScores } from './evaluate.js';
import { type EvaluationRecord, readEvaluationJsonl } from './jsonl.js';
import { type EvaluationPlots, writeEvaluationPlots } from './plots.js';
import { type EmbedTexts, type ScoredDataset, type ScoreRecordsOptions, scoreRecords } from './score.js';

/** Options of {@link evaluateRecords} and {@link evaluateJsonl}. */
export interface EvaluateDatasetOptions extends Omit<EvaluateOptions, 'meta'> {
  /** Embeds responses of records without precomputed `embeddings`. */
  embed?: EmbedTexts;
  /** Text sent to `embed` per response (see {@link ScoreRecordsOptions.embedText}). */
  embedText?: ScoreRecordsOptions['embedText'];
  /**
   * Estimators to compare (default: all built-ins, plus LUQ and semantic entropy when `entailment` is given).
   */
  estimators?: readonly EstimatorDescriptor[];
  /** An entailment model: adds the NLI baselines (LUQ, discrete semantic entropy) to the default estimators. */
  entailment?: Entailment;
  /** Options of the NLI baselines. */
  nli?: NliEstimatorOptions;
  /** Called after each record is scored. */
  onProgress?: ScoreRecordsOptions['onProgress'];
  /** Cancels scoring (it rejects with an AbortError). */
  signal?: AbortSignal;
  /** Write the SVG plots into this folder. */
  plotsDir?: string;
}

/** Result of {@link evaluateRecords}. */
export interface DatasetEvaluation {
  /** Per-prompt scores and labels. */
  scored: ScoredDataset;
  /** Metrics with confidence intervals, one row per estimator. */
  report: EvaluationReport;
  /** Written plot files, when `plotsDir` was given. */
  plots?: EvaluationPlots;
}

/**
 * Score every record with every estimator, compare them at predicting factuality (R^2, Spearman, AUROC with
 * bootstrap intervals), and optionally write the plots. With an `entailment` model, the NLI baselines (LUQ,
 * discrete semantic entropy) join the built-in estimators in the same table.
 *
 * @throws {EvaluationError} / {@link JsonlError} as the steps do.
 * @example
 * ```ts
 * const { report } = await evaluateRecords(records, { threshold: 0.5, embed: (t) => embedder.embed(t) });
 * console.log(formatEvaluationTable(report));
 * ```
 */
export async function evaluateRecords(
  records: readonly EvaluationRecord[],
  options: EvaluateDatasetOptions,
): Promise<DatasetEvaluation> {
  const {
    embed,
    embedText,
    plotsDir,
    entailment,
    nli,
    onProgress,
    signal,
    estimators: chosen,
    ...rest
  } = options;
  const evalOptions: EvaluateOptions = rest;
  const estimators = chosen ?? (entailment ? [...ESTIMATORS, ...nliEstimators(entailment, nli)] : ESTIMATORS);
  const scored = await scoreRecords(records, { embed, embedText, estimators, onProgress, signal });
  const meta = Object.fromEntries(
    estimators.map((e) => [e.name, { label: e.label, direction: e.direction }]),
  );
  const report = evaluateScores(scored.scores, scored.factuality, { ...evalOptions, meta });
  if (plotsDir === undefined) return { scored, report };
  return { scored, report, plots: await writeEvaluationPlots(plotsDir, scored, report) };
}

/**
 * {@link evaluateRecords} on a JSONL file of `{prompt, responses, factuality, embeddings?}` lines.
 *
 * @throws {JsonlError} for a malformed line (with its line number); {@link EvaluationError} as scoring does.
 * @example
 * ```ts
 * const { report, plots } = await evaluateJsonl('eval.jsonl', { threshold: 0.5, plotsDir: 'out', seed: 1 });
 * ```
 */
export async function evaluateJsonl(
  path: string,
  options: EvaluateDatasetOptions,
): Promise<DatasetEvaluation> {
  return evaluateRecords(await readEvaluationJsonl(path), options);
}
