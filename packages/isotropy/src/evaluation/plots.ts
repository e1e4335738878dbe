import { join } from 'node:path';
import { EvaluationError } from '../errors.js';
import { type RocSeries, rocPlotSvg, scatterPlotSvg } from '../plots/svg.js';
import { writeTextFileAtomic } from '../plots/write.js';
import { rocCurve } from '../stats/auroc.js';
import { olsLineUnchecked } from '../stats/ols.js';
import type { EvaluationReport } from './evaluate.js';
import type { ScoredDataset } from './score.js';

/** Files written by {@link writeEvaluationPlots}. */
export interface EvaluationPlots {
  /** `scatter-<name>.svg` per estimator: factuality against score with the OLS line. */
  scatter: Record<string, string>;
  /** `roc.svg`: every estimator's ROC curve for detecting factuality < threshold. */
  roc: string;
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Write the evaluation's plots as SVG into `dir` (created if needed; each file written atomically):
 * one factuality-vs-score scatter per estimator and one ROC plot with every estimator.
 *
 * @throws {EvaluationError} when the report and the scores disagree (different estimators or prompt counts).
 * @example
 * ```ts
 * const files = await writeEvaluationPlots('out/plots', scored, report);
 * files.roc; // 'out/plots/roc.svg'
 * ```
 */
export async function writeEvaluationPlots(
  dir: string,
  scored: ScoredDataset,
  report: EvaluationReport,
): Promise<EvaluationPlots> {
  const y = scored.factuality;
  if (y.length !== report.n) {
    throw new EvaluationError(
      `writeEvaluationPlots: the report covers ${report.n} prompts but the scores ${y.length}; pass matching inputs.`,
    );
  }
  const positive = Array.from(y, (v) => v < report.threshold);
  const scatter: Record<string, string> = {};
  const series: RocSeries[] = [];
  for (const row of report.rows) {
    const x = scored.scores[row.name];
    if (!x) {
      throw new EvaluationError(`writeEvaluationPlots: the report has '${row.name}' but the scores do not.`);
    }
    const file = join(dir, `scatter-${fileSafe(row.name)}.svg`);
    const r2 = Number.isFinite(row.r2.estimate) ? `R^2 = ${row.r2.estimate.toFixed(3)}` : 'R^2 undefined';
    await writeTextFileAtomic(
      file,
      scatterPlotSvg({
        x,
        y,
        title: `${row.label}: ${r2} (n = ${report.n})`,
        xLabel: `${row.label} (higher = ${row.direction === 'higher-less-trustworthy' ? 'less' : 'more'} trustworthy)`,
        yLabel: 'factuality',
        fit: olsLineUnchecked(x, y),
      }),
    );
    scatter[row.name] = file;
    const oriented = row.direction === 'higher-less-trustworthy' ? x : Float64Array.from(x, (v) => -v);
    const roc = rocCurve(oriented, positive);
    series.push({ label: row.label, fpr: roc.fpr, tpr: roc.tpr, auc: row.auroc.estimate });
  }
  const roc = join(dir, 'roc.svg');
  await writeTextFileAtomic(
    roc,
    rocPlotSvg(series, { title: `Detecting factuality < ${report.threshold}`, width: 560, height: 420 }),
  );
  return { scatter, roc };
}
