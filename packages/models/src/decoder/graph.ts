import { crossEntropy, type Dim, Graph, ops, Tensor, type Value } from '@proj/runtime';
import { type BuildContext, embedding, layerNorm, linear, mlp, rmsNorm, swiglu } from '../nn/layers.js';
import type { ParameterStore } from '../nn/params.js';
import { type DecoderConfig, headDim } from './config.js';

/** Which inputs and outputs a decoder graph has. */
export interface DecoderGraphOptions {
  /** Batch dim: a number for static shapes (faster training graphs), default 'batch'. */
  batch?: Dim;
  /** New-token dim: default 'sequence_length'. */
  seq?: Dim;
  /**
   * KV cache in the Optimum IO convention: inputs past_key_values.N.key/value [batch, kv_heads, past, head_dim],
   * outputs present.N.key/value [batch, kv_heads, past + seq, head_dim]. Default false.
   */
  kvCache?: boolean;
  /** `attention_mask` [batch, past + seq] int64 input (1 = attend, 0 = padding). Default true. */
  attentionMask?: boolean;
  /** `position_ids` [batch, seq] int64 input; without it positions are past..past+seq-1. Default true. */
  positionIds?: boolean;
  /** Take `inputs_embeds` [batch, seq, d_model] instead of `input_ids` (soft-token RL). Default false. */
  inputsEmbeds?: boolean;
  /**
   * Output `head_outputs.N` [batch, seq, heads, d_model] per layer: each head's additive contribution to the
   * residual stream AFTER the output projection (TransformerLens' hook_result). Default false.
   */
  exposeHeads?: boolean;
  /** Optional input `head_scales` [layers, heads] (default all ones) multiplying each head's contribution. */
  headScales?: boolean;
  /** Also output the final hidden states `last_hidden_state` [batch, seq, d_model]. Default false. */
  hiddenStates?: boolean;
}

/** The values of a built decoder graph. */
export interface DecoderGraph {
  /** The graph (outputs declared). */
  g: Graph;
  /** `logits` [batch, seq, vocab]. */
  logits: Value;
  /** Final hidden states after the last norm, [batch, seq, d_model]. */
  hidden: Value;
  /** Per layer: the keys and values including the past, [batch, kv_heads, past + seq, head_dim]. */
  presents: {
    /** `present.N.key`. */
    key: Value;
    /** `present.N.value`. */
    value: Value;
  }[];
  /** Per layer with `exposeHeads`: `head_outputs.N` [batch, seq, heads, d_model] (else empty). */
  headOutputs: Value[];
  /** The token embedding table (for soft-token inputs p E). */
  embeddingTable: Value;
  /** The graph inputs the options declared. */
  inputs: {
    /** `input_ids` [batch, seq] int64 (absent with `inputsEmbeds`). */
    inputIds?: Value;
    /** `inputs_embeds` [batch, seq, d_model] (with `inputsEmbeds`). */
    inputsEmbeds?: Value;
    /** `attention_mask` [batch, past + seq] int64. */
    attentionMask?: Value;
    /** `position_ids` [batch, seq] int64. */
    positionIds?: Value;
    /** Per layer with `kvCache`: `past_key_values.N.key` / `.value` (else empty). */
    past: {
      /** `past_key_values.N.key`. */
      key: Value;
      /** `past_key_values.N.value`. */
      value: Value;
    }[];
    /** `head_scales` [layers, heads] (with `headScales`; optional at run time, default ones). */
    headScales?: Value;
  };
}

const NEG = -1e9;

/**
 * Build a decoder-only LM graph from a config and its weights. The default (no cache) maps input_ids
 * [batch, seq] -> logits [batch, seq, vocab]; options add the KV cache, attention-module exposure and
 * steering inputs. Graph outputs are declared (`logits`, `present.N.*`, `head_outputs.N`, ...).
 *
 * @example
 * ```ts
 * const store = new ParameterStore({ seed: 1 });
 * const { g } = buildDecoderGraph(gpt2Config({ vocabSize: 256, dModel: 64, nLayers: 2, nHeads: 4 }), store, { kvCache: true });
 * const step = await compile(g);
 * ```
 */
export function buildDecoderGraph(
  config: DecoderConfig,
  store: ParameterStore,
  options: DecoderGraphOptions = {},
): DecoderGraph {
  const g = new Graph(`${config.family}-decoder`);
  const ctx: BuildContext = { g, store };
  const batch = options.batch ?? 'batch';
  const seq = options.seq ?? 'sequence_length';
  const hd = headDim(config);
  const past: { key: Value; value: Value }[] = [];
  const inputs: DecoderGraph['inputs'] = { past };

  let x: Value;
  let embeddingTable: Value;
  if (options.inputsEmbeds) {
    inputs.inputsEmbeds = g.input('inputs_embeds', 'float32', [batch, seq, config.dModel]);
    embeddingTable = store.param(g, 'wte.weight', [config.vocabSize, config.dModel], {
      init: 'normal',
      std: config.initStd,
    });
    x = inputs.inputsEmbeds;
  } else {
    inputs.inputIds = g.input('input_ids', 'int64', [batch, seq]);
    const e = embedding(ctx, 'wte', inputs.inputIds, config.vocabSize, config.dModel, {
      init: 'normal',
      std: config.initStd,
    });
    embeddingTable = e.table;
    x = e.out;
  }
  const pastLen: Dim = options.kvCache ? 'past_sequence_length' : 0;
  if (options.kvCache) {
    for (let l = 0; l < config.nLayers; l++) {
      past.push({
        key: g.input(`past_key_values.${l}.key`, 'float32', [batch, config.nKvHeads, pastLen, hd]),
        value: g.input(`past_key_values.${l}.value`, 'float32', [batch, config.nKvHeads, pastLen, hd]),
      });
    }
  }
  const total: Dim = options.kvCache ? `past_sequence_length+${seq}` : seq;
  if (options.attentionMask !== false)
    inputs.attentionMask = g.input('attention_mask', 'int64', [batch, total]);
  if (options.positionIds !== false) inputs.positionIds = g.input('position_ids', 'int64', [batch, seq]);
  if (options.headScales) {
    inputs.headScales = g.input('head_scales', 'float32', [config.nLayers, config.nHeads], { fill: 1 });
  }

  // Positions: explicit ids, or past .. past + seq - 1.
  const seqLen = ops.squeeze(ops.shapeOf(x, 1, 2), [0]);
  const pastLenV = options.kvCache
    ? ops.squeeze(ops.shapeOf(past[0].key, 2, 3), [0])
    : g.constant(0n, 'int64');
  const totalLenV = options.kvCache ? seqLen.add(pastLenV) : seqLen;
  const positions: Value =
    inputs.positionIds ?? ops.range(pastLenV, totalLenV, g.constant(1n, 'int64')).unsqueeze([0]);

  if (config.positional === 'learned') {
    x = x.add(learnedPositions(ctx, config, positions));
  }
  const rope = config.positional === 'rotary' ? rotaryTables(g, config, positions) : null;

  // Additive attention bias [batch|1, 1, seq, total]: causal (offset by the past) and padding.
  const qPos = ops.range(pastLenV, totalLenV, g.constant(1n, 'int64'));
  const kPos = ops.range(g.constant(0n, 'int64'), totalLenV, g.constant(1n, 'int64'));
  let allowed = ops.lessOrEqual(kPos.unsqueeze([0]), qPos.unsqueeze([1]));
  if (inputs.attentionMask) {
    const pad = ops.greater(inputs.attentionMask, g.constant(0n, 'int64')).unsqueeze([1, 2]);
    allowed = ops.and(allowed.unsqueeze([0, 1]), pad);
  } else {
    allowed = allowed.unsqueeze([0, 1]);
  }
  const bias = ops.where(allowed, 0, NEG);

  const presents: { key: Value; value: Value }[] = [];
  const headOutputs: Value[] = [];
  const norm = (name: string, v: Value) => decoderNorm(ctx, config, name, v);
  for (let l = 0; l < config.nLayers; l++) {
    const p = `h.${l}`;
    const a = attention(
      ctx,
      config,
      p,
      norm(`${p}.norm_1`, x),
      bias,
      rope,
      past[l],
      inputs.headScales,
      l,
      !!options.exposeHeads,
    );
    presents.push(a.present);
    if (a.heads) headOutputs.push(a.heads);
    x = x.add(a.out);
    const h2 = norm(`${p}.norm_2`, x);
    x = x.add(feedForward(ctx, config, `${p}.mlp`, h2));
  }
  const hidden = norm('norm_f', x);
  const logits = hidden.matmul(lmHeadWeight(ctx, config, embeddingTable));

  g.output('logits', logits);
  presents.forEach((pr, l) => {
    if (!options.kvCache) return;
    g.output(`present.${l}.key`, pr.key);
    g.output(`present.${l}.value`, pr.value);
  });
  headOutputs.forEach((h, l) => g.output(`head_outputs.${l}`, h));
  if (options.hiddenStates) g.output('last_hidden_state', hidden);
  return { g, logits, hidden, presents, headOutputs, embeddingTable, inputs };
}

/** The normalisation the config names (LayerNorm or RMSNorm), as every block and the final norm use it. */
export function decoderNorm(ctx: BuildContext, c: DecoderConfig, name: string, x: Value): Value {
  return c.norm === 'layernorm'
    ? layerNorm(ctx, name, x, c.dModel, c.normEps)
    : rmsNorm(ctx, name, x, c.dModel, c.normEps);
}

/** A block's MLP as the config names it (GELU or SwiGLU). */
export function feedForward(ctx: BuildContext, c: DecoderConfig, name: string, x: Value): Value {
  return c.mlp === 'gelu'
    ? mlp(ctx, name, x, c.dModel, c.dFF, c.bias)
    : swiglu(ctx, name, x, c.dModel, c.dFF, c.bias);
}

/** The learned position embeddings (`wpe.weight`) of `positions`. */
export function learnedPositions(ctx: BuildContext, c: DecoderConfig, positions: Value): Value {
  const wpe = ctx.store.param(ctx.g, 'wpe.weight', [c.maxPositions, c.dModel], {
    init: 'normal',
    std: c.initStd / 2,
  });
  return wpe.gather(positions, 0);
}

/** The output head [dModel, vocab]: the token table transposed when tied, else `lm_head.weight`. */
export function lmHeadWeight(ctx: BuildContext, c: DecoderConfig, tokenTable: Value): Value {
  return c.tieEmbeddings
    ? tokenTable.transpose()
    : ctx.store.param(ctx.g, 'lm_head.weight', [c.dModel, c.vocabSize], { init: 'normal', std: c.initStd });
}

/** cos/sin for the given positions: [batch|1, 1, seq, head_dim] each (HF's rotate-half layout). */
export function rotaryTables(g: Graph, c: DecoderConfig, positions: Value): { cos: Value; sin: Value } {
  const hd = headDim(c);
  const half = hd / 2;
  const cos = new Float32Array(c.maxPositions * hd);
  const sin = new Float32Array(c.maxPositions * hd);
  for (let p = 0; p < c.maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / c.ropeTheta ** ((2 * i) / hd);
      cos[p * hd + i] = cos[p * hd + i + half] = Math.cos(angle);
      sin[p * hd + i] = sin[p * hd + i + half] = Math.sin(angle);
    }
  }
  const cosT = g.constant(new Tensor('float32', cos, [c.maxPositions, hd]), undefined, 'rope.cos');
  const sinT = g.constant(new Tensor('float32', sin, [c.maxPositions, hd]), undefined, 'rope.sin');
  return { cos: cosT.gather(positions, 0).unsqueeze([1]), sin: sinT.gather(positions, 0).unsqueeze([1]) };
}

/** Rotary position embedding of x [batch, heads, seq, head_dim] (HF's rotate_half convention). */
export function applyRotary(x: Value, rope: { cos: Value; sin: Value }): Value {
  const [x1, x2] = ops.split(x, 2, -1);
  const rotated = ops.concat([x2.neg(), x1], -1);
  return x.mul(rope.cos).add(rotated.mul(rope.sin));
}

function attention(
  ctx: BuildContext,
  c: DecoderConfig,
  name: string,
  x: Value,
  bias: Value,
  rope: { cos: Value; sin: Value } | null,
  past: { key: Value; value: Value } | undefined,
  headScales: Value | undefined,
  layer: number,
  exposeHeads: boolean,
): { out: Value; present: { key: Value; value: Value }; heads?: Value } {
  const { g, store } = ctx;
  const hd = headDim(c);
  const kvd = c.nKvHeads * hd;
  const qkv = linear(ctx, `${name}.attn.qkv`, x, c.dModel, c.dModel + 2 * kvd, {
    bias: c.bias,
    init: { init: 'normal', std: c.initStd },
  });
  const [q0, k0, v0] = ops.split(qkv, [c.dModel, kvd, kvd], -1);
  const heads = (t: Value, n: number) => t.reshape([0, 0, n, hd]).transpose([0, 2, 1, 3]);
  let q = heads(q0, c.nHeads);
  let k = heads(k0, c.nKvHeads);
  let v = heads(v0, c.nKvHeads);
  if (rope) {
    q = applyRotary(q, rope);
    k = applyRotary(k, rope);
  }
  if (past) {
    k = ops.concat([past.key, k], 2);
    v = ops.concat([past.value, v], 2);
  }
  const present = { key: k, value: v };
  if (c.nKvHeads < c.nHeads) {
    const rep = c.nHeads / c.nKvHeads;
    const repeat = (t: Value) => {
      const e = t.unsqueeze([2]);
      const target = ops.concat([ops.shapeOf(t, 0, 2), g.int64s([rep]), ops.shapeOf(t, 2, 4)], 0);
      const expanded = ops.expand(e, target, [t.shape[0], t.shape[1], rep, t.shape[2], t.shape[3]]);
      return expanded.reshape([0, c.nHeads, -1, hd]);
    };
    k = repeat(k);
    v = repeat(v);
  }
  // Scaling the product (not q) lets ONNX Runtime fold the scale into the matmul (FusedMatMul alpha), forward and
  // backward.
  const scores = q
    .matmul(k.transpose([0, 1, 3, 2]))
    .mul(1 / Math.sqrt(hd))
    .add(bias);
  let z = scores.softmax(-1).matmul(v); // [batch, heads, seq, hd]
  if (headScales) {
    z = z.mul(headScales.gather(g.constant(BigInt(layer), 'int64'), 0).reshape([1, c.nHeads, 1, 1]));
  }
  const wo = store.param(g, `${name}.attn.out.weight`, [c.dModel, c.dModel], {
    init: 'normal',
    std: c.initStd / Math.sqrt(2 * c.nLayers),
  });
  const bo = c.bias ? store.param(g, `${name}.attn.out.bias`, [c.dModel], { init: 'zeros' }) : null;
  if (exposeHeads) {
    // a_{l,h} = z_h W_O[h*hd:(h+1)*hd, :]: [batch, heads, seq, d] via a batched matmul over heads.
    const perHead = z.matmul(wo.reshape([c.nHeads, hd, c.dModel]));
    const sum = perHead.sum([1]);
    return { out: bo ? sum.add(bo) : sum, present, heads: perHead.transpose([0, 2, 1, 3]) };
  }
  const merged = z.transpose([0, 2, 1, 3]).reshape([0, 0, c.dModel]).matmul(wo);
  return { out: bo ? merged.add(bo) : merged, present };
}

/** Options of {@link buildLmTrainingGraph}. */
export interface LmTrainingOptions
  extends Pick<DecoderGraphOptions, 'batch' | 'seq' | 'attentionMask' | 'inputsEmbeds'> {}

/**
 * Training graph: inputs `input_ids` [batch, seq] (or `inputs_embeds`), `labels` [batch, seq] (the next tokens,
 * shifted on the host) and `loss_mask` [batch, seq] (1 where the token counts). Outputs `loss` (masked mean
 * cross-entropy) and `token_logprobs` [batch, seq] (log p(label) per position).
 * @example
 * ```ts
 * const t = buildLmTrainingGraph(config, store, { batch: 16, seq: 64 });
 * const step = await compileTrainStep(t.g, { loss: t.loss, optimizer: adamw() });
 * ```
 */
export function buildLmTrainingGraph(
  config: DecoderConfig,
  store: ParameterStore,
  options: LmTrainingOptions = {},
): DecoderGraph & {
  /** Scalar masked mean cross-entropy (output `loss`). */
  loss: Value;
  /** log p(label) per position, [batch, seq] (output `token_logprobs`). */
  tokenLogprobs: Value;
  /** Input `labels` [batch, seq] int64: the next token at each position. */
  labels: Value;
  /** Input `loss_mask` [batch, seq] float32: 1 where the position counts. */
  lossMask: Value;
} {
  const d = buildDecoderGraph(config, store, {
    ...options,
    positionIds: false,
    attentionMask: options.attentionMask ?? false,
  });
  const { g, logits } = d;
  const batch = options.batch ?? 'batch';
  const seq = options.seq ?? 'sequence_length';
  const labels = g.input('labels', 'int64', [batch, seq]);
  const lossMask = g.input('loss_mask', 'float32', [batch, seq]);
  const logp = logits.logSoftmax(-1);
  const tokenLogprobs = ops.gatherElements(logp, labels.unsqueeze([-1]), -1).squeeze([-1]);
  const loss = crossEntropy(logits, labels, { mask: lossMask });
  g.removeOutput('logits');
  g.output('loss', loss);
  g.output('token_logprobs', tokenLogprobs);
  return { ...d, loss, tokenLogprobs, labels, lossMask };
}
