import { ConfigError } from '../decoder/config.js';

/**
 * Configuration of the project's encoder embedders. The one family is BERT: learned absolute positions,
 * token-type embeddings, **post-LN** blocks (`x = LN(x + attn(x))`, `x = LN(x + mlp(x))`, as in the original
 * BERT and every MiniLM / BGE / E5 checkpoint), exact (erf) GELU MLP, bidirectional attention with a padding mask.
 * Weights use the Hugging Face `BertModel` names and layouts (linear weights `[out, in]`), so a project folder's
 * model.safetensors loads into transformers' BertModel and an HF BERT checkpoint loads into the project's graphs.
 */
export interface EncoderConfig {
  /** The one family: `'bert'`. */
  family: 'bert';
  /** Vocabulary size (HF `vocab_size`). */
  vocabSize: number;
  /** Model width (HF `hidden_size`). */
  dModel: number;
  /** Transformer blocks (HF `num_hidden_layers`). */
  nLayers: number;
  /** Attention heads (HF `num_attention_heads`); must divide dModel. */
  nHeads: number;
  /** MLP hidden width (HF `intermediate_size`). */
  dFF: number;
  /** Learned position table size: the longest sequence the model takes. */
  maxPositions: number;
  /** Token-type (segment) table size (HF `type_vocab_size`); 0 for none. */
  typeVocabSize: number;
  /** LayerNorm epsilon (BERT: 1e-12). */
  normEps: number;
  /** Std of the normal initialisation (HF `initializer_range`). */
  initStd: number;
  /** Padding token id (written to config.json; the mask, not this id, hides padding). */
  padTokenId?: number;
}

/** The required sizes of {@link bertConfig}; every other field may be overridden too. */
export type EncoderSizes = Pick<EncoderConfig, 'vocabSize' | 'dModel' | 'nLayers' | 'nHeads'> &
  Partial<EncoderConfig>;

/**
 * A BERT-style encoder config: post-LN, GELU MLP of width 4 d, 512 positions, 2 token types, eps 1e-12.
 * @example bertConfig({ vocabSize: 1000, dModel: 256, nLayers: 4, nHeads: 4, maxPositions: 128 })
 */
export function bertConfig(sizes: EncoderSizes): EncoderConfig {
  return validateEncoderConfig({
    family: 'bert',
    dFF: 4 * sizes.dModel,
    maxPositions: 512,
    typeVocabSize: 2,
    normEps: 1e-12,
    initStd: 0.02,
    ...sizes,
  });
}

/**
 * Check an encoder config (e.g. one read from JSON) and return it.
 * @throws {ConfigError} naming the field and the fix.
 * @example validateEncoderConfig(JSON.parse(text).proj_encoder)
 */
export function validateEncoderConfig(c: EncoderConfig): EncoderConfig {
  if (c === null || typeof c !== 'object')
    throw new ConfigError(`An encoder config must be an object, got ${c === null ? 'null' : typeof c}.`);
  if (c.family !== 'bert')
    throw new ConfigError(
      `config.family must be 'bert' (the only encoder family), got ${JSON.stringify(c.family)}.`,
    );
  const positive = ['vocabSize', 'dModel', 'nLayers', 'nHeads', 'dFF', 'maxPositions'] as const;
  for (const k of positive) {
    if (!Number.isSafeInteger(c[k]) || c[k] <= 0)
      throw new ConfigError(`config.${k} must be a positive integer, got ${c[k]}.`);
  }
  if (!Number.isSafeInteger(c.typeVocabSize) || c.typeVocabSize < 0) {
    throw new ConfigError(
      `config.typeVocabSize must be an integer >= 0 (0 = no token types), got ${c.typeVocabSize}.`,
    );
  }
  if (c.dModel % c.nHeads !== 0)
    throw new ConfigError(`config.dModel (${c.dModel}) must be divisible by nHeads (${c.nHeads}).`);
  if (!(typeof c.normEps === 'number' && c.normEps > 0 && Number.isFinite(c.normEps))) {
    throw new ConfigError(`config.normEps must be a positive number, got ${c.normEps}.`);
  }
  if (!(typeof c.initStd === 'number' && c.initStd > 0 && Number.isFinite(c.initStd))) {
    throw new ConfigError(`config.initStd must be a positive number, got ${c.initStd}.`);
  }
  if (
    c.padTokenId !== undefined &&
    (!Number.isSafeInteger(c.padTokenId) || c.padTokenId < 0 || c.padTokenId >= c.vocabSize)
  ) {
    throw new ConfigError(`config.padTokenId must be an id in [0, ${c.vocabSize}), got ${c.padTokenId}.`);
  }
  return c;
}

/** Hugging Face config.json fields of a BERT model (the ones the project reads and writes). */
export interface HfBertConfigJson {
  /** `'bert'`. */
  model_type: string;
  /** e.g. `['BertModel']`. */
  architectures?: string[];
  /** {@link EncoderConfig.vocabSize}. */
  vocab_size: number;
  /** {@link EncoderConfig.dModel}. */
  hidden_size: number;
  /** {@link EncoderConfig.nLayers}. */
  num_hidden_layers: number;
  /** {@link EncoderConfig.nHeads}. */
  num_attention_heads: number;
  /** {@link EncoderConfig.dFF}. */
  intermediate_size: number;
  /** MLP activation; the project's graphs use the exact `'gelu'`. */
  hidden_act: string;
  /** {@link EncoderConfig.maxPositions}. */
  max_position_embeddings: number;
  /** {@link EncoderConfig.typeVocabSize}. */
  type_vocab_size: number;
  /** {@link EncoderConfig.normEps}. */
  layer_norm_eps: number;
  /** {@link EncoderConfig.initStd}. */
  initializer_range: number;
  /** {@link EncoderConfig.padTokenId}. */
  pad_token_id?: number;
  /** `'absolute'` (the only kind the project's graphs support). */
  position_embedding_type?: string;
  [key: string]: unknown;
}

/**
 * The Hugging Face BertModel config.json for an encoder config (dropout off: the project's graphs have none).
 * @example hfBertConfig(bertConfig({ vocabSize: 100, dModel: 32, nLayers: 2, nHeads: 4 })).hidden_size // 32
 */
export function hfBertConfig(c: EncoderConfig): HfBertConfigJson {
  const out: HfBertConfigJson = {
    model_type: 'bert',
    architectures: ['BertModel'],
    vocab_size: c.vocabSize,
    hidden_size: c.dModel,
    num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads,
    intermediate_size: c.dFF,
    hidden_act: 'gelu',
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.normEps,
    initializer_range: c.initStd,
    position_embedding_type: 'absolute',
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    torch_dtype: 'float32',
  };
  if (c.padTokenId !== undefined) out.pad_token_id = c.padTokenId;
  return out;
}

/**
 * Read an encoder config from a Hugging Face BERT config.json object (BERT, MiniLM, BGE, E5 ... checkpoints).
 * @throws {ConfigError} when a field is missing or the model is not a post-LN absolute-position GELU BERT.
 * @example encoderConfigFromHf(JSON.parse(await readFile('all-MiniLM-L6-v2/config.json', 'utf8')))
 */
export function encoderConfigFromHf(json: unknown, source = 'config.json'): EncoderConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new ConfigError(`${source}: expected a JSON object.`);
  const j = json as Record<string, unknown>;
  if (j.model_type !== 'bert') {
    throw new ConfigError(
      `${source}: model_type ${JSON.stringify(j.model_type)} is not 'bert'; the project's encoder graphs implement BERT (incl. MiniLM / BGE / E5). Run other encoders from their ONNX export with LocalEmbedder.fromFolder.`,
    );
  }
  const num = (k: string, fallback?: number): number => {
    const v = j[k] ?? fallback;
    if (typeof v !== 'number')
      throw new ConfigError(`${source}: '${k}' must be a number, got ${JSON.stringify(v)}.`);
    return v;
  };
  const act = j.hidden_act ?? 'gelu';
  if (act !== 'gelu')
    throw new ConfigError(
      `${source}: hidden_act ${JSON.stringify(act)} is not supported (only exact 'gelu').`,
    );
  const pos = j.position_embedding_type ?? 'absolute';
  if (pos !== 'absolute')
    throw new ConfigError(
      `${source}: position_embedding_type ${JSON.stringify(pos)} is not supported (only 'absolute').`,
    );
  const pad = j.pad_token_id;
  return validateEncoderConfig({
    family: 'bert',
    vocabSize: num('vocab_size'),
    dModel: num('hidden_size'),
    nLayers: num('num_hidden_layers'),
    nHeads: num('num_attention_heads'),
    dFF: num('intermediate_size'),
    maxPositions: num('max_position_embeddings'),
    typeVocabSize: num('type_vocab_size', 2),
    normEps: num('layer_norm_eps', 1e-12),
    initStd: num('initializer_range', 0.02),
    ...(typeof pad === 'number' ? { padTokenId: pad } : {}),
  });
}
