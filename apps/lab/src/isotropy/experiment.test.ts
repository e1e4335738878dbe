import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lexicalDispersion, parseEvaluationJsonl, semanticIsotropy } from '@proj/isotropy';
import {
  bertConfig,
  type GenerateOptions,
  type Generation,
  type LanguageModel,
  LocalEmbedder,
  ParameterStore,
  type Prompt,
  Tokenizer,
} from '@proj/models';
import { Rng } from '@proj/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pearsonAt } from './compare.js';
import { EMBEDDER_MAX_LENGTH, embedderTokenizerFiles } from './embedder.js';
import {
  type ConditionResult,
  type ExperimentResult,
  labEstimators,
  runCondition,
  runExperiment,
} from './experiment.js';
import { factualityBands, type ReportJson, writeReport } from './report.js';
import { type ExperimentSettings, QUICK } from './settings.js';
import {
  ATTRIBUTES,
  CITIES,
  type FactSet,
  HOBBIES,
  JOBS,
  makeWorld,
  renderAnswer,
  type World,
} from './world.js';

/** The facts of `e` with its first `count` attributes (canonical order) changed; `shift` picks the wrong value. */
function wrongFacts(e: FactSet, count: number, shift: number): FactSet {
  const out = { ...e };
  const next = (list: readonly string[], v: string) => list[(list.indexOf(v) + 1 + shift) % list.length];
  for (const a of ATTRIBUTES.slice(0, count)) {
    if (a === 'birthYear') out.birthYear = String(Number(e.birthYear) + 1 + shift);
    else if (a === 'job') out.job = next(JOBS, e.job);
    else if (a === 'hobby') out.hobby = next(HOBBIES, e.hobby);
    else out[a] = next(CITIES, e[a]);
  }
  return out;
}

/**
 * A language model with known answers: for person k every sample gets the first k % 4 attributes wrong, each
 * sample with a different wrong value (so samples disagree exactly on those), the greedy answer with shift 0.
 * Every answer of person k therefore has factuality (5 - k % 4) / 5.
 */
class ScriptedModel implements LanguageModel {
  readonly id = 'scripted';
  readonly capabilities = { logits: false, logprobs: false };
  constructor(private readonly world: World) {}
  async generate(prompts: readonly Prompt[], options: GenerateOptions = {}): Promise<Generation[][]> {
    return prompts.map((p) => {
      const e = this.world.entities.find((x) => String(p).includes(x.name));
      if (!e) throw new Error(`unknown prompt ${String(p)}`);
      return Array.from({ length: options.n ?? 1 }, (_, s) => ({
        text: renderAnswer(
          wrongFacts(e, e.id % 4, options.temperature === 0 ? 0 : s),
          new Rng(1000 * e.id + s),
        ),
        tokenIds: [],
        logprobs: [],
        finishReason: 'stop' as const,
      }));
    });
  }
}

const settings: ExperimentSettings = {
  ...QUICK,
  world: { entities: 12, zipfExponent: 1, documents: 100 },
  sampling: { ...QUICK.sampling, samples: 4 },
  bootstrapReps: 200,
};

describe('runCondition + writeReport on a scripted model (hand-derived labels)', () => {
  const world = makeWorld({ entities: 12, seed: 2 });
  const exposures = world.entities.map((_, k) => 100 - 8 * k);
  let embedder: LocalEmbedder;
  let result: ConditionResult;
  let dir: string;
  let json: ReportJson;

  beforeAll(async () => {
    const tokenizer = Tokenizer.fromFiles(embedderTokenizerFiles());
    const config = bertConfig({
      vocabSize: tokenizer.vocabSize,
      dModel: 16,
      nLayers: 1,
      nHeads: 2,
      maxPositions: EMBEDDER_MAX_LENGTH,
    });
    embedder = await LocalEmbedder.create(config, new ParameterStore({ seed: 4 }), tokenizer, {
      intraOpNumThreads: 1,
    });
    result = await runCondition(new ScriptedModel(world), embedder, world.entities, exposures, settings, 0.7);
    dir = await mkdtemp(join(tmpdir(), 'lab-isotropy-'));
    const full: ExperimentResult = {
      settings,
      world,
      exposures,
      lm: { dir: 'scripted', cached: false, trainMs: 0, lossCurve: [1], params: 0 },
      embedder: {
        dir: 'untrained',
        cached: false,
        trainMs: 0,
        lossCurve: [1],
        params: 0,
        finalAccuracy: 0,
        check: { sameFacts: 1, oneFactDifferent: 1, unrelated: 1, retrieval: 0, pairs: 0 },
      },
      main: result,
      sensitivity: [],
      timings: { totalMs: 1 },
    };
    json = await writeReport(dir, full, 'test');
  });

  afterAll(async () => {
    await embedder?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('labels every prompt with the hand-derived factuality', () => {
    result.prompts.forEach((p, k) => {
      expect(p.sampleFactuality).toEqual([1, 1, 1, 1].map(() => (5 - (k % 4)) / 5));
      expect(p.factuality).toBeCloseTo((5 - (k % 4)) / 5, 12);
      expect(p.greedyFactuality).toBeCloseTo((5 - (k % 4)) / 5, 12);
      // Samples agree except for k % 4 > 0, where every sample has its own wrong values.
      expect(p.distinctFactSets).toBe(k % 4 === 0 ? 1 : 4);
    });
  });

  it('computes each estimator on the prompt it belongs to', () => {
    result.prompts.forEach((p, k) => {
      expect(p.scores.semanticIsotropy).toBeCloseTo(semanticIsotropy(result.embeddings[k]), 12);
      expect(p.scores.lexicalDispersion).toBeCloseTo(lexicalDispersion(p.answers), 12);
      // Exact NLI, hand-derived: the opening sentence carries birth city and year, so 1 or 2 wrong facts leave
      // 1 of 4 sentences unsupported by the other samples (LUQ 1/4), 3 wrong facts 2 of 4 (LUQ 1/2).
      expect(p.scores.luq).toBeCloseTo([0, 0.25, 0.25, 0.5][k % 4], 12);
      expect(p.scores.semanticEntropy).toBeCloseTo(k % 4 === 0 ? 0 : Math.log(4), 12);
    });
    // No scoreCompletions on this model: no NLL column.
    expect(result.scored.names).toEqual(labEstimators().map((e) => e.name));
  });

  it('evaluates against the labels: R^2 = squared Pearson, positives = prompts below 0.5', () => {
    const ev = result.evaluation;
    expect(ev).not.toBeNull();
    expect(ev?.positives).toBe(3); // k % 4 === 3 -> factuality 0.4
    const y = result.prompts.map((p) => p.factuality);
    for (const row of ev?.rows ?? []) {
      const x = result.prompts.map((p) => p.scores[row.name]);
      const r = pearsonAt(x, y);
      if (Number.isNaN(r)) expect(row.r2.estimate).toBeNaN();
      else expect(row.r2.estimate).toBeCloseTo(r * r, 10);
    }
    // LUQ is a deterministic function of the label here (0, 1/4, 1/4, 1/2 against 1, 0.8, 0.6, 0.4): AUROC 1.
    expect(ev?.rows.find((r) => r.name === 'luq')?.auroc.estimate).toBe(1);
  });

  it('groups prompts into factuality bands', () => {
    // Factuality 1, 0.8, 0.6, 0.4 for k % 4 = 0..3: three prompts in each of four bands.
    const bands = factualityBands(result);
    expect(bands.map((b) => [b.lower, b.prompts])).toEqual([
      [0.4, 3],
      [0.6, 3],
      [0.8, 3],
      [0.999, 3],
    ]);
    const top = result.prompts.filter((_, k) => k % 4 === 0).map((p) => p.scores.semanticIsotropy);
    expect(bands[3].isotropyMean).toBeCloseTo(top.reduce((a, b) => a + b, 0) / 3, 12);
    expect(bands[3].distinctFactSetsMean).toBe(1);
    expect(bands[0].distinctFactSetsMean).toBe(4);
  });

  it('writes report.json, report.md, evaluation.jsonl and the plots', async () => {
    const files = await readdir(dir);
    expect(files.sort()).toEqual(['evaluation.jsonl', 'plots', 'report.json', 'report.md']);
    const stored = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ReportJson;
    expect(stored.main.positives).toBe(3);
    expect(stored.prompts.map((p) => p.factuality)).toEqual(result.prompts.map((p) => p.factuality));
    expect(stored.main.evaluation?.rows.map((r) => r.name)).toEqual(
      json.main.evaluation?.rows.map((r) => r.name),
    );
    // One paired comparison per other estimator, each estimate = difference of the two R^2.
    const iso = stored.main.evaluation?.rows.find((r) => r.name === 'semanticIsotropy');
    for (const c of stored.main.comparisons) {
      const other = stored.main.evaluation?.rows.find((r) => r.name === c.name);
      if (iso && other && Number.isFinite(other.r2.estimate)) {
        expect(c.r2Difference.estimate).toBeCloseTo(iso.r2.estimate - other.r2.estimate, 10);
      }
    }
    expect(stored.main.comparisons).toHaveLength(labEstimators().length - 1);
    const records = parseEvaluationJsonl(await readFile(join(dir, 'evaluation.jsonl'), 'utf8'));
    expect(records).toHaveLength(12);
    expect(records[3].factuality).toBeCloseTo(0.4, 12);
    expect(records[3].embeddings?.[0]).toHaveLength(16);
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| Semantic isotropy |');
    expect(md).toContain('Semantic isotropy explains R^2 =');
    expect(md).toContain('| 1 (all true) | 3 |');
    const plots = await readdir(join(dir, 'plots'));
    expect(plots).toContain('roc.svg');
    expect(plots).toContain('scatter-semanticIsotropy.svg');
    expect(plots).toContain('factuality-vs-exposure.svg');
    expect(await readFile(join(dir, 'plots', 'roc.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('runExperiment with tiny models', () => {
  it('trains, caches and reuses both models; reports why a constant label cannot be evaluated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-isotropy-run-'));
    const tiny: ExperimentSettings = {
      ...QUICK,
      mode: 'test',
      world: { entities: 4, zipfExponent: 1, documents: 20 },
      lm: { dModel: 16, nLayers: 1, nHeads: 2, steps: 2, batch: 4, lr: 1e-3 },
      embedder: { ...QUICK.embedder, dModel: 16, nLayers: 1, nHeads: 2, steps: 2, groups: 2, variants: 2 },
      sampling: { ...QUICK.sampling, samples: 2, maxNewTokens: 12 },
      bootstrapReps: 10,
      embedderCheckGroups: 2,
    };
    try {
      const first = await runExperiment(tiny, { outDir: dir });
      expect(first.lm.cached).toBe(false);
      expect(first.embedder.cached).toBe(false);
      // 2 steps of 4 documents: 8 draws in all, split among the people.
      expect(first.exposures.reduce((a, b) => a + b, 0)).toBe(8);
      expect(first.main.prompts).toHaveLength(4);
      for (const p of first.main.prompts) expect(p.answers).toHaveLength(2);
      // Two training steps teach nothing: every answer is gibberish, factuality 0 everywhere.
      expect(first.main.prompts.every((p) => p.factuality === 0)).toBe(true);
      expect(first.main.evaluation).toBeNull();
      expect(first.main.notes.join(' ')).toMatch(/nothing can be predicted/);
      expect(first.main.scored.names).toContain('meanTokenNll');
      const second = await runExperiment(tiny, { outDir: dir });
      expect(second.lm.cached).toBe(true);
      expect(second.embedder.cached).toBe(true);
      expect(second.exposures).toEqual(first.exposures);
      expect(second.main.prompts.map((p) => p.answers)).toEqual(first.main.prompts.map((p) => p.answers));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
