/**
 * The language model of the reproduction: the project's GPT-style decoder with a character tokenizer, trained
 * on the synthetic biographies with the loss on the answer only, saved as a model folder.
 */

import {
  buildLmTrainingGraph,
  CharTokenizer,
  type DecoderConfig,
  gpt2Config,
  ParameterStore,
  saveDecoderFolder,
  type Tokenizer,
  type TokenizerFiles,
} from '@proj/models';
import { adamw, Rng, Tensor, Trainer, warmupCosine } from '@proj/runtime';
import { LabInputError, TRAIN_THREADS } from './errors.js';
import { keepWeightsAndDispose, tenthMeans } from './training.js';
import { worldAlphabet } from './world.js';

/** Size and schedule of the language model. */
export interface LmSettings {
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Optimiser steps. */
  steps: number;
  /** Documents per step. */
  batch: number;
  /** Peak learning rate (warm-up then cosine decay to a tenth of it). */
  lr: number;
  /** Seed of the initialisation and of the batch order. */
  seed: number;
}

/** A trained language model, ready to be saved. */
export interface TrainedLm {
  config: DecoderConfig;
  weights: Map<string, Tensor>;
  tokenizer: TokenizerFiles;
  /** Mean loss (nats per answer character) of each tenth of training. */
  lossCurve: number[];
  /** Training time in ms. */
  trainMs: number;
  /** How many times each document (by index) was drawn into a batch. */
  documentDraws: number[];
}

/**
 * The character tokenizer of the language model: the world's alphabet plus `<pad>`, `<bos>`, `<eos>`, `<unk>`.
 *
 * @example
 * ```ts
 * lmTokenizerFiles().tokenizerConfig.eos_token; // '<eos>'
 * ```
 */
export function lmTokenizerFiles(): TokenizerFiles {
  return CharTokenizer.files(worldAlphabet(), { modelMaxLength: 256 });
}

/**
 * One document as training rows of length `seq`: input ids, next-token labels, and a mask that is 1 where the
 * label is an answer token or the final `<eos>` (the prompt line is not learned); padding after the end.
 *
 * @throws {LabInputError} for a document without a prompt line or longer than `seq`.
 * @example
 * ```ts
 * encodeDocument(tokenizer, 'Tell me about Mira Kolat.\nMira Kolat was born in Oslo in 1957.', 96).mask;
 * ```
 */
export function encodeDocument(
  tokenizer: Tokenizer,
  text: string,
  seq: number,
): { ids: number[]; labels: number[]; mask: number[] } {
  const nl = text.indexOf('\n');
  if (nl < 0)
    throw new LabInputError(
      `encodeDocument: a document must start with a prompt line, got ${JSON.stringify(text.slice(0, 40))}.`,
    );
  const eos = tokenizer.eosTokenId;
  const pad = tokenizer.padTokenId;
  if (eos === undefined || pad === undefined)
    throw new LabInputError('encodeDocument: the tokenizer needs <eos> and <pad> tokens.');
  const promptLen = tokenizer.encode(text.slice(0, nl + 1), { addSpecialTokens: false }).length;
  const full = [...tokenizer.encode(text, { addSpecialTokens: false }), eos];
  if (full.length - 1 > seq) {
    throw new LabInputError(
      `encodeDocument: a document has ${full.length - 1} training positions but seq is ${seq}; raise seq.`,
    );
  }
  const ids = new Array<number>(seq).fill(pad);
  const labels = new Array<number>(seq).fill(pad);
  const mask = new Array<number>(seq).fill(0);
  for (let t = 0; t < full.length - 1; t++) {
    ids[t] = full[t];
    labels[t] = full[t + 1];
    // Position t predicts token t + 1: only answer tokens (and the final <eos>) are learned.
    mask[t] = t + 1 >= promptLen ? 1 : 0;
  }
  return { ids, labels, mask };
}

/**
 * Train the decoder on documents (`prompt line + answer`): AdamW, warm-up + cosine schedule, gradient clipping
 * at 1, batches drawn by shuffling the corpus each epoch. The loss covers the answer and its `<eos>` only.
 *
 * @throws {LabInputError} for an empty corpus or bad settings.
 * @example
 * ```ts
 * const lm = await trainLanguageModel(docs.map((d) => d.text), { dModel: 128, nLayers: 4, nHeads: 4, steps: 2000, batch: 32, lr: 3e-3, seed: 1 });
 * ```
 */
export async function trainLanguageModel(
  texts: readonly string[],
  settings: LmSettings,
  onProgress?: (p: { step: number; steps: number; loss: number }) => void,
): Promise<TrainedLm> {
  if (texts.length === 0) throw new LabInputError('trainLanguageModel: the corpus is empty.');
  for (const k of ['dModel', 'nLayers', 'nHeads', 'steps', 'batch'] as const) {
    if (!Number.isSafeInteger(settings[k]) || settings[k] < 1) {
      throw new LabInputError(`trainLanguageModel: ${k} must be a positive integer, got ${settings[k]}.`);
    }
  }
  const files = lmTokenizerFiles();
  const tokenizer = CharTokenizer.create(worldAlphabet(), { modelMaxLength: 256 });
  const longest = texts.reduce((m, t) => Math.max(m, t.length), 0);
  const seq = Math.ceil(longest / 8) * 8; // one <eos> more, one input fewer: `longest` positions suffice
  const config = gpt2Config({
    vocabSize: tokenizer.vocabSize,
    dModel: settings.dModel,
    nLayers: settings.nLayers,
    nHeads: settings.nHeads,
    maxPositions: 256,
    eosTokenId: tokenizer.eosTokenId,
    padTokenId: tokenizer.padTokenId,
    bosTokenId: tokenizer.bosTokenId,
  });
  if (seq > config.maxPositions) {
    throw new LabInputError(
      `trainLanguageModel: documents of ${longest} characters exceed the ${config.maxPositions} positions.`,
    );
  }
  const store = new ParameterStore({ seed: settings.seed });
  const t = buildLmTrainingGraph(config, store, { batch: settings.batch, seq });
  const trainer = await Trainer.create(t.g, {
    loss: t.loss,
    optimizer: adamw({ weightDecay: 0.01 }),
    lr: warmupCosine({
      peak: settings.lr,
      warmupSteps: Math.min(100, Math.floor(settings.steps / 10)),
      totalSteps: settings.steps,
      minLr: settings.lr / 10,
    }),
    maxGradNorm: 1,
    intraOpNumThreads: TRAIN_THREADS,
  });
  const encoded = texts.map((text) => encodeDocument(tokenizer, text, seq));
  const rng = new Rng(settings.seed + 1);
  let order: number[] = [];
  const documentDraws = new Array<number>(encoded.length).fill(0);
  const next = (): number => {
    if (order.length === 0) order = rng.shuffle(encoded.map((_, i) => i));
    const i = order.pop() as number;
    documentDraws[i]++;
    return i;
  };
  const b = settings.batch;
  const ids = new BigInt64Array(b * seq);
  const labels = new BigInt64Array(b * seq);
  const mask = new Float32Array(b * seq);
  const losses: number[] = [];
  const start = performance.now();
  for (let step = 0; step < settings.steps; step++) {
    for (let r = 0; r < b; r++) {
      const d = encoded[next()];
      for (let k = 0; k < seq; k++) {
        ids[r * seq + k] = BigInt(d.ids[k]);
        labels[r * seq + k] = BigInt(d.labels[k]);
        mask[r * seq + k] = d.mask[k];
      }
    }
    const res = await trainer.step({
      input_ids: new Tensor('int64', ids, [b, seq]),
      labels: new Tensor('int64', labels, [b, seq]),
      loss_mask: new Tensor('float32', mask, [b, seq]),
    });
    losses.push(res.loss);
    onProgress?.({ step: step + 1, steps: settings.steps, loss: res.loss });
  }
  const trainMs = performance.now() - start;
  const weights = await keepWeightsAndDispose(trainer);
  const lossCurve = tenthMeans(losses);
  return { config, weights, tokenizer: files, lossCurve, trainMs, documentDraws };
}

/**
 * Save a trained model as a Hugging Face-layout folder (config.json, tokenizer.json, model.safetensors,
 * onnx/model.onnx), atomically; `loadLanguageModel(dir)` opens it.
 *
 * @example
 * ```ts
 * await saveLanguageModel('reports/isotropy/models/lm', trained);
 * ```
 */
export async function saveLanguageModel(dir: string, lm: TrainedLm): Promise<void> {
  await saveDecoderFolder(dir, {
    config: lm.config,
    store: new ParameterStore({ tensors: lm.weights }),
    tokenizer: lm.tokenizer,
  });
}
