import { crossEntropy, type Dim, Graph, ops, type Value } from '@proj/runtime';
import { ConfigError } from '../decoder/config.js';
import type { ParameterStore } from '../nn/params.js';
import type { EncoderConfig } from './config.js';
import { encoderParameterShapes } from './folder.js';
import { type EncoderInputs, encodeBatch } from './graph.js';

/** Options of {@link buildClassifierGraph}. */
export interface ClassifierGraphOptions {
  /** Number of classes (the classifier's output width). */
  numLabels: number;
  /** Batch dim: a number for static shapes (faster training graphs), default 'batch_size'. */
  batch?: Dim;
  /** Token dim: default 'sequence_length'. */
  seq?: Dim;
}

/** The values of a built classifier graph. */
export interface ClassifierGraph {
  /** The graph (output `logits` declared). */
  g: Graph;
  /** Class scores before the softmax, [batch, numLabels]. */
  logits: Value;
  /** Its graph inputs (`token_type_ids` whenever the config has token types: text pairs need them). */
  inputs: EncoderInputs;
}

/**
 * Name and shape of every weight of a sequence classifier: the encoder's ({@link encoderParameterShapes}), the
 * pooler (`pooler.dense`, [dModel, dModel]) and the head (`classifier`, [numLabels, dModel]), with Hugging Face
 * BertForSequenceClassification's names minus its `bert.` prefix.
 * @example classifierParameterShapes(config, 3).get('classifier.weight') // [3, dModel]
 */
export function classifierParameterShapes(config: EncoderConfig, numLabels: number): Map<string, number[]> {
  checkNumLabels(numLabels);
  const d = config.dModel;
  return new Map([
    ...encoderParameterShapes(config),
    ['pooler.dense.weight', [d, d]],
    ['pooler.dense.bias', [d]],
    ['classifier.weight', [numLabels, d]],
    ['classifier.bias', [numLabels]],
  ]);
}

function checkNumLabels(n: number): void {
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new ConfigError(
      `numLabels must be an integer >= 2, got ${n}; a classifier needs at least two classes.`,
    );
  }
}

/**
 * Classify one batch inside `g`: the encoder, then BERT's pooler (`tanh(W h_[CLS] + b)` on the first token's
 * state) and a linear head. Returns the logits [batch, numLabels].
 *
 * @example
 * ```ts
 * const logits = classifyBatch(g, config, store, 3, { inputIds, attentionMask, tokenTypeIds });
 * ```
 */
export function classifyBatch(
  g: Graph,
  config: EncoderConfig,
  store: ParameterStore,
  numLabels: number,
  inputs: EncoderInputs,
): Value {
  checkNumLabels(numLabels);
  const d = config.dModel;
  const { hidden } = encodeBatch(g, config, store, inputs);
  const cls = hidden.gather(g.constant(0n, 'int64'), 1); // [batch, d]
  const dense = (name: string, x: Value, outF: number) => {
    const w = store.param(g, `${name}.weight`, [outF, d], { init: 'normal', std: config.initStd });
    const b = store.param(g, `${name}.bias`, [outF], { init: 'zeros' });
    return x.matmul(w.transpose()).add(b);
  };
  return dense('classifier', dense('pooler.dense', cls, d).tanh(), numLabels);
}

function classifierInputs(g: Graph, config: EncoderConfig, batch: Dim, seq: Dim): EncoderInputs {
  const inputs: EncoderInputs = {
    inputIds: g.input('input_ids', 'int64', [batch, seq]),
    attentionMask: g.input('attention_mask', 'int64', [batch, seq]),
  };
  if (config.typeVocabSize > 0) inputs.tokenTypeIds = g.input('token_type_ids', 'int64', [batch, seq]);
  return inputs;
}

/**
 * Build a sequence-classification graph (BERT cross-encoder: NLI, reranking, sentiment): inputs `input_ids`,
 * `attention_mask` and (for configs with token types) `token_type_ids` [batch, seq] int64; output `logits`
 * [batch, numLabels]. Names follow Optimum's text-classification exports. Weights come from `store` (created
 * there, seeded, when absent).
 *
 * @throws {ConfigError} for `numLabels` < 2.
 * @example
 * ```ts
 * const { g } = buildClassifierGraph(config, new ParameterStore({ seed: 1 }), { numLabels: 3 });
 * const f = await compile(g);
 * const { logits } = await f({ input_ids, attention_mask, token_type_ids });
 * ```
 */
export function buildClassifierGraph(
  config: EncoderConfig,
  store: ParameterStore,
  options: ClassifierGraphOptions,
): ClassifierGraph {
  const g = new Graph(`${config.family}-classifier`);
  const inputs = classifierInputs(g, config, options.batch ?? 'batch_size', options.seq ?? 'sequence_length');
  const logits = classifyBatch(g, config, store, options.numLabels, inputs);
  g.output('logits', logits);
  return { g, logits, inputs };
}

/** The values of a built classifier training graph. */
export interface ClassifierTrainingGraph extends ClassifierGraph {
  /** Mean cross-entropy of the `labels` input (output `loss`). */
  loss: Value;
  /** Fraction of rows whose arg-max class is the label (output `accuracy`). */
  accuracy: Value;
  /** The `labels` input, [batch] int64 class ids. */
  labels: Value;
}

/**
 * A fine-tuning graph for {@link buildClassifierGraph}: adds a `labels` [batch] int64 input and the outputs
 * `loss` (mean cross-entropy) and `accuracy`. Train it with `compileTrainStep` / `Trainer`, then save the weights
 * with {@link saveClassifierFolder}.
 *
 * @example
 * ```ts
 * const t = buildClassifierTrainingGraph(config, store, { numLabels: 3, batch: 32, seq: 24 });
 * const step = await compileTrainStep(t.g, { loss: t.loss, optimizer: adamw(), metrics: { accuracy: t.accuracy } });
 * ```
 */
export function buildClassifierTrainingGraph(
  config: EncoderConfig,
  store: ParameterStore,
  options: ClassifierGraphOptions,
): ClassifierTrainingGraph {
  const built = buildClassifierGraph(config, store, options);
  const { g, logits } = built;
  const labels = g.input('labels', 'int64', [options.batch ?? 'batch_size']);
  const loss = crossEntropy(logits, labels);
  const accuracy = ops.equal(logits.argmax(-1), labels).cast('float32').mean();
  g.output('loss', loss);
  g.output('accuracy', accuracy);
  return { ...built, loss, accuracy, labels };
}
