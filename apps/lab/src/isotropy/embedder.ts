/**
 * The embedder of the reproduction: the project's BERT-style encoder, trained with InfoNCE on biographies the lab
 * writes, so that answers stating the same facts (in any order and wording) embed close together and answers
 * stating different facts apart. It never sees the world's people or the language model's outputs: its
 * training names and facts are random, so it measures meaning, not truth.
 */
import { excerptText } from '@proj/isotropy';
import {
  bertConfig,
  buildInfoNceGraph,
  type EncoderConfig,
  type LocalEmbedder,
  ParameterStore,
  saveEncoderFolder,
  Tokenizer,
  type TokenizerFiles,
  wordTokenizerFiles,
} from '@proj/models';
import { adamw, Rng, Tensor, Trainer, warmupCosine } from '@proj/runtime';
import { LabInputError, TRAIN_THREADS } from './errors.js';
import { keepWeightsAndDispose, lastTenthMean, tenthMeans } from './training.js';
import {
  ATTRIBUTES,
  type Attribute,
  CITIES,
  type FactSet,
  HOBBIES,
  JOBS,
  promptFor,
  randomFacts,
  randomName,
  renderAnswer,
  sentenceVariants,
  YEAR_RANGE,
} from './world.js';

/** Size and schedule of the embedder. */
export interface EmbedderSettings {
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Optimiser steps. */
  steps: number;
  /** Groups per batch; each group holds `variants` fact sets about one name (hard negatives of each other). */
  groups: number;
  /** Fact sets per group (1 = no hard negatives). */
  variants: number;
  /** Peak learning rate. */
  lr: number;
  /** InfoNCE temperature. */
  temperature: number;
  seed: number;
}

/** The BERT special tokens, ids 0..4 as in BERT vocabularies. */
/**
 * Longest token sequence the embedder takes; wrapped answers of the world fit with room for noise.
 *
 * @example
 * ```ts
 * bertConfig({ vocabSize, dModel: 64, nLayers: 2, nHeads: 4, maxPositions: EMBEDDER_MAX_LENGTH });
 * ```
 */
export const EMBEDDER_MAX_LENGTH = 128;

/** Words of the excerpt wrapper and of the prompt and answer templates, lower-cased as the normaliser does. */
function templateWords(): string[] {
  const sample: FactSet = { name: 'x', birthCity: 'x', birthYear: '1', job: 'x', homeCity: 'x', hobby: 'x' };
  const text = [excerptText('x', { topic: promptFor('x').trim() }).text, ...sentenceVariants(sample)].join(
    ' ',
  );
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

/**
 * tokenizer.json + tokenizer_config.json of the embedder: a BERT WordPiece tokenizer (lower-casing normaliser,
 * BERT pre-tokenizer, `[CLS] ... [SEP]`) whose vocabulary is every word of the templates, the cities, jobs,
 * hobbies and years as whole words, plus single letters and digits (word-initial and `##` continuations), so
 * names and misspelt words fall back to characters instead of `[UNK]`.
 *
 * @example
 * ```ts
 * Tokenizer.fromFiles(embedderTokenizerFiles()).tokenize('Mira was born in Oslo'); // ['[CLS]', 'm', '##i', '##r', '##a', 'was', ...]
 * ```
 */
export function embedderTokenizerFiles(): TokenizerFiles {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const [y0, y1] = YEAR_RANGE;
  const years = Array.from({ length: y1 - y0 + 1 }, (_, i) => String(y0 + i));
  const words = [
    ...'.,:\'"!?;-'.split(''),
    ...chars,
    ...chars.map((c) => `##${c}`),
    ...templateWords(),
    ...[...CITIES, ...JOBS, ...HOBBIES].map((w) => w.toLowerCase()),
    ...years,
  ];
  return wordTokenizerFiles(words, { modelMaxLength: EMBEDDER_MAX_LENGTH });
}

/**
 * A copy of `facts` with `count` attributes changed to other values (each to a different value than before).
 *
 * @example
 * ```ts
 * perturbFacts(facts, 1, new Rng(1)); // the same person with one fact changed
 * ```
 */
export function perturbFacts(facts: FactSet, count: number, rng: Rng): FactSet {
  const out = { ...facts };
  const attrs = rng.shuffle([...ATTRIBUTES]).slice(0, Math.min(count, ATTRIBUTES.length));
  for (const a of attrs) {
    const before = out[a];
    while (out[a] === before) out[a] = randomFacts(rng, facts.name)[a as Attribute];
  }
  return out;
}

/** Changes a text the way a small language model's sample might: one word respelt or one sentence dropped. */
function noisy(text: string, rng: Rng): string {
  const u = rng.uniform();
  if (u < 0.2) {
    const sentences = text.split(/(?<=\.) /);
    if (sentences.length > 2) sentences.splice(1 + rng.int(sentences.length - 1), 1);
    return sentences.join(' ');
  }
  if (u < 0.4) {
    const words = text.split(' ');
    const i = rng.int(words.length);
    const w = words[i];
    const k = rng.int(Math.max(1, w.length - 1));
    words[i] = w.slice(0, k) + 'abcdefghijklmnopqrstuvwxyz'[rng.int(26)] + w.slice(k + 1);
    return words.join(' ');
  }
  return text;
}

/**
 * The text the embedder sees for an answer: the paper's excerpt wrapper with the prompt as topic.
 *
 * @example
 * ```ts
 * wrapForEmbedding('They enjoy chess.', 'Mira Kolat');
 * // "The following is an excerpt from a text about: 'Tell me about Mira Kolat.'\n\nThey enjoy chess."
 * ```
 */
export function wrapForEmbedding(answer: string, name: string): string {
  return excerptText(answer, { topic: promptFor(name).trim() }).text;
}

/** One InfoNCE pair: two renderings of the same facts (the positive possibly noisy). */
export interface EmbedderPair {
  anchor: string;
  positive: string;
  facts: FactSet;
}

/**
 * A training batch: `groups` random names, each with `variants` fact sets that differ from the first in one or
 * two attributes; each fact set gives one (anchor, positive) pair of independent renderings. Every other row of
 * the batch is a negative, and rows of the same group are hard negatives (same name, some facts different).
 *
 * @example
 * ```ts
 * embedderBatch(new Rng(1), 8, 4).length; // 32
 * ```
 */
export function embedderBatch(rng: Rng, groups: number, variants: number): EmbedderPair[] {
  const out: EmbedderPair[] = [];
  for (let g = 0; g < groups; g++) {
    const base = randomFacts(rng, randomName(rng));
    for (let v = 0; v < variants; v++) {
      const facts = v === 0 ? base : perturbFacts(base, 1 + rng.int(2), rng);
      out.push({
        anchor: wrapForEmbedding(renderAnswer(facts, rng), facts.name),
        positive: wrapForEmbedding(noisy(renderAnswer(facts, rng), rng), facts.name),
        facts,
      });
    }
  }
  return out;
}

/** A trained embedder, ready to be saved. */
export interface TrainedEmbedder {
  config: EncoderConfig;
  weights: Map<string, Tensor>;
  tokenizer: TokenizerFiles;
  /** Mean InfoNCE loss of each tenth of training. */
  lossCurve: number[];
  /** In-batch top-1 accuracy over the last tenth of training. */
  finalAccuracy: number;
  trainMs: number;
}

/**
 * Train the embedder with InfoNCE (symmetric, in-batch negatives, hard negatives within groups).
 *
 * @throws {LabInputError} for bad settings.
 * @example
 * ```ts
 * const emb = await trainEmbedder({ dModel: 64, nLayers: 2, nHeads: 4, steps: 400, groups: 16, variants: 4, lr: 2e-3, temperature: 0.05, seed: 3 });
 * ```
 */
export async function trainEmbedder(
  settings: EmbedderSettings,
  onProgress?: (p: { step: number; steps: number; loss: number }) => void,
): Promise<TrainedEmbedder> {
  for (const k of ['dModel', 'nLayers', 'nHeads', 'steps', 'groups', 'variants'] as const) {
    if (!Number.isSafeInteger(settings[k]) || settings[k] < 1) {
      throw new LabInputError(`trainEmbedder: ${k} must be a positive integer, got ${settings[k]}.`);
    }
  }
  const files = embedderTokenizerFiles();
  const tokenizer = Tokenizer.fromFiles(files);
  const config = bertConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: settings.dModel,
    nLayers: settings.nLayers,
    nHeads: settings.nHeads,
    dFF: 2 * settings.dModel,
    maxPositions: EMBEDDER_MAX_LENGTH,
    padTokenId: 0,
  });
  const store = new ParameterStore({ seed: settings.seed });
  const batch = settings.groups * settings.variants;
  const t = buildInfoNceGraph(config, store, { temperature: settings.temperature, batch });
  const trainer = await Trainer.create(t.g, {
    loss: t.loss,
    optimizer: adamw({ weightDecay: 0.01 }),
    metrics: { accuracy: t.accuracy },
    lr: warmupCosine({
      peak: settings.lr,
      warmupSteps: Math.min(50, Math.floor(settings.steps / 10)),
      totalSteps: settings.steps,
    }),
    maxGradNorm: 1,
    intraOpNumThreads: TRAIN_THREADS,
  });
  const encode = (texts: string[]) => {
    const e = tokenizer.encodeBatch(texts, { truncation: true, maxLength: EMBEDDER_MAX_LENGTH });
    return [
      new Tensor('int64', e.inputIdsInt64(), e.shape),
      new Tensor('int64', e.attentionMaskInt64(), e.shape),
    ];
  };
  const rng = new Rng(settings.seed + 1);
  const losses: number[] = [];
  const accuracies: number[] = [];
  const start = performance.now();
  for (let step = 0; step < settings.steps; step++) {
    const pairs = embedderBatch(rng, settings.groups, settings.variants);
    const [ai, am] = encode(pairs.map((p) => p.anchor));
    const [pi, pm] = encode(pairs.map((p) => p.positive));
    const r = await trainer.step({
      anchor_input_ids: ai,
      anchor_attention_mask: am,
      positive_input_ids: pi,
      positive_attention_mask: pm,
    });
    losses.push(r.loss);
    accuracies.push(r.metrics.accuracy.item());
    onProgress?.({ step: step + 1, steps: settings.steps, loss: r.loss });
  }
  const trainMs = performance.now() - start;
  const weights = await keepWeightsAndDispose(trainer);
  const lossCurve = tenthMeans(losses);
  return {
    config,
    weights,
    tokenizer: files,
    lossCurve,
    finalAccuracy: lastTenthMean(accuracies),
    trainMs,
  };
}

/**
 * Save a trained embedder as an encoder model folder (replacing an older one atomically).
 *
 * @example
 * ```ts
 * await saveEmbedder('reports/isotropy/models/embedder', trained);
 * const emb = await LocalEmbedder.fromFolder('reports/isotropy/models/embedder');
 * ```
 */
export async function saveEmbedder(dir: string, emb: TrainedEmbedder): Promise<void> {
  await saveEncoderFolder(dir, {
    config: emb.config,
    weights: emb.weights,
    tokenizer: emb.tokenizer,
    overwrite: true,
  });
}

/** How well an embedder separates meaning from wording, measured on fresh lab biographies. */
export interface EmbedderCheck {
  /** Mean cosine of two renderings of the same facts. */
  sameFacts: number;
  /** Mean cosine of same-name fact sets that differ in exactly one attribute. */
  oneFactDifferent: number;
  /** Mean cosine of unrelated fact sets (different names). */
  unrelated: number;
  /** Top-1 retrieval of the other rendering among `pairs` candidates, including one-fact-different ones. */
  retrieval: number;
  pairs: number;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Measure an embedder on `groups` x 4 held-out fact sets (fresh seed): cosine of same facts / one fact different /
 * unrelated, and top-1 retrieval among all candidates.
 *
 * @example
 * ```ts
 * const check = await checkEmbedder(emb, 32, 99);
 * check.sameFacts > check.oneFactDifferent; // for a useful embedder
 * ```
 */
export async function checkEmbedder(
  emb: LocalEmbedder,
  groups: number,
  seed: number,
): Promise<EmbedderCheck> {
  const rng = new Rng(seed);
  const rows: { a: string; p: string; group: number }[] = [];
  for (let g = 0; g < groups; g++) {
    const base = randomFacts(rng, randomName(rng));
    for (let v = 0; v < 4; v++) {
      const facts = v === 0 ? base : perturbFacts(base, 1, rng);
      rows.push({
        a: wrapForEmbedding(renderAnswer(facts, rng), facts.name),
        p: wrapForEmbedding(renderAnswer(facts, rng), facts.name),
        group: g,
      });
    }
  }
  const a = await emb.embed(rows.map((r) => r.a));
  const p = await emb.embed(rows.map((r) => r.p));
  let same = 0;
  let one = 0;
  let oneN = 0;
  let unrelated = 0;
  let unrelatedN = 0;
  let hits = 0;
  rows.forEach((r, i) => {
    same += cosine(a[i], p[i]);
    let best = -Infinity;
    let arg = -1;
    p.forEach((w, j) => {
      const c = cosine(a[i], w);
      if (c > best) [best, arg] = [c, j];
      if (j === i) return;
      // Variant 0 is the base; variants 1..3 each differ from it in exactly one attribute.
      if (rows[j].group === r.group && (i % 4 === 0) !== (j % 4 === 0)) {
        one += c;
        oneN++;
      } else if (rows[j].group !== r.group) {
        unrelated += c;
        unrelatedN++;
      }
    });
    if (arg === i) hits++;
  });
  return {
    sameFacts: same / rows.length,
    oneFactDifferent: one / oneN,
    unrelated: unrelated / unrelatedN,
    retrieval: hits / rows.length,
    pairs: rows.length,
  };
}
