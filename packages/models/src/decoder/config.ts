/**
 * Configuration of the project's decoder-only language models. Two presets cover the families the
 * project needs: GPT-2-like (learned positions, LayerNorm, GELU MLP, biases, tied embeddings) and
 * Llama-like (rotary positions, RMSNorm, SwiGLU, no biases, optional grouped-query attention).
 */
export interface DecoderConfig {
  /** Which preset the config follows (also config.json's `model_type`). */
  family: 'gpt2' | 'llama';
  /** Vocabulary size: rows of the embedding table and width of the logits. */
  vocabSize: number;
  /** Model width. */
  dModel: number;
  /** Transformer blocks. */
  nLayers: number;
  /** Attention (query) heads; must divide dModel. */
  nHeads: number;
  /** Key/value heads (grouped-query attention when < nHeads). Default nHeads. */
  nKvHeads: number;
  /** MLP hidden width. */
  dFF: number;
  /** Longest sequence (learned position table size; rotary table size). */
  maxPositions: number;
  /** Learned absolute positions (GPT-2) or rotary embeddings (Llama). */
  positional: 'learned' | 'rotary';
  /** LayerNorm with bias (GPT-2) or RMSNorm (Llama). */
  norm: 'layernorm' | 'rmsnorm';
  /** GELU MLP (GPT-2) or SwiGLU (Llama). */
  mlp: 'gelu' | 'swiglu';
  /** Biases in linear layers. */
  bias: boolean;
  /** Output head shares the token embedding matrix. */
  tieEmbeddings: boolean;
  /** Epsilon of the norms (GPT-2 1e-5, Llama 1e-6). */
  normEps: number;
  /** Base of the rotary frequencies (default 10000; unused with learned positions). */
  ropeTheta: number;
  /** Std of the normal initialisation. */
  initStd: number;
  /** Token ids with special meaning (also written to the folder's config.json). */
  bosTokenId?: number;
  /** End-of-sequence token id (generation stops on it). */
  eosTokenId?: number;
  /** Padding token id. */
  padTokenId?: number;
}

/**
 * Raised for a config that cannot describe a model (non-divisible heads, zero sizes, ...).
 * @example
 * ```ts
 * try { gpt2Config({ vocabSize: 256, dModel: 100, nLayers: 2, nHeads: 3 }); } catch (e) { if (e instanceof ConfigError) console.error(e.message); }
 * ```
 */
export class ConfigError extends Error {
  /** `'ConfigError'`. */
  override name = 'ConfigError';
}

/** The required sizes of a preset config; every other field may be overridden too. */
export type DecoderSizes = Pick<DecoderConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads'> &
  Partial<DecoderConfig>;

/**
 * A GPT-2-style config: learned positions, LayerNorm, GELU MLP of width 4 d, biases, tied embeddings.
 * @example gpt2Config({ vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4, maxPositions: 64 })
 */
export function gpt2Config(sizes: DecoderSizes): DecoderConfig {
  return validateConfig({
    family: 'gpt2',
    nKvHeads: sizes.nHeads,
    dFF: 4 * sizes.dModel,
    maxPositions: 1024,
    positional: 'learned',
    norm: 'layernorm',
    mlp: 'gelu',
    bias: true,
    tieEmbeddings: true,
    normEps: 1e-5,
    ropeTheta: 10000,
    initStd: 0.02,
    ...sizes,
  });
}

/**
 * A Llama-style config: rotary positions, RMSNorm, SwiGLU (width ~8/3 d rounded to 32), no biases, untied head.
 * @example llamaConfig({ vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4, nKvHeads: 2 })
 */
export function llamaConfig(sizes: DecoderSizes): DecoderConfig {
  return validateConfig({
    family: 'llama',
    nKvHeads: sizes.nHeads,
    dFF: Math.ceil((8 * sizes.dModel) / 3 / 32) * 32,
    maxPositions: 2048,
    positional: 'rotary',
    norm: 'rmsnorm',
    mlp: 'swiglu',
    bias: false,
    tieEmbeddings: false,
    normEps: 1e-6,
    ropeTheta: 10000,
    initStd: 0.02,
    ...sizes,
  });
}

/**
 * Check a config and return it. @throws {ConfigError} naming the field and the fix.
 * @example const config = validateConfig(JSON.parse(text).proj.config);
 */
export function validateConfig(c: DecoderConfig): DecoderConfig {
  const positive = ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'nKvHeads', 'dFF', 'maxPositions'] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] <= 0)
      throw new ConfigError(`config.${k} must be a positive integer, got ${c[k]}.`);
  }
  if (c.dModel % c.nHeads !== 0)
    throw new ConfigError(`config.dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads}).`);
  if (c.nHeads % c.nKvHeads !== 0)
    throw new ConfigError(`config.nHeads (${c.nHeads}) must be a multiple of nKvHeads (${c.nKvHeads}).`);
  if (c.positional === 'rotary' && (c.dModel / c.nHeads) % 2 !== 0) {
    throw new ConfigError(`rotary positions need an even head dimension, got ${c.dModel / c.nHeads}.`);
  }
  return c;
}

/**
 * Head dimension: dModel / nHeads.
 * @example headDim(gpt2Config({ vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4 })) // 32
 */
export function headDim(c: DecoderConfig): number {
  return c.dModel / c.nHeads;
}
