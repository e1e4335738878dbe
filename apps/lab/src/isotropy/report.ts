/**
 * The reproduction's report: report.json (settings, timings, models, per-prompt numbers, every evaluation),
 * report.md (tables, plots, a reading derived from the numbers, the differences from the paper),
 * evaluation.jsonl (the labelled samples with embeddings, readable by `proj trust evaluate`) and SVG plots.
 * Every file is written atomically.
 */
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  type BootstrapInterval,
  type EvaluationReport,
  formatEvaluationTable,
  scatterPlotSvg,
  writeEvaluationPlots,
  writeTextFileAtomic,
} from '@proj/isotropy';
import { r2Difference } from './compare.js';
import { type ConditionResult, type ExperimentResult, factualityVsExposure } from './experiment.js';

/** The headline row and the paired comparisons against it. */
export interface Comparison {
  /** Estimator compared with semantic isotropy. */
  name: string;
  label: string;
  /** R^2(isotropy) - R^2(this estimator), paired bootstrap over prompts. */
  r2Difference: BootstrapInterval;
}

/** A condition as stored in report.json. */
export interface ConditionJson {
  temperature: number;
  meanFactuality: number;
  meanGreedyFactuality: number;
  /** Prompts whose mean sample factuality is below the threshold. */
  positives: number;
  /** Spearman's rho of mean sample factuality and log(1 + exposures). */
  factualityVsExposureSpearman: number;
  meanDistinctFactSets: number;
  /** Prompts below the threshold whose samples mostly agree (modal share >= 0.5): consistent errors. */
  consistentErrors: number;
  /** Mean share of statements that follow no template (garbled sentences). */
  meanUnparsedShare: number;
  /** Isotropy and agreement per factuality band. */
  bands: FactualityBand[];
  evaluation: EvaluationReport | null;
  greedyEvaluation: EvaluationReport | null;
  /** Isotropy against every other estimator (mean sample factuality). */
  comparisons: Comparison[];
  notes: string[];
  timingsMs: ConditionResult['timings'];
}

/** Prompts grouped by factuality: how isotropy and agreement change along the label. */
export interface FactualityBand {
  /** Band [lower, upper) of mean sample factuality (the last band includes 1). */
  lower: number;
  upper: number;
  prompts: number;
  isotropyMean: number;
  isotropyMin: number;
  isotropyMax: number;
  distinctFactSetsMean: number;
  exposuresMedian: number;
}

/** The shape of report.json. */
export interface ReportJson {
  experiment: 'semantic-isotropy-miniature';
  paper: string;
  createdAt: string;
  command: string;
  machine: { cores: number; cpu: string; node: string };
  settings: ExperimentResult['settings'];
  timingsMs: Record<string, number>;
  models: {
    lm: ExperimentResult['lm'];
    embedder: ExperimentResult['embedder'];
  };
  world: {
    entities: number;
    zipfExponent: number;
    documents: number;
    exposures: { min: number; median: number; max: number; unseen: number };
  };
  main: ConditionJson;
  sensitivity: ConditionJson[];
  prompts: {
    entity: number;
    name: string;
    exposures: number;
    factuality: number;
    sampleFactuality: number[];
    greedyFactuality: number;
    distinctFactSets: number;
    modalShare: number;
    unparsedShare: number;
    scores: Record<string, number>;
  }[];
  files: Record<string, string>;
}

const ISOTROPY = 'semanticIsotropy';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

const BAND_EDGES = [0, 0.2, 0.4, 0.6, 0.8, 0.999, 1];

/**
 * Prompts grouped into factuality bands [0, 0.2), [0.2, 0.4), [0.4, 0.6), [0.6, 0.8), [0.8, 0.999), [0.999, 1]
 * (the last one: every sample fully true), with isotropy and agreement per band; empty bands are left out.
 *
 * @example
 * ```ts
 * factualityBands(result.main).map((b) => [b.lower, b.isotropyMean]);
 * ```
 */
export function factualityBands(c: ConditionResult): FactualityBand[] {
  const bands: FactualityBand[] = [];
  for (let i = 0; i + 1 < BAND_EDGES.length; i++) {
    const lower = BAND_EDGES[i];
    const upper = BAND_EDGES[i + 1];
    const last = i + 2 === BAND_EDGES.length;
    const sel = c.prompts.filter(
      (p) => p.factuality >= lower && (last ? p.factuality <= upper : p.factuality < upper),
    );
    if (sel.length === 0) continue;
    const iso = sel.map((p) => p.scores.semanticIsotropy);
    bands.push({
      lower,
      upper,
      prompts: sel.length,
      isotropyMean: mean(iso),
      isotropyMin: Math.min(...iso),
      isotropyMax: Math.max(...iso),
      distinctFactSetsMean: mean(sel.map((p) => p.distinctFactSets)),
      exposuresMedian: median(sel.map((p) => p.exposures)),
    });
  }
  return bands;
}

function conditionJson(c: ConditionResult, reps: number, seed: number, threshold: number): ConditionJson {
  const comparisons: Comparison[] = [];
  const iso = c.scored.scores[ISOTROPY];
  if (c.evaluation && iso) {
    for (const row of c.evaluation.rows) {
      if (row.name === ISOTROPY) continue;
      comparisons.push({
        name: row.name,
        label: row.label,
        r2Difference: r2Difference(iso, c.scored.scores[row.name], c.scored.factuality, { reps, seed }),
      });
    }
  }
  return {
    temperature: c.temperature,
    meanFactuality: mean(c.scored.factuality),
    meanGreedyFactuality: mean(c.prompts.map((p) => p.greedyFactuality)),
    positives: c.prompts.filter((p) => p.factuality < threshold).length,
    factualityVsExposureSpearman: factualityVsExposure(c.prompts),
    meanDistinctFactSets: mean(c.prompts.map((p) => p.distinctFactSets)),
    consistentErrors: c.prompts.filter((p) => p.factuality < threshold && p.modalShare >= 0.5).length,
    meanUnparsedShare: mean(c.prompts.map((p) => p.unparsedShare)),
    bands: factualityBands(c),
    evaluation: c.evaluation,
    greedyEvaluation: c.greedyEvaluation,
    comparisons,
    notes: c.notes,
    timingsMs: c.timings,
  };
}

/**
 * Assemble report.json's content from a run (pure: no files are touched).
 *
 * @example
 * ```ts
 * const json = buildReportJson(result, 'npm run lab:isotropy -- --quick');
 * json.main.evaluation?.rows[0].r2.estimate;
 * ```
 */
export function buildReportJson(result: ExperimentResult, command: string): ReportJson {
  const { settings } = result;
  const ex = result.exposures;
  return {
    experiment: 'semantic-isotropy-miniature',
    paper: 'semantic isotropy, arXiv 2510.21891',
    createdAt: new Date().toISOString(),
    command,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    settings,
    timingsMs: result.timings,
    models: { lm: result.lm, embedder: result.embedder },
    world: {
      entities: settings.world.entities,
      zipfExponent: settings.world.zipfExponent,
      documents: settings.world.documents,
      exposures: {
        min: Math.min(...ex),
        median: median(ex),
        max: Math.max(...ex),
        unseen: ex.filter((e) => e === 0).length,
      },
    },
    main: conditionJson(result.main, settings.bootstrapReps, settings.seed, settings.threshold),
    sensitivity: result.sensitivity.map((c) =>
      conditionJson(c, settings.bootstrapReps, settings.seed, settings.threshold),
    ),
    prompts: result.main.prompts.map((p) => ({
      entity: p.entity,
      name: p.name,
      exposures: p.exposures,
      factuality: p.factuality,
      sampleFactuality: p.sampleFactuality,
      greedyFactuality: p.greedyFactuality,
      distinctFactSets: p.distinctFactSets,
      modalShare: p.modalShare,
      unparsedShare: p.unparsedShare,
      scores: p.scores,
    })),
    files: {},
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ci = (b: BootstrapInterval) => `${f3(b.estimate)} [${f3(b.lower)}, ${f3(b.upper)}]`;
const secs = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

/**
 * Sentences that read the main evaluation, derived only from the numbers (no judgement is hard-coded): how much
 * variance isotropy explains, where it ranks, and which paired R^2 differences exclude zero.
 *
 * @example
 * ```ts
 * readingOf(json.main).forEach((line) => console.log(`- ${line}`));
 * ```
 */
export function readingOf(c: ConditionJson): string[] {
  const lines: string[] = [];
  if (!c.evaluation) return [`No evaluation was possible: ${c.notes.join(' ')}`];
  const rows = c.evaluation.rows;
  const iso = rows.find((r) => r.name === ISOTROPY);
  if (!iso) return ['Semantic isotropy was not among the estimators.'];
  const works = iso.spearman.upper < 0;
  lines.push(
    `Semantic isotropy explains R^2 = ${ci(iso.r2)} of the variance of per-prompt factuality; Spearman's rho = ${ci(iso.spearman)}` +
      ` (${works ? 'negative with an interval below 0: more spread goes with less factual answers, as the paper claims' : 'its interval reaches 0 or above: no reliable negative association here'}); AUROC for factuality < ${c.evaluation.threshold} = ${ci(iso.auroc)}.`,
  );
  const ranked = [...rows]
    .filter((r) => Number.isFinite(r.r2.estimate))
    .sort((a, b) => b.r2.estimate - a.r2.estimate);
  const rank = ranked.findIndex((r) => r.name === ISOTROPY) + 1;
  const best = ranked[0];
  lines.push(
    rank === 1
      ? `By R^2 it ranks first of ${ranked.length} estimators; the runner-up is ${ranked[1]?.label ?? 'none'} (R^2 = ${f3(ranked[1]?.r2.estimate ?? Number.NaN)}).`
      : `By R^2 it ranks ${rank} of ${ranked.length}; the best is ${best.label} (R^2 = ${ci(best.r2)}).`,
  );
  const better = c.comparisons.filter((x) => x.r2Difference.lower > 0).map((x) => x.label);
  const worse = c.comparisons.filter((x) => x.r2Difference.upper < 0).map((x) => x.label);
  const tied = c.comparisons
    .filter((x) => x.r2Difference.lower <= 0 && x.r2Difference.upper >= 0)
    .map((x) => x.label);
  if (better.length)
    lines.push(
      `Its R^2 is higher, with a paired 95% interval of the difference above 0, than: ${better.join('; ')}.`,
    );
  if (worse.length) lines.push(`Its R^2 is lower, with the interval below 0, than: ${worse.join('; ')}.`);
  if (tied.length)
    lines.push(
      `Not distinguishable from isotropy at this sample size (interval contains 0): ${tied.join('; ')}.`,
    );
  return lines;
}

function comparisonTable(c: ConditionJson): string {
  if (c.comparisons.length === 0) return '';
  return [
    '| Estimator | R^2(isotropy) - R^2(estimator) [95% paired bootstrap CI] |',
    '|---|---|',
    ...c.comparisons.map((x) => `| ${x.label} | ${ci(x.r2Difference)} |`),
  ].join('\n');
}

/**
 * The Markdown report.
 *
 * @example
 * ```ts
 * await writeFile('report.md', renderMarkdown(json));
 * ```
 */
export function renderMarkdown(r: ReportJson): string {
  const s = r.settings;
  const lm = r.models.lm;
  const emb = r.models.embedder;
  const t = r.timingsMs;
  const main = r.main;
  const out: string[] = [];
  out.push(`# Semantic isotropy: a miniature reproduction (${s.mode} run)`);
  out.push('');
  out.push(
    `Claim under test (${r.paper}): sample several long answers to a prompt, embed them, and the spread of the unit ` +
      'embeddings on the sphere (semantic isotropy, the von Neumann entropy of their cosine Gram matrix / N) predicts ' +
      'how factual the answers are: more spread, less factual. Here everything is built in the project: a world with ' +
      'known truth, the language model that answers, the embedder, and the fact checker.',
  );
  out.push('');
  out.push(
    `Command: \`${r.command}\`, run ${r.createdAt} on ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}; ` +
      `total ${secs(t.totalMs)}, seed ${s.seed}.`,
  );
  out.push('');
  out.push('## Setup');
  out.push('');
  out.push(
    `- **World**: ${s.world.entities} people, each with 5 facts (birth city, birth year, job, home city, hobby) drawn uniformly ` +
      `(20 cities, 80 years, 20 jobs, 15 hobbies). Popularity is Zipf-like (weight of rank r proportional to r^-${s.world.zipfExponent}); ` +
      `the training corpus has ${s.world.documents} biographies drawn with these weights, each rendered afresh (the opening sentence ` +
      'in one of two word orders, the other three sentences shuffled, each in one of two wordings). Training draws per person: ' +
      `min ${r.world.exposures.min}, median ${r.world.exposures.median}, max ${r.world.exposures.max}; ${r.world.exposures.unseen} people never seen.`,
  );
  out.push(
    `- **Language model**: the project's GPT-2-style decoder (d = ${s.lm.dModel}, ${s.lm.nLayers} layers, ${s.lm.nHeads} heads, ` +
      `${lm.params} weights, character tokenizer), trained with AdamW for ${s.lm.steps} steps of ${s.lm.batch} biographies ` +
      `(loss on the answer only) in ${secs(lm.trainMs)}${lm.cached ? ' (reused from the cache)' : ''}; loss per tenth of training: ` +
      `${lm.lossCurve.map((x) => x.toFixed(3)).join(', ')} nats/char. Prompt: \`Tell me about <name>.\`.`,
  );
  out.push(
    `- **Embedder**: the project's BERT-style encoder (d = ${s.embedder.dModel}, ${s.embedder.nLayers} layers, ${emb.params} weights, ` +
      'word-level WordPiece vocabulary with character fallback, mean pooling), trained with symmetric InfoNCE ' +
      `(tau = ${s.embedder.temperature}) for ${s.embedder.steps} steps of ${s.embedder.groups * s.embedder.variants} pairs in ` +
      `${secs(emb.trainMs)}${emb.cached ? ' (reused from the cache)' : ''}. Pairs are two renderings of the same facts about a random ` +
      `name (not a person of the world); each batch holds ${s.embedder.groups} names with ${s.embedder.variants} fact sets each that ` +
      'differ in 1-2 facts (hard negatives); positives are sometimes noised (a sentence dropped or a letter changed). ' +
      `Final in-batch accuracy ${(100 * emb.finalAccuracy).toFixed(1)}%. Held-out check: cosine of two renderings of the same ` +
      `facts ${f3(emb.check.sameFacts)}, of fact sets differing in one fact ${f3(emb.check.oneFactDifferent)}, of unrelated ` +
      `ones ${f3(emb.check.unrelated)}; top-1 retrieval ${(100 * emb.check.retrieval).toFixed(1)}% of ${emb.check.pairs}.`,
  );
  out.push(
    `- **Sampling**: every person is a test prompt (${r.prompts.length} prompts); N = ${s.sampling.samples} answers each at ` +
      `temperature ${s.sampling.temperature}, top-p ${s.sampling.topP}, at most ${s.sampling.maxNewTokens} characters, plus one ` +
      "greedy answer. Each answer is embedded as the paper does: `The following is an excerpt from a text about: '<prompt>'` + the answer.",
  );
  out.push(
    '- **Factuality**: a parser reads each sentence of an answer against the five sentence templates; every claim is ' +
      'checked against the truth, and a sentence that follows no template counts as one unsupported statement. Answer ' +
      'factuality = true claims / statements (the paper: fraction of atomic statements an LLM judge finds supported). ' +
      `**Label of a prompt = mean factuality of its N sampled answers** (the paper's "factual consistency across samples"); ` +
      "the greedy answer's factuality is evaluated as a second label. AUROC positives: factuality < " +
      `${s.threshold} (${main.positives} of ${r.prompts.length} prompts).`,
  );
  out.push(
    '- **Estimators** (all oriented so that higher = less trustworthy): semantic isotropy and its Gram-matrix companions, ' +
      'the graph-Laplacian scores (EigV, degree, eccentricity) on the cosine graph, lexical dispersion (1 - mean pairwise ' +
      'ROUGE-L), LUQ and discrete semantic entropy with an **exact** entailment model (the fact parser: a perfect NLI model ' +
      'for this world, which real deployments do not have, so treat them as an upper reference), and the mean token ' +
      'negative log-likelihood of the samples under the model (white-box). Intervals: 95% percentile bootstrap over ' +
      `prompts, ${s.bootstrapReps} resamples.`,
  );
  out.push('');
  out.push('## Data');
  out.push('');
  out.push(
    `Mean factuality of the sampled answers ${f3(main.meanFactuality)}, of the greedy answers ${f3(main.meanGreedyFactuality)}; ` +
      `Spearman's rho of factuality and log(1 + training draws) = ${f3(main.factualityVsExposureSpearman)} (popular people are ` +
      `known, rare ones are not: the premise of the setup). Distinct fact sets among the ${s.sampling.samples} samples of a prompt: ` +
      `${f3(main.meanDistinctFactSets)} on average. Statements that follow no template (garbled sentences): ` +
      `${(100 * main.meanUnparsedShare).toFixed(1)}% on average. Consistent errors (factuality < ${s.threshold} although at ` +
      `least half of the samples state the same fact set): ${main.consistentErrors} of ${main.positives} low-factuality prompts.`,
  );
  out.push('');
  out.push(
    '![factuality vs exposure](plots/factuality-vs-exposure.svg) ![isotropy vs exposure](plots/isotropy-vs-exposure.svg)',
  );
  out.push('');
  out.push('Semantic isotropy along the label (prompts grouped by mean sample factuality):');
  out.push('');
  out.push(
    '| factuality | prompts | isotropy mean [min, max] | distinct fact sets (of N) | median training draws |',
  );
  out.push('|---|---|---|---|---|');
  for (const b of main.bands) {
    const range = b.lower >= 0.999 ? '1 (all true)' : `[${b.lower}, ${b.upper})`;
    out.push(
      `| ${range} | ${b.prompts} | ${f3(b.isotropyMean)} [${f3(b.isotropyMin)}, ${f3(b.isotropyMax)}] | ` +
        `${b.distinctFactSetsMean.toFixed(1)} | ${b.exposuresMedian} |`,
    );
  }
  out.push('');
  out.push(`## Result: predicting mean sample factuality (T = ${main.temperature})`);
  out.push('');
  out.push(
    main.evaluation ? formatEvaluationTable(main.evaluation) : `Not evaluated: ${main.notes.join(' ')}`,
  );
  out.push('');
  out.push(comparisonTable(main));
  out.push('');
  out.push('![isotropy](plots/scatter-semanticIsotropy.svg) ![ROC](plots/roc.svg)');
  out.push('');
  out.push('Reading (generated from the numbers above):');
  out.push('');
  for (const line of readingOf(main)) out.push(`- ${line}`);
  out.push('');
  out.push('## Second label: factuality of the greedy answer');
  out.push('');
  out.push(
    main.greedyEvaluation
      ? formatEvaluationTable(main.greedyEvaluation)
      : `Not evaluated: ${main.notes.join(' ')}`,
  );
  for (const c of r.sensitivity) {
    out.push('');
    out.push(`## Sensitivity: temperature ${c.temperature}`);
    out.push('');
    out.push(
      `Same models, new samples. Mean sample factuality ${f3(c.meanFactuality)}, ${c.positives} positives; distinct fact ` +
        `sets per prompt ${f3(c.meanDistinctFactSets)}.`,
    );
    out.push('');
    out.push(c.evaluation ? formatEvaluationTable(c.evaluation) : `Not evaluated: ${c.notes.join(' ')}`);
    out.push('');
    for (const line of readingOf(c)) out.push(`- ${line}`);
  }
  out.push('');
  out.push('## How this differs from the paper');
  out.push('');
  out.push(
    '- Scale: a character-level model of about a hundred thousand weights and a world of five facts per person, not ' +
      'Llama / GPT-4.1 on TriviaQA or FActScore biographies; answers are four sentences, not 125-1000 words.',
  );
  out.push(
    '- The embedder is trained on the same sentence templates the language model writes, so it is closer to an ideal ' +
      'semantic embedder for this world than a general-purpose one is for real text; the fact checker is exact where ' +
      "the paper's LLM judge is noisy. Both make the miniature cleaner than the real setting.",
  );
  out.push(
    '- Errors here come from one source, missing knowledge about rare people, and mostly show up as disagreement ' +
      'between samples. Consistent errors (a wrong fact set the model repeats) are the blind spot of every ' +
      `consistency-based score, isotropy included; this run has ${main.consistentErrors} such prompts (see Data).`,
  );
  out.push(
    '- The NLI baselines use an exact parser instead of an NLI model, so their numbers are an upper reference, not what ' +
      'LUQ or semantic entropy achieve with a real cross-encoder.',
  );
  out.push('');
  out.push('## Timings');
  out.push('');
  out.push('| phase | time |');
  out.push('|---|---|');
  const rows: [string, number | undefined][] = [
    ['world + corpus', t.worldMs],
    [`language model (${lm.cached ? 'cache load' : 'training + save'})`, t.lmMs],
    [`embedder (${emb.cached ? 'cache load' : 'training + save'})`, t.embedderMs],
    ['loading both models', t.loadMs],
    ['embedder check', t.embedderCheckMs],
    [`sampling ${r.prompts.length} x ${s.sampling.samples} answers + greedy`, main.timingsMs.samplingMs],
    ['token NLL scoring', main.timingsMs.scoringLmMs],
    ['embedding', main.timingsMs.embeddingMs],
    ['estimators (incl. exact-NLI LUQ / semantic entropy)', main.timingsMs.estimatorsMs],
    ['evaluation (bootstrap)', main.timingsMs.evaluationMs],
    ['sensitivity conditions', t.sensitivityMs],
    ['total', t.totalMs],
  ];
  for (const [name, ms] of rows) out.push(`| ${name} | ${secs(ms)} |`);
  out.push('');
  out.push(
    `Files: report.json (every number, per-prompt scores), evaluation.jsonl (prompts, the ${s.sampling.samples} answers, ` +
      'factuality and embeddings; `proj trust evaluate evaluation.jsonl` re-evaluates it), plots/*.svg, models/ (the two ' +
      'trained model folders, reused by the next run with the same settings; `--retrain` trains them again).',
  );
  out.push('');
  return out.join('\n');
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** JSON with NaN / Infinity as null (JSON has no such numbers). */
function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/**
 * Write report.json, report.md, evaluation.jsonl and the plots into `outDir` (each file atomically).
 *
 * @returns the report as written.
 * @example
 * ```ts
 * const json = await writeReport('apps/lab/reports/isotropy/full', result, 'npm run lab:isotropy');
 * ```
 */
export async function writeReport(
  outDir: string,
  result: ExperimentResult,
  command: string,
): Promise<ReportJson> {
  const json = buildReportJson(result, command);
  const plotsDir = join(outDir, 'plots');
  const files: Record<string, string> = {};
  const main = result.main;
  if (main.evaluation) {
    const plots = await writeEvaluationPlots(plotsDir, main.scored, main.evaluation);
    files.roc = 'plots/roc.svg';
    for (const name of Object.keys(plots.scatter)) files[`scatter:${name}`] = `plots/scatter-${name}.svg`;
  }
  const logEx = main.prompts.map((p) => Math.log10(1 + p.exposures));
  await writeTextFileAtomic(
    join(plotsDir, 'factuality-vs-exposure.svg'),
    scatterPlotSvg({
      x: logEx,
      y: main.prompts.map((p) => p.factuality),
      title: `Factuality vs training exposure (Spearman ${f3(json.main.factualityVsExposureSpearman)})`,
      xLabel: 'log10(1 + training draws of the person)',
      yLabel: 'mean sample factuality',
    }),
  );
  files.factualityVsExposure = 'plots/factuality-vs-exposure.svg';
  await writeTextFileAtomic(
    join(plotsDir, 'isotropy-vs-exposure.svg'),
    scatterPlotSvg({
      x: logEx,
      y: main.prompts.map((p) => p.scores.semanticIsotropy),
      title: 'Semantic isotropy vs training exposure',
      xLabel: 'log10(1 + training draws of the person)',
      yLabel: 'semantic isotropy',
    }),
  );
  files.isotropyVsExposure = 'plots/isotropy-vs-exposure.svg';
  const lines = main.prompts.map((p, k) =>
    JSON.stringify({
      id: String(p.entity),
      prompt: p.prompt,
      topic: p.prompt,
      responses: p.answers,
      factuality: p.factuality,
      greedyAnswer: p.greedyAnswer,
      greedyFactuality: p.greedyFactuality,
      exposures: p.exposures,
      embeddings: main.embeddings[k].map((row) => row.map(round)),
    }),
  );
  await writeTextFileAtomic(join(outDir, 'evaluation.jsonl'), `${lines.join('\n')}\n`);
  files.evaluation = 'evaluation.jsonl';
  files.json = 'report.json';
  files.markdown = 'report.md';
  json.files = files;
  await writeTextFileAtomic(join(outDir, 'report.json'), toJson(json));
  await writeTextFileAtomic(join(outDir, 'report.md'), renderMarkdown(json));
  return json;
}
