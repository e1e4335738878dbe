/**
 * Settings of the isotropy reproduction and its two presets: `quick` (a small world and short training, a few
 * minutes on 2 cores at most) and `full` (the reported run).
 */
import type { EmbedderSettings } from './embedder.js';
import { LabInputError } from './errors.js';
import type { LmSettings } from './lm.js';

/** Everything that decides the outcome of a run (the seed included); stored in report.json. */
export interface ExperimentSettings {
  /** Preset name, for the report. */
  mode: string;
  /** Seed of the world, corpus, training, sampling and bootstrap (each derives its own stream from it). */
  seed: number;
  world: {
    /** People in the world; every one of them is a test prompt. */
    entities: number;
    /** Popularity at rank r is proportional to r^-zipfExponent. */
    zipfExponent: number;
    /** Biographies in the training corpus. */
    documents: number;
  };
  lm: Omit<LmSettings, 'seed'>;
  embedder: Omit<EmbedderSettings, 'seed'>;
  sampling: {
    /** Answers per prompt (the paper: 5-20). */
    samples: number;
    /** Sampling temperature (the paper: 0.7). */
    temperature: number;
    topP: number;
    maxNewTokens: number;
  };
  /** Extra sampling temperatures evaluated with the same models, as a sensitivity check. */
  extraTemperatures: number[];
  /** AUROC positives: prompts whose factuality is below this. */
  threshold: number;
  /** Bootstrap resamples of the confidence intervals. */
  bootstrapReps: number;
  /** Groups (of 4 fact sets) in the embedder check. */
  embedderCheckGroups: number;
}

/** A run of a few minutes at most on 2 cores: 60 people, a 2-layer d = 64 decoder, a short embedder run. */
export const QUICK: ExperimentSettings = {
  mode: 'quick',
  seed: 1,
  world: { entities: 60, zipfExponent: 1.4, documents: 6000 },
  lm: { dModel: 64, nLayers: 2, nHeads: 4, steps: 450, batch: 16, lr: 5e-3 },
  embedder: {
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    steps: 90,
    groups: 16,
    variants: 4,
    lr: 2e-3,
    temperature: 0.05,
  },
  sampling: { samples: 10, temperature: 0.7, topP: 1, maxNewTokens: 200 },
  extraTemperatures: [],
  threshold: 0.5,
  bootstrapReps: 500,
  embedderCheckGroups: 16,
};

/** The reported run: 150 people, a 3-layer d = 96 decoder trained on 30000 biographies, a longer embedder run. */
export const FULL: ExperimentSettings = {
  mode: 'full',
  seed: 1,
  world: { entities: 150, zipfExponent: 1.6, documents: 30000 },
  lm: { dModel: 96, nLayers: 3, nHeads: 4, steps: 2500, batch: 16, lr: 4e-3 },
  embedder: {
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    steps: 400,
    groups: 16,
    variants: 4,
    lr: 2e-3,
    temperature: 0.05,
  },
  sampling: { samples: 10, temperature: 0.7, topP: 1, maxNewTokens: 200 },
  extraTemperatures: [1.0],
  threshold: 0.5,
  bootstrapReps: 1000,
  embedderCheckGroups: 32,
};

/** The presets by name. */
export const PRESETS: Readonly<Record<string, ExperimentSettings>> = { quick: QUICK, full: FULL };

/**
 * Check settings before hours are spent on them.
 *
 * @throws {LabInputError} naming the field and the fix.
 * @example
 * ```ts
 * validateSettings({ ...QUICK, seed: 7 });
 * ```
 */
export function validateSettings(s: ExperimentSettings): ExperimentSettings {
  const posInt = (v: number, name: string) => {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new LabInputError(`settings.${name} must be a positive integer, got ${v}.`);
  };
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) {
    throw new LabInputError(`settings.seed must be an integer >= 0, got ${s.seed}.`);
  }
  if (!Number.isSafeInteger(s.world.entities) || s.world.entities < 3) {
    throw new LabInputError(
      `settings.world.entities must be an integer >= 3 (the evaluation needs 3 prompts), got ${s.world.entities}.`,
    );
  }
  posInt(s.world.documents, 'world.documents');
  for (const k of ['dModel', 'nLayers', 'nHeads', 'steps', 'batch'] as const) posInt(s.lm[k], `lm.${k}`);
  for (const k of ['dModel', 'nLayers', 'nHeads', 'steps', 'groups', 'variants'] as const) {
    posInt(s.embedder[k], `embedder.${k}`);
  }
  if (!Number.isSafeInteger(s.sampling.samples) || s.sampling.samples < 2) {
    throw new LabInputError(
      `settings.sampling.samples must be an integer >= 2 (isotropy needs several answers), got ${s.sampling.samples}.`,
    );
  }
  posInt(s.sampling.maxNewTokens, 'sampling.maxNewTokens');
  for (const t of [s.sampling.temperature, ...s.extraTemperatures]) {
    if (!(Number.isFinite(t) && t > 0))
      throw new LabInputError(`sampling temperatures must be > 0, got ${t}.`);
  }
  if (!(s.sampling.topP > 0 && s.sampling.topP <= 1)) {
    throw new LabInputError(`settings.sampling.topP must be in (0, 1], got ${s.sampling.topP}.`);
  }
  if (!(s.threshold > 0 && s.threshold <= 1)) {
    throw new LabInputError(`settings.threshold must be in (0, 1], got ${s.threshold}.`);
  }
  posInt(s.bootstrapReps, 'bootstrapReps');
  posInt(s.embedderCheckGroups, 'embedderCheckGroups');
  return s;
}
