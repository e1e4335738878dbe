/**
 * The reproduction's pipeline: build the world, train (or reuse) the language model and the embedder, sample
 * answers for every person, check them against the truth, score them with semantic isotropy and the baselines,
 * and compare the scores at predicting factuality.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ESTIMATORS,
  type EstimatorDescriptor,
  type EvaluationRecord,
  type EvaluationReport,
  entailmentFromFunction,
  evaluateScores,
  nliEstimators,
  type ScoredDataset,
  scoreRecords,
  spearman,
} from '@proj/isotropy';
import { type Embedder, type LanguageModel, LocalEmbedder, loadLanguageModel } from '@proj/models';
import { Rng, writeFileAtomic } from '@proj/runtime';
import {
  checkEmbedder,
  type EmbedderCheck,
  saveEmbedder,
  trainEmbedder,
  wrapForEmbedding,
} from './embedder.js';
import { LabInputError } from './errors.js';
import { exactEntailment, parseAnswer, scoreAnswer } from './facts.js';
import { saveLanguageModel, trainLanguageModel } from './lm.js';
import { type ExperimentSettings, validateSettings } from './settings.js';
import { type Entity, makeCorpus, makeWorld, promptFor, type World } from './world.js';

/** Bumped when a change makes cached models stale. */
const CACHE_VERSION = 2;

/** A trained model folder and how it came to be. */
export interface ModelInfo {
  /** The model folder. */
  dir: string;
  /** Whether it was reused from an earlier run with the same settings. */
  cached: boolean;
  /** Training time (of the run that trained it), ms. */
  trainMs: number;
  /** Mean training loss per tenth of training. */
  lossCurve: number[];
  /** Number of weights. */
  params: number;
}

interface LmCacheFile {
  key: string;
  trainMs: number;
  lossCurve: number[];
  params: number;
  /** Training draws of each person's biographies. */
  exposures: number[];
}

interface EmbedderCacheFile {
  key: string;
  trainMs: number;
  lossCurve: number[];
  params: number;
  finalAccuracy: number;
}

/** The result for one prompt (one person). */
export interface PromptResult {
  /** Person id (= popularity rank - 1). */
  entity: number;
  name: string;
  prompt: string;
  /** Times the person's biographies were drawn into a training batch. */
  exposures: number;
  /** The N sampled answers. */
  answers: string[];
  /** Factuality of each sampled answer. */
  sampleFactuality: number[];
  /** Mean factuality of the samples: the label the scores are evaluated against. */
  factuality: number;
  /** The greedy (temperature 0) answer and its factuality: the secondary label. */
  greedyAnswer: string;
  greedyFactuality: number;
  /** Distinct fact sets among the samples (claims compared as sets; unparsed sentences make a set unique). */
  distinctFactSets: number;
  /** Fraction of the samples that state the most common fact set. */
  modalShare: number;
  /** Fraction of the samples' statements that are sentences following no template. */
  unparsedShare: number;
  /** Every estimator's score. */
  scores: Record<string, number>;
}

/** The evaluation of one sampling condition (temperature). */
export interface ConditionResult {
  temperature: number;
  prompts: PromptResult[];
  scored: ScoredDataset;
  /** Embeddings of the answers, `embeddings[prompt][sample]`. */
  embeddings: number[][][];
  /** Scores vs. mean sample factuality (null with `reason` when it cannot be evaluated). */
  evaluation: EvaluationReport | null;
  /** Scores vs. greedy-answer factuality. */
  greedyEvaluation: EvaluationReport | null;
  /** Why an evaluation is missing. */
  notes: string[];
  timings: {
    samplingMs: number;
    scoringLmMs: number;
    embeddingMs: number;
    estimatorsMs: number;
    evaluationMs: number;
  };
}

/** Everything a run produced (report.json is this, minus the scored arrays). */
export interface ExperimentResult {
  settings: ExperimentSettings;
  world: World;
  exposures: number[];
  lm: ModelInfo;
  embedder: ModelInfo & { finalAccuracy: number; check: EmbedderCheck };
  main: ConditionResult;
  sensitivity: ConditionResult[];
  timings: Record<string, number>;
}

/** Options of {@link runExperiment}. */
export interface RunOptions {
  /** Output folder; models are cached in `<outDir>/models`. */
  outDir: string;
  /** Train the models again even when a cached folder matches the settings. */
  retrain?: boolean;
  /** Progress messages (to stderr in the command). */
  log?: (message: string) => void;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readCache<T extends { key: string }>(path: string, key: string): Promise<T | undefined> {
  if (!(await exists(path))) return undefined;
  let parsed: T;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    throw new LabInputError(
      `${path} is not valid JSON (${(err as Error).message}); delete it or run with --retrain.`,
    );
  }
  return parsed.key === key ? parsed : undefined;
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function countParams(weights: ReadonlyMap<string, { size: number }>): number {
  let n = 0;
  for (const w of weights.values()) n += w.size;
  return n;
}

/** Train the language model, or reuse the cached folder trained with the same settings. */
async function ensureLanguageModel(
  settings: ExperimentSettings,
  world: World,
  modelsDir: string,
  retrain: boolean,
  log: (m: string) => void,
): Promise<{ info: ModelInfo; exposures: number[] }> {
  const dir = join(modelsDir, 'lm');
  const cachePath = join(modelsDir, 'lm.json');
  const key = JSON.stringify({
    v: CACHE_VERSION,
    seed: settings.seed,
    world: settings.world,
    lm: settings.lm,
  });
  const cached = retrain ? undefined : await readCache<LmCacheFile>(cachePath, key);
  if (cached && (await exists(join(dir, 'model.safetensors')))) {
    log(`language model: reusing ${dir} (trained in ${(cached.trainMs / 1000).toFixed(1)} s)`);
    const info = {
      dir,
      cached: true,
      trainMs: cached.trainMs,
      lossCurve: cached.lossCurve,
      params: cached.params,
    };
    return { info, exposures: cached.exposures };
  }
  const { docs } = makeCorpus(world, settings.world.documents, settings.seed + 1);
  const { lm: s } = settings;
  log(
    `language model: training d=${s.dModel} x ${s.nLayers} layers, ${s.steps} steps of ${s.batch} on ${docs.length} biographies`,
  );
  let lastReport = 0;
  const trained = await trainLanguageModel(
    docs.map((d) => d.text),
    { ...s, seed: settings.seed + 2 },
    (p) => {
      const now = performance.now();
      if (now - lastReport > 5000 || p.step === p.steps) {
        lastReport = now;
        log(`language model: step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}`);
      }
    },
  );
  const exposures = new Array<number>(world.entities.length).fill(0);
  trained.documentDraws.forEach((n, i) => {
    exposures[docs[i].entity] += n;
  });
  await saveLanguageModel(dir, trained);
  const params = countParams(trained.weights);
  await writeJson(cachePath, {
    key,
    trainMs: trained.trainMs,
    lossCurve: trained.lossCurve,
    params,
    exposures,
  } satisfies LmCacheFile);
  log(`language model: trained in ${(trained.trainMs / 1000).toFixed(1)} s, saved to ${dir}`);
  return {
    info: { dir, cached: false, trainMs: trained.trainMs, lossCurve: trained.lossCurve, params },
    exposures,
  };
}

/** Train the embedder, or reuse the cached folder trained with the same settings. */
async function ensureEmbedder(
  settings: ExperimentSettings,
  modelsDir: string,
  retrain: boolean,
  log: (m: string) => void,
): Promise<ModelInfo & { finalAccuracy: number }> {
  const dir = join(modelsDir, 'embedder');
  const cachePath = join(modelsDir, 'embedder.json');
  const key = JSON.stringify({ v: CACHE_VERSION, seed: settings.seed, embedder: settings.embedder });
  const cached = retrain ? undefined : await readCache<EmbedderCacheFile>(cachePath, key);
  if (cached && (await exists(join(dir, 'model.safetensors')))) {
    log(`embedder: reusing ${dir} (trained in ${(cached.trainMs / 1000).toFixed(1)} s)`);
    return { dir, cached: true, ...cached };
  }
  const { embedder: s } = settings;
  log(
    `embedder: training d=${s.dModel} x ${s.nLayers} layers with InfoNCE, ${s.steps} steps of ${s.groups * s.variants} pairs`,
  );
  let lastReport = 0;
  const trained = await trainEmbedder({ ...s, seed: settings.seed + 3 }, (p) => {
    const now = performance.now();
    if (now - lastReport > 5000 || p.step === p.steps) {
      lastReport = now;
      log(`embedder: step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}`);
    }
  });
  await saveEmbedder(dir, trained);
  const file: EmbedderCacheFile = {
    key,
    trainMs: trained.trainMs,
    lossCurve: trained.lossCurve,
    params: countParams(trained.weights),
    finalAccuracy: trained.finalAccuracy,
  };
  await writeJson(cachePath, file);
  log(`embedder: trained in ${(trained.trainMs / 1000).toFixed(1)} s, saved to ${dir}`);
  const { key: _key, ...rest } = file;
  return { dir, cached: false, ...rest };
}

/** How much N answers agree on what they state. */
export interface AgreementStats {
  /** Distinct claim sets (an answer with a sentence that follows no template is a set of its own). */
  distinct: number;
  /** Fraction of answers that state the most common claim set. */
  modalShare: number;
}

/**
 * Agreement among answers: claims compared as sets (order and wording do not matter).
 *
 * @example
 * ```ts
 * factSetAgreement(['They enjoy chess. They live in Oslo.', 'They live in Oslo. They enjoy chess.', 'They enjoy tennis.']);
 * // { distinct: 2, modalShare: 2 / 3 }
 * ```
 */
export function factSetAgreement(answers: readonly string[]): AgreementStats {
  const counts = new Map<string, number>();
  answers.forEach((a, i) => {
    const p = parseAnswer(a);
    const key =
      p.unparsed.length > 0 || p.claims.length === 0
        ? `#unparsed-${i}`
        : p.claims
            .map((c) => `${c.attribute}=${c.value}`)
            .sort()
            .join('|');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return { distinct: counts.size, modalShare: Math.max(...counts.values()) / answers.length };
}

/**
 * The estimators compared: the package's built-ins plus LUQ and semantic entropy with the exact entailment.
 *
 * @example
 * ```ts
 * await scoreRecords(records, { estimators: labEstimators() });
 * ```
 */
export function labEstimators(): EstimatorDescriptor[] {
  const exact = entailmentFromFunction(async (p, h) => exactEntailment(p, h), {
    id: 'exact NLI',
    concurrency: 64,
  });
  return [...ESTIMATORS, ...nliEstimators(exact)];
}

/**
 * Name of the extra white-box score column (mean token negative log-likelihood of the samples).
 *
 * @example
 * ```ts
 * result.main.scored.scores[NLL_COLUMN]; // undefined for models without scoreCompletions
 * ```
 */
export const NLL_COLUMN = 'meanTokenNll';
const NLL_META = { label: 'Mean token NLL (white-box)', direction: 'higher-less-trustworthy' as const };

function tryEvaluate(
  scores: Record<string, Float64Array>,
  labels: Float64Array,
  settings: ExperimentSettings,
  what: string,
  notes: string[],
): EvaluationReport | null {
  const meta: Record<
    string,
    { label: string; direction: 'higher-less-trustworthy' | 'higher-more-trustworthy' }
  > = {};
  for (const e of labEstimators()) meta[e.name] = { label: e.label, direction: e.direction };
  meta[NLL_COLUMN] = NLL_META;
  const n = labels.length;
  const positives = labels.filter((v) => v < settings.threshold).length;
  if (labels.every((v) => v === labels[0])) {
    notes.push(`${what}: every prompt has factuality ${labels[0].toFixed(3)}, so nothing can be predicted.`);
    return null;
  }
  if (positives === 0 || positives === n) {
    notes.push(
      `${what}: all ${n} prompts fall on one side of the threshold ${settings.threshold} (${positives} below), so AUROC is undefined.`,
    );
    return null;
  }
  return evaluateScores(scores, labels, {
    threshold: settings.threshold,
    reps: settings.bootstrapReps,
    seed: settings.seed,
    meta,
  });
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Sample, check, embed, score and evaluate every person of the world at one temperature. Works with any
 * {@link LanguageModel} and {@link Embedder}; the mean token NLL column is added when the model can score
 * completions (`scoreCompletions`). `greedy` reuses greedy answers computed before (they do not depend on the
 * temperature).
 *
 * @example
 * ```ts
 * const r = await runCondition(lm, embedder, world.entities, exposures, settings, 0.7);
 * r.evaluation?.rows.find((x) => x.name === 'semanticIsotropy')?.r2;
 * ```
 */
export async function runCondition(
  model: LanguageModel,
  embedder: Embedder,
  entities: readonly Entity[],
  exposures: readonly number[],
  settings: ExperimentSettings,
  temperature: number,
  options: { greedy?: readonly string[]; log?: (m: string) => void } = {},
): Promise<ConditionResult> {
  const log = options.log ?? (() => {});
  const { samples, topP, maxNewTokens } = settings.sampling;
  const notes: string[] = [];
  // Each prompt gets its own sampling seed, so a prompt's answers do not depend on the others.
  const seeds = new Rng(settings.seed + 17 + Math.round(temperature * 1000));
  const prompts = entities.map((e) => promptFor(e.name));

  let t = performance.now();
  const answers: string[][] = [];
  let lastLog = 0;
  for (let k = 0; k < entities.length; k++) {
    const [gens] = await model.generate([prompts[k]], {
      n: samples,
      temperature,
      topP,
      maxNewTokens,
      seed: seeds.nextUint32(),
    });
    answers.push(gens.map((g) => g.text.trim()));
    if (performance.now() - lastLog > 5000 || k === entities.length - 1) {
      lastLog = performance.now();
      log(`sampling (T=${temperature}): ${k + 1}/${entities.length} prompts`);
    }
  }
  let greedy = options.greedy;
  if (!greedy) {
    const out = await model.generate(prompts, { n: 1, temperature: 0, maxNewTokens });
    greedy = out.map((g) => g[0].text.trim());
  }
  const samplingMs = performance.now() - t;

  // White-box baseline: mean per-token negative log-likelihood (temperature 1) of the sampled answers.
  t = performance.now();
  let nll: Float64Array | undefined;
  if (model.scoreCompletions) {
    nll = new Float64Array(entities.length);
    for (let k = 0; k < entities.length; k++) {
      const lps = await model.scoreCompletions(
        answers[k].map(() => prompts[k]),
        answers[k],
      );
      nll[k] = mean(lps.filter((lp) => lp.length > 0).map((lp) => -mean(lp)));
      if (!Number.isFinite(nll[k])) nll[k] = 0;
    }
  }
  const scoringLmMs = performance.now() - t;

  t = performance.now();
  const texts = entities.flatMap((e, k) => answers[k].map((a) => wrapForEmbedding(a, e.name)));
  const vectors = await embedder.embed(texts);
  const embeddingMs = performance.now() - t;

  const checked = entities.map((e, k) => answers[k].map((a) => scoreAnswer(a, e)));
  const records: EvaluationRecord[] = entities.map((e, k) => ({
    id: String(e.id),
    prompt: prompts[k].trim(),
    topic: prompts[k].trim(),
    responses: answers[k],
    factuality: mean(checked[k].map((c) => c.factuality)),
    embeddings: vectors.slice(k * samples, (k + 1) * samples).map((v) => Array.from(v)),
  }));
  t = performance.now();
  const estimators = labEstimators();
  const scored = await scoreRecords(records, { estimators });
  if (nll) {
    scored.scores[NLL_COLUMN] = nll;
    scored.names.push(NLL_COLUMN);
  }
  const estimatorsMs = performance.now() - t;

  t = performance.now();
  const greedyFactuality = Float64Array.from(entities, (e, k) => scoreAnswer(greedy[k], e).factuality);
  const evaluation = tryEvaluate(
    scored.scores,
    scored.factuality,
    settings,
    `T=${temperature}, mean sample factuality`,
    notes,
  );
  const greedyEvaluation = tryEvaluate(
    scored.scores,
    greedyFactuality,
    settings,
    'greedy-answer factuality',
    notes,
  );
  const evaluationMs = performance.now() - t;

  const results: PromptResult[] = entities.map((e, k) => {
    const agreement = factSetAgreement(answers[k]);
    const statements = checked[k].reduce((acc, c) => acc + c.statements, 0);
    const unparsed = checked[k].reduce((acc, c) => acc + c.unparsed.length, 0);
    return {
      entity: e.id,
      name: e.name,
      prompt: prompts[k].trim(),
      exposures: exposures[e.id],
      answers: answers[k],
      sampleFactuality: checked[k].map((c) => c.factuality),
      factuality: scored.factuality[k],
      greedyAnswer: greedy[k],
      greedyFactuality: greedyFactuality[k],
      distinctFactSets: agreement.distinct,
      modalShare: agreement.modalShare,
      unparsedShare: statements === 0 ? 1 : unparsed / statements,
      scores: Object.fromEntries(scored.names.map((n) => [n, scored.scores[n][k]])),
    };
  });
  return {
    temperature,
    prompts: results,
    scored,
    embeddings: records.map((r) => r.embeddings as number[][]),
    evaluation,
    greedyEvaluation,
    notes,
    timings: { samplingMs, scoringLmMs, embeddingMs, estimatorsMs, evaluationMs },
  };
}

/**
 * Run the whole reproduction: world, models (trained or reused from `<outDir>/models`), the main condition
 * and the sensitivity temperatures. Writes only the model cache; {@link writeReport} writes the report.
 *
 * @throws {LabInputError} for bad settings or a corrupt cache file.
 * @example
 * ```ts
 * const result = await runExperiment(QUICK, { outDir: 'apps/lab/reports/isotropy/quick', log: console.error });
 * await writeReport('apps/lab/reports/isotropy/quick', result);
 * ```
 */
export async function runExperiment(
  settings: ExperimentSettings,
  options: RunOptions,
): Promise<ExperimentResult> {
  validateSettings(settings);
  const log = options.log ?? (() => {});
  const start = performance.now();
  const timings: Record<string, number> = {};
  const modelsDir = join(options.outDir, 'models');
  await mkdir(modelsDir, { recursive: true });

  let t = performance.now();
  const world = makeWorld({
    entities: settings.world.entities,
    seed: settings.seed,
    zipfExponent: settings.world.zipfExponent,
  });
  timings.worldMs = performance.now() - t;

  t = performance.now();
  const { info: lm, exposures } = await ensureLanguageModel(
    settings,
    world,
    modelsDir,
    options.retrain ?? false,
    log,
  );
  timings.lmMs = performance.now() - t;
  t = performance.now();
  const embInfo = await ensureEmbedder(settings, modelsDir, options.retrain ?? false, log);
  timings.embedderMs = performance.now() - t;

  t = performance.now();
  const model = await loadLanguageModel(lm.dir, { session: { intraOpNumThreads: 2 } });
  const embedder = await LocalEmbedder.fromFolder(embInfo.dir, { intraOpNumThreads: 2, batchSize: 64 });
  timings.loadMs = performance.now() - t;
  try {
    t = performance.now();
    const check = await checkEmbedder(embedder, settings.embedderCheckGroups, settings.seed + 99);
    timings.embedderCheckMs = performance.now() - t;
    log(
      `embedder check: cos same facts ${check.sameFacts.toFixed(3)}, one fact different ${check.oneFactDifferent.toFixed(3)}, retrieval ${(100 * check.retrieval).toFixed(1)}%`,
    );

    t = performance.now();
    const main = await runCondition(
      model,
      embedder,
      world.entities,
      exposures,
      settings,
      settings.sampling.temperature,
      {
        log,
      },
    );
    timings.mainMs = performance.now() - t;
    const greedy = main.prompts.map((p) => p.greedyAnswer);
    const sensitivity: ConditionResult[] = [];
    t = performance.now();
    for (const temperature of settings.extraTemperatures) {
      sensitivity.push(
        await runCondition(model, embedder, world.entities, exposures, settings, temperature, {
          greedy,
          log,
        }),
      );
    }
    timings.sensitivityMs = performance.now() - t;
    timings.totalMs = performance.now() - start;
    return {
      settings,
      world,
      exposures,
      lm,
      embedder: { ...embInfo, check },
      main,
      sensitivity,
      timings,
    };
  } finally {
    await embedder.dispose();
    await model.dispose();
  }
}

/**
 * Spearman's rho of factuality and log exposures (NaN when either is constant): does popularity drive truth?
 *
 * @example
 * ```ts
 * factualityVsExposure(result.main.prompts); // about 0.9 in the full run
 * ```
 */
export function factualityVsExposure(prompts: readonly PromptResult[]): number {
  const x = prompts.map((p) => Math.log10(1 + p.exposures));
  const y = prompts.map((p) => p.factuality);
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) return Number.NaN;
  return spearman(x, y);
}
