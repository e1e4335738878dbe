import { crossEntropy, type Dim, Graph, ops, type Value } from '@proj/runtime';
import { ConfigError } from '../decoder/config.js';
import type { InitSpec, ParameterStore } from '../nn/params.js';
import type { EncoderConfig } from './config.js';

/** Which inputs a built encoder graph has. */
export interface EncoderGraphOptions {
  /** Batch dim: a number for static shapes (faster training graphs), default 'batch_size'. */
  batch?: Dim;
  /** Token dim: default 'sequence_length'. */
  seq?: Dim;
  /**
   * Declare a `token_type_ids` [batch, seq] int64 input. Without it every token has type 0 (what transformers
   * does when the input is left out). Default false. Needs `typeVocabSize > 0`.
   */
  tokenTypeIds?: boolean;
}

/** Inputs of one encoded batch. */
export interface EncoderInputs {
  /** Token ids [batch, seq] int64. */
  inputIds: Value;
  /** [batch, seq] int64: 1 = token, 0 = padding. */
  attentionMask: Value;
  /** Segment ids [batch, seq] int64 (absent: all 0). */
  tokenTypeIds?: Value;
}

/** The values of a built encoder graph. */
export interface EncoderGraph {
  /** The graph (outputs declared). */
  g: Graph;
  /** Final hidden states [batch, seq, dModel] (output `last_hidden_state`). */
  hidden: Value;
  /** Masked mean of `hidden`, L2-normalised: [batch, dModel] (output `sentence_embedding`). */
  embedding: Value;
  /** Its graph inputs. */
  inputs: EncoderInputs;
}

const NEG = -1e9;
/** sentence-transformers' clamp on the token count and torch.nn.functional.normalize's eps. */
const COUNT_EPS = 1e-9;
const NORM_EPS = 1e-12;

/**
 * A parameter as a graph value. Encoding two batches in one graph (InfoNCE) uses each weight twice: the second
 * use gets the value the first declared, so both towers share weights and autodiff sums their gradients.
 */
function param(
  g: Graph,
  store: ParameterStore,
  name: string,
  shape: readonly number[],
  init: InitSpec,
): Value {
  const existing = g.params.get(name);
  if (existing) return existing.value;
  return store.param(g, name, shape, init);
}

/** Hugging Face nn.Linear: weight [out, in], y = x W^T + b (ONNX Runtime folds the transpose). */
function linear(
  g: Graph,
  store: ParameterStore,
  c: EncoderConfig,
  name: string,
  x: Value,
  inF: number,
  outF: number,
): Value {
  const w = param(g, store, `${name}.weight`, [outF, inF], { init: 'normal', std: c.initStd });
  const b = param(g, store, `${name}.bias`, [outF], { init: 'zeros' });
  return x.matmul(w.transpose()).add(b);
}

function layerNorm(g: Graph, store: ParameterStore, c: EncoderConfig, name: string, x: Value): Value {
  const w = param(g, store, `${name}.weight`, [c.dModel], { init: 'ones' });
  const b = param(g, store, `${name}.bias`, [c.dModel], { init: 'zeros' });
  return ops.layerNorm(x, w, b, { epsilon: c.normEps });
}

/**
 * Encode one batch into `g`: BERT embeddings, post-LN blocks, then masked mean pooling + L2 normalisation.
 * Exposed for graphs that encode several batches with shared weights (see {@link buildInfoNceGraph}).
 *
 * @example
 * ```ts
 * const g = new Graph('two-towers');
 * const a = encodeBatch(g, config, store, { inputIds: g.input('a_ids', 'int64', ['b', 's']), attentionMask: g.input('a_mask', 'int64', ['b', 's']) });
 * ```
 */
export function encodeBatch(
  g: Graph,
  config: EncoderConfig,
  store: ParameterStore,
  inputs: EncoderInputs,
): {
  /** Final hidden states [batch, seq, dModel]. */
  hidden: Value;
  /** Masked mean of `hidden`, L2-normalised: [batch, dModel]. */
  embedding: Value;
} {
  const c = config;
  const d = c.dModel;
  const hd = d / c.nHeads;
  const emb = (name: string, rows: number) =>
    param(g, store, `embeddings.${name}.weight`, [rows, d], { init: 'normal', std: c.initStd });

  let x = emb('word_embeddings', c.vocabSize).gather(inputs.inputIds, 0);
  const seqLen = ops.squeeze(ops.shapeOf(inputs.inputIds, 1, 2), [0]);
  const positions = ops.range(g.constant(0n, 'int64'), seqLen, g.constant(1n, 'int64'));
  x = x.add(emb('position_embeddings', c.maxPositions).gather(positions, 0));
  if (c.typeVocabSize > 0) {
    const types = emb('token_type_embeddings', c.typeVocabSize);
    // Without token_type_ids every token is type 0: add row 0 (a [d] vector) instead of gathering zeros.
    x = x.add(
      inputs.tokenTypeIds ? types.gather(inputs.tokenTypeIds, 0) : types.gather(g.constant(0n, 'int64'), 0),
    );
  }
  x = layerNorm(g, store, c, 'embeddings.LayerNorm', x);

  // Additive padding bias [batch, 1, 1, seq]: keys that are padding get -1e9 before the softmax.
  const keep = ops.greater(inputs.attentionMask, g.constant(0n, 'int64'));
  const bias = ops.where(keep.unsqueeze([1, 2]), 0, NEG);

  for (let l = 0; l < c.nLayers; l++) {
    const p = `encoder.layer.${l}`;
    const a = `${p}.attention.self`;
    // One [d, 3d] matmul for q, k, v: the three HF weights concatenated (constant-folded at inference).
    const wq = param(g, store, `${a}.query.weight`, [d, d], { init: 'normal', std: c.initStd });
    const wk = param(g, store, `${a}.key.weight`, [d, d], { init: 'normal', std: c.initStd });
    const wv = param(g, store, `${a}.value.weight`, [d, d], { init: 'normal', std: c.initStd });
    const bq = param(g, store, `${a}.query.bias`, [d], { init: 'zeros' });
    const bk = param(g, store, `${a}.key.bias`, [d], { init: 'zeros' });
    const bv = param(g, store, `${a}.value.bias`, [d], { init: 'zeros' });
    const qkv = x.matmul(ops.concat([wq, wk, wv], 0).transpose()).add(ops.concat([bq, bk, bv], 0));
    const [q0, k0, v0] = ops.split(qkv, [d, d, d], -1);
    const heads = (t: Value) => t.reshape([0, 0, c.nHeads, hd]).transpose([0, 2, 1, 3]);
    const q = heads(q0).mul(1 / Math.sqrt(hd));
    const scores = q.matmul(k0.reshape([0, 0, c.nHeads, hd]).transpose([0, 2, 3, 1])).add(bias);
    const z = scores.softmax(-1).matmul(heads(v0)).transpose([0, 2, 1, 3]).reshape([0, 0, d]);
    const attn = linear(g, store, c, `${p}.attention.output.dense`, z, d, d);
    x = layerNorm(g, store, c, `${p}.attention.output.LayerNorm`, x.add(attn));
    const h = linear(g, store, c, `${p}.intermediate.dense`, x, d, c.dFF).gelu();
    x = layerNorm(
      g,
      store,
      c,
      `${p}.output.LayerNorm`,
      x.add(linear(g, store, c, `${p}.output.dense`, h, c.dFF, d)),
    );
  }

  const m = inputs.attentionMask.cast('float32').unsqueeze([-1]); // [batch, seq, 1]
  const mean = x
    .mul(m)
    .sum([1])
    .div(ops.maximum(m.sum([1]), COUNT_EPS));
  const norm = ops.maximum(mean.mul(mean).sum([-1], true).sqrt(), NORM_EPS);
  return { hidden: x, embedding: mean.div(norm) };
}

/**
 * Build a BERT encoder graph: inputs `input_ids` and `attention_mask` [batch, seq] int64 (1 = token,
 * 0 = padding; optionally `token_type_ids`), outputs `last_hidden_state` [batch, seq, dModel] and
 * `sentence_embedding` [batch, dModel] (masked mean pooling + L2 normalisation inside the graph, so one ONNX
 * Runtime call returns unit vectors). Input and output names follow Optimum's feature-extraction exports.
 * Weights come from `store` (created there, seeded, when absent).
 *
 * @throws {ConfigError} for `tokenTypeIds: true` on a config without token types.
 * @example
 * ```ts
 * const config = bertConfig({ vocabSize: 1000, dModel: 256, nLayers: 4, nHeads: 4, maxPositions: 128 });
 * const { g } = buildEncoderGraph(config, new ParameterStore({ seed: 1 }));
 * const f = await compile(g);
 * const { sentence_embedding } = await f({ input_ids, attention_mask });
 * ```
 */
export function buildEncoderGraph(
  config: EncoderConfig,
  store: ParameterStore,
  options: EncoderGraphOptions = {},
): EncoderGraph {
  const g = new Graph(`${config.family}-encoder`);
  const batch = options.batch ?? 'batch_size';
  const seq = options.seq ?? 'sequence_length';
  const inputs: EncoderInputs = {
    inputIds: g.input('input_ids', 'int64', [batch, seq]),
    attentionMask: g.input('attention_mask', 'int64', [batch, seq]),
  };
  if (options.tokenTypeIds) {
    if (config.typeVocabSize === 0) {
      throw new ConfigError(
        'tokenTypeIds: true needs a config with typeVocabSize > 0 (this model has no token-type table).',
      );
    }
    inputs.tokenTypeIds = g.input('token_type_ids', 'int64', [batch, seq]);
  }
  const { hidden, embedding } = encodeBatch(g, config, store, inputs);
  g.output('last_hidden_state', hidden);
  g.output('sentence_embedding', embedding);
  return { g, hidden, embedding, inputs };
}

/** Options of {@link buildInfoNceGraph}. */
export interface InfoNceOptions {
  /** Softmax temperature tau dividing the cosine similarities. Default 0.05 (SimCSE, E5). */
  temperature?: number;
  /**
   * true (default): mean of the anchor -> positive and positive -> anchor losses (CLIP-style); false: only
   * anchor -> positive (SimCSE / sentence-transformers' MultipleNegativesRankingLoss).
   */
  symmetric?: boolean;
  /** Pairs per batch: a number for static shapes, default 'batch_size'. */
  batch?: Dim;
  /** Token dims of the anchor and positive batches (they may differ). Default 'anchor_length' / 'positive_length'. */
  anchorSeq?: Dim;
  /** Token dim of the positive batch (default 'positive_length'). */
  positiveSeq?: Dim;
}

/** The values of a built InfoNCE graph. */
export interface InfoNceGraph {
  /** The graph (outputs declared). */
  g: Graph;
  /** Scalar loss (output `loss`). */
  loss: Value;
  /** Fraction of anchors whose most similar in-batch positive is their own (output `accuracy`). */
  accuracy: Value;
  /** Cosine similarities / temperature, [anchors, positives] (output `logits`). */
  logits: Value;
  /** The anchor tower's inputs and unit embeddings [batch, dModel]. */
  anchors: EncoderInputs & {
    /** Unit embeddings of the anchors. */
    embedding: Value;
  };
  /** The positive tower's inputs and unit embeddings [batch, dModel]. */
  positives: EncoderInputs & {
    /** Unit embeddings of the positives. */
    embedding: Value;
  };
}

/**
 * Contrastive (InfoNCE) training graph with in-batch negatives. Inputs: `anchor_input_ids`,
 * `anchor_attention_mask` [batch, anchor_length] and `positive_input_ids`, `positive_attention_mask`
 * [batch, positive_length] (int64), where row i of the positives paraphrases row i of the anchors and every
 * other row is a negative. Both batches go through the same encoder weights; with unit embeddings a_i, p_j and
 * logits s_ij = a_i . p_j / tau, the loss is the cross-entropy of picking p_i among all p_j
 * (`-mean_i log softmax_j(s_ij)[i]`), averaged with the transposed direction when `symmetric`.
 * Outputs `loss`, `accuracy` and `logits`; train it with `compileTrainStep` / `Trainer`.
 *
 * @example
 * ```ts
 * const t = buildInfoNceGraph(config, store, { temperature: 0.05 });
 * const step = await compileTrainStep(t.g, { loss: t.loss, optimizer: adamw(), metrics: { accuracy: t.accuracy } });
 * await step.run({ anchor_input_ids, anchor_attention_mask, positive_input_ids, positive_attention_mask }, { lr: 1e-3 });
 * ```
 */
export function buildInfoNceGraph(
  config: EncoderConfig,
  store: ParameterStore,
  options: InfoNceOptions = {},
): InfoNceGraph {
  const tau = options.temperature ?? 0.05;
  if (!(typeof tau === 'number' && tau > 0 && Number.isFinite(tau))) {
    throw new RangeError(`temperature must be a positive number, got ${tau}.`);
  }
  const g = new Graph(`${config.family}-infonce`);
  const batch = options.batch ?? 'batch_size';
  const side = (prefix: string, seq: Dim) => {
    const inputs: EncoderInputs = {
      inputIds: g.input(`${prefix}_input_ids`, 'int64', [batch, seq]),
      attentionMask: g.input(`${prefix}_attention_mask`, 'int64', [batch, seq]),
    };
    return { ...inputs, embedding: encodeBatch(g, config, store, inputs).embedding };
  };
  const anchors = side('anchor', options.anchorSeq ?? 'anchor_length');
  const positives = side('positive', options.positiveSeq ?? 'positive_length');
  const logits = anchors.embedding.matmul(positives.embedding.transpose()).mul(1 / tau);
  const n = ops.squeeze(ops.shapeOf(logits, 0, 1), [0]);
  const labels = ops.range(g.constant(0n, 'int64'), n, g.constant(1n, 'int64'));
  let loss = crossEntropy(logits, labels);
  if (options.symmetric ?? true) loss = loss.add(crossEntropy(logits.transpose(), labels)).mul(0.5);
  const accuracy = ops.equal(logits.argmax(-1), labels).cast('float32').mean();
  g.output('loss', loss);
  g.output('accuracy', accuracy);
  g.output('logits', logits);
  return { g, loss, accuracy, logits, anchors, positives };
}
