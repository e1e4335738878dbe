import { EvaluationError } from '../errors.js';
import { ESTIMATORS, type ScoreDirection } from '../estimators/registry.js';
import { aurocUnchecked } from '../stats/auroc.js';
import { type BootstrapInterval, bootstrapInterval } from '../stats/bootstrap.js';
import { pearsonUnchecked } from '../stats/ols.js';
import { spearmanUnchecked } from '../stats/rank.js';

/** How one score column predicts factuality. */
export interface EstimatorEvaluation {
  /** Score column name. */
  name: string;
  /** Human-readable name. */
  label: string;
  /** Orientation used for AUROC. */
  direction: ScoreDirection;
  /** R^2 of the OLS fit factuality ~ score (NaN when the score is constant). */
  r2: BootstrapInterval;
  /** Spearman's rho of score and factuality; negative for a working higher-less-trustworthy score. */
  spearman: BootstrapInterval;
  /**
   * AUROC for detecting prompts with factuality < threshold, the score oriented so that higher = less
   * trustworthy (0.5 = chance, 1 = perfect).
   */
  auroc: BootstrapInterval;
}

/** The side-by-side comparison of every score column. */
export interface EvaluationReport {
  /** Number of prompts. */
  n: number;
  /** Factuality below this counts as the positive ("not trustworthy") class for AUROC. */
  threshold: number;
  /** Number of positive prompts. */
  positives: number;
  /** Bootstrap settings the intervals were computed with (the options' values or their defaults). */
  bootstrap: {
    /** Number of bootstrap resamples drawn (default 1000). */
    reps: number;
    /** Seed of the resampling PRNG (default 0); the same seed reproduces the same intervals. */
    seed: number;
    /** Two-sided confidence level of the percentile intervals, in (0, 1) (default 0.95). */
    level: number;
  };
  /** One row per score column, in the order given. */
  rows: EstimatorEvaluation[];
}

/** Options of {@link evaluateScores}. */
export interface EvaluateOptions {
  /** Binarisation threshold on factuality for AUROC: positive = factuality < threshold. Required. */
  threshold: number;
  /** Bootstrap resamples (default 1000). */
  reps?: number;
  /** Bootstrap seed (default 0). Every column uses the same resamples, so intervals are comparable. */
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Label / direction of columns that are not built-in estimators (default: name, higher-less-trustworthy). */
  meta?: Readonly<
    Record<
      string,
      {
        /** Row label in reports and plots (default: the built-in estimator's label, or the column name). */
        label?: string;
        /** Score orientation, for AUROC (default: the built-in estimator's, or higher-less-trustworthy). */
        direction?: ScoreDirection;
      }
    >
  >;
}

function column(name: string, values: ArrayLike<number>, n: number): Float64Array {
  if (values == null || values.length !== n) {
    throw new EvaluationError(
      `evaluateScores: score column '${name}' has ${values?.length} values but there are ${n} factuality labels; ` +
        'give one score per prompt.',
    );
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new EvaluationError(
        `evaluateScores: score column '${name}' holds ${v} at prompt ${i}; scores must be finite.`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Compare estimators at predicting factuality, side by side: for each score column, R^2 of the OLS fit
 * factuality ~ score (the paper's headline metric), Spearman's rho, and AUROC for detecting prompts with
 * factuality below `threshold`, each with a seeded bootstrap percentile interval over prompts (paired:
 * score and label are resampled together; degenerate resamples are skipped and counted).
 *
 * @param scores `scores[name][i]` = that estimator's score for prompt i.
 * @param factuality factuality of prompt i (in [0, 1]).
 * @throws {EvaluationError} on fewer than 3 prompts, mismatched or non-finite columns, constant factuality, or a
 *   threshold that leaves one class empty.
 * @example
 * ```ts
 * const report = evaluateScores(scored.scores, scored.factuality, { threshold: 0.5, reps: 1000, seed: 1 });
 * report.rows.map((r) => [r.name, r.r2.estimate, r.auroc.lower, r.auroc.upper]);
 * ```
 */
export function evaluateScores(
  scores: Readonly<Record<string, ArrayLike<number>>>,
  factuality: ArrayLike<number>,
  options: EvaluateOptions,
): EvaluationReport {
  const { threshold, reps = 1000, seed = 0, level = 0.95, meta = {} } = options ?? ({} as EvaluateOptions);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new EvaluationError(
      `evaluateScores: options.threshold must be a finite number (factuality below it = not trustworthy), got ${String(threshold)}.`,
    );
  }
  const n = factuality?.length ?? 0;
  if (n < 3) throw new EvaluationError(`evaluateScores: needs at least 3 prompts, got ${n}.`);
  const y = column('factuality', factuality, n);
  if (y.every((v) => v === y[0])) {
    throw new EvaluationError(
      'evaluateScores: factuality is the same for every prompt, so nothing can be predicted.',
    );
  }
  const positive = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    positive[i] = y[i] < threshold ? 1 : 0;
    positives += positive[i];
  }
  if (positives === 0 || positives === n) {
    throw new EvaluationError(
      `evaluateScores: threshold ${threshold} puts all ${n} prompts in one class (${positives} below it); ` +
        'choose a threshold inside the range of factuality.',
    );
  }
  const names = Object.keys(scores);
  if (names.length === 0) throw new EvaluationError('evaluateScores: no score columns given.');
  // Scratch buffers shared by every replicate: resampled columns and ranking work space.
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const ps = new Uint8Array(n);
  const scratch = { rx: new Float64Array(n), ry: new Float64Array(n), order: new Uint32Array(n) };
  const rows = names.map((name): EstimatorEvaluation => {
    const builtin = ESTIMATORS.find((e) => e.name === name);
    const direction = meta[name]?.direction ?? builtin?.direction ?? 'higher-less-trustworthy';
    const label = meta[name]?.label ?? builtin?.label ?? name;
    const x = column(name, scores[name], n);
    const sign = direction === 'higher-less-trustworthy' ? 1 : -1;
    const gather = (idx: Uint32Array): void => {
      for (let k = 0; k < n; k++) {
        const i = idx[k];
        xs[k] = x[i];
        ys[k] = y[i];
        ps[k] = positive[i];
      }
    };
    const boot = { reps, seed, level };
    const r2 = bootstrapInterval(
      n,
      (idx) => {
        gather(idx);
        const r = pearsonUnchecked(xs, ys, n);
        return r * r;
      },
      boot,
    );
    const rho = bootstrapInterval(
      n,
      (idx) => {
        gather(idx);
        return spearmanUnchecked(xs, ys, n, scratch);
      },
      boot,
    );
    const auc = bootstrapInterval(
      n,
      (idx) => {
        gather(idx);
        for (let k = 0; k < n; k++) xs[k] *= sign;
        return aurocUnchecked(xs, ps, n, scratch.rx, scratch.order);
      },
      boot,
    );
    return { name, label, direction, r2, spearman: rho, auroc: auc };
  });
  return { n, threshold, positives, bootstrap: { reps, seed, level }, rows };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

function cell(b: BootstrapInterval): string {
  return `${fmt(b.estimate)} [${fmt(b.lower)}, ${fmt(b.upper)}]`;
}

/**
 * The report as a Markdown table, one row per estimator: R^2, Spearman and AUROC with their intervals.
 *
 * @example
 * ```ts
 * console.log(formatEvaluationTable(report));
 * // | Estimator | R^2 [95% CI] | Spearman [95% CI] | AUROC [95% CI] |
 * ```
 */
export function formatEvaluationTable(report: EvaluationReport): string {
  const pct = `${Math.round(report.bootstrap.level * 1000) / 10}% CI`;
  const lines = [
    `| Estimator | R^2 [${pct}] | Spearman [${pct}] | AUROC [${pct}] |`,
    '|---|---|---|---|',
    ...report.rows.map((r) => `| ${r.label} | ${cell(r.r2)} | ${cell(r.spearman)} | ${cell(r.auroc)} |`),
  ];
  return (
    `${lines.join('\n')}\n\n${report.n} prompts, ${report.positives} with factuality < ${report.threshold}; ` +
    `${report.bootstrap.reps} bootstrap resamples (seed ${report.bootstrap.seed}).\n`
  );
}
