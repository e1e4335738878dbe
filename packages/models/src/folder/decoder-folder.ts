import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeModel, loadSafetensors, saveSafetensors, toModel } from '@proj/runtime';
import { type DecoderConfig, validateConfig } from '../decoder/config.js';
import { buildDecoderGraph } from '../decoder/graph.js';
import { ParameterStore } from '../nn/params.js';
import { type TokenizerFiles, writeTokenizerFiles } from '../tokenizer/files.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { ModelFolderError } from './errors.js';
import { exists, readJsonFile, writeFolderAtomic } from './fs.js';

/**
 * Marks a config.json written by @proj/models (its `proj.format`).
 * @example JSON.parse(text).proj?.format === PROJ_DECODER_FORMAT
 */
export const PROJ_DECODER_FORMAT = 'proj-decoder';

/**
 * The Hugging Face-style config.json of a project decoder: the generic HF keys, the family's own keys that
 * transformers (Python) and transformers.js read for model_type 'gpt2' (n_embd, n_head, n_layer, n_positions, ...)
 * or 'llama' (num_key_value_heads, rms_norm_eps, rope_theta, ...), `use_cache`, and the exact project config under
 * `proj`. transformers.js needs the family keys to name and shape the empty KV cache of the first step.
 * @example decoderConfigJson(gpt2Config({ vocabSize: 256, dModel: 64, nLayers: 2, nHeads: 4 })).n_head === 4
 */
export function decoderConfigJson(config: DecoderConfig): Record<string, unknown> {
  const family: Record<string, unknown> =
    config.family === 'gpt2'
      ? {
          n_embd: config.dModel,
          n_head: config.nHeads,
          n_layer: config.nLayers,
          n_positions: config.maxPositions,
          n_ctx: config.maxPositions,
          n_inner: config.dFF,
          // GPT-2's own checkpoints use gelu_new (tanh); the project's GELU is the exact (erf) one, HF's 'gelu'.
          activation_function: config.mlp === 'gelu' ? 'gelu' : 'silu',
          layer_norm_epsilon: config.normEps,
        }
      : {
          head_dim: config.dModel / config.nHeads,
          hidden_act: config.mlp === 'swiglu' ? 'silu' : 'gelu',
          rms_norm_eps: config.normEps,
          rope_theta: config.ropeTheta,
          attention_bias: config.bias,
          mlp_bias: config.bias,
        };
  return {
    architectures: ['ProjDecoderForCausalLM'],
    model_type: config.family,
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nKvHeads,
    intermediate_size: config.dFF,
    max_position_embeddings: config.maxPositions,
    ...family,
    bos_token_id: config.bosTokenId ?? null,
    eos_token_id: config.eosTokenId ?? null,
    pad_token_id: config.padTokenId ?? null,
    tie_word_embeddings: config.tieEmbeddings,
    use_cache: true,
    torch_dtype: 'float32',
    proj: { format: PROJ_DECODER_FORMAT, version: 1, config },
  };
}

/**
 * generation_config.json of a project decoder: its special token ids (what generation tools read to stop and pad).
 * @example generationConfigJson(gpt2Config({ vocabSize: 259, dModel: 64, nLayers: 2, nHeads: 4, eosTokenId: 258 })).eos_token_id === 258
 */
export function generationConfigJson(config: DecoderConfig): Record<string, unknown> {
  return {
    _from_model_config: true,
    bos_token_id: config.bosTokenId ?? null,
    eos_token_id: config.eosTokenId ?? null,
    pad_token_id: config.padTokenId ?? null,
  };
}

/** What {@link saveDecoderFolder} writes. */
export interface DecoderFolderContents {
  /** The model's config (validated before anything is written). */
  config: DecoderConfig;
  /** Its weights; ones it lacks are created with the store's seeded initialisation. */
  store: ParameterStore;
  /** tokenizer.json + tokenizer_config.json (e.g. `ByteTokenizer.files()`). */
  tokenizer: TokenizerFiles;
}

/**
 * Write a project decoder as a Hugging Face-layout folder: config.json, generation_config.json, tokenizer.json,
 * tokenizer_config.json, model.safetensors, and onnx/model.onnx (the KV-cache inference graph in the Optimum IO convention, so ONNX
 * tools and transformers.js-style loaders can run it). The folder is replaced atomically.
 * @example await saveDecoderFolder('models/tiny-gpt', { config, store, tokenizer: ByteTokenizer.files() })
 */
export async function saveDecoderFolder(dir: string, contents: DecoderFolderContents): Promise<void> {
  const config = validateConfig(contents.config);
  // Building the graph checks every weight's shape against the config before anything is written.
  // Optimum's dim names ('batch_size', 'past_sequence_length'): transformers.js sizes the empty first-step cache by them.
  const { g } = buildDecoderGraph(config, contents.store, { kvCache: true, batch: 'batch_size' });
  const onnxBytes = encodeModel(toModel(g, { docString: `@proj/models ${config.family} decoder` }));
  await writeFolderAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, 'config.json'), `${JSON.stringify(decoderConfigJson(config), null, 2)}\n`);
    await writeFile(
      join(tmp, 'generation_config.json'),
      `${JSON.stringify(generationConfigJson(config), null, 2)}\n`,
    );
    await writeTokenizerFiles(tmp, contents.tokenizer);
    await saveSafetensors(join(tmp, 'model.safetensors'), contents.store.tensors(), { format: 'pt' });
    await mkdir(join(tmp, 'onnx'));
    await writeFile(join(tmp, 'onnx', 'model.onnx'), onnxBytes);
  });
}

/**
 * Whether a folder's config.json was written by @proj/models (not an external export).
 * @example if (await isProjDecoderFolder(dir)) { const { config, store } = await loadDecoderFolder(dir); }
 */
export async function isProjDecoderFolder(dir: string): Promise<boolean> {
  const path = join(dir, 'config.json');
  if (!(await exists(path))) return false;
  const cfg = await readJsonFile<{ proj?: { format?: string } }>(path, 'model folder');
  return cfg.proj?.format === PROJ_DECODER_FORMAT;
}

/**
 * Load a project decoder folder: its config, weights and tokenizer.
 * @throws {ModelFolderError} for a missing file, a foreign config, or weights that do not fit the config.
 * @example
 * ```ts
 * const { config, store, tokenizer } = await loadDecoderFolder('models/tiny-gpt');
 * const t = buildLmTrainingGraph(config, store, { batch: 8, seq: 64 }); // fine-tune it
 * ```
 */
export async function loadDecoderFolder(dir: string): Promise<{
  /** The exact config (config.json's `proj.config`). */
  config: DecoderConfig;
  /** The weights of model.safetensors. */
  store: ParameterStore;
  /** The folder's tokenizer.json (+ tokenizer_config.json). */
  tokenizer: Tokenizer;
}> {
  const cfgPath = join(dir, 'config.json');
  if (!(await exists(cfgPath)))
    throw new ModelFolderError(`${dir} has no config.json; is it a model folder?`);
  const raw = await readJsonFile<{ proj?: { format?: string; config?: DecoderConfig } }>(
    cfgPath,
    'model folder',
  );
  if (raw.proj?.format !== PROJ_DECODER_FORMAT || !raw.proj.config) {
    throw new ModelFolderError(
      `${cfgPath} was not written by @proj/models; open exported models with loadLanguageModel.`,
    );
  }
  let config: DecoderConfig;
  try {
    config = validateConfig(raw.proj.config);
  } catch (e) {
    throw new ModelFolderError(`${cfgPath}: ${(e as Error).message}`);
  }
  const weights = join(dir, 'model.safetensors');
  if (!(await exists(weights))) throw new ModelFolderError(`${dir} has no model.safetensors.`);
  const { tensors } = await loadSafetensors(weights);
  if (tensors.size === 0) throw new ModelFolderError(`${weights} holds no tensors.`);
  const store = new ParameterStore({ tensors });
  try {
    buildDecoderGraph(config, store); // checks every weight's shape
  } catch (e) {
    throw new ModelFolderError(`${weights} does not fit config.json: ${(e as Error).message}`);
  }
  // The store creates (random) weights for names it lacks: any new name means the file was missing it.
  const missing = [...store.tensors().keys()].filter((k) => !tensors.has(k));
  if (missing.length) {
    throw new ModelFolderError(
      `${weights} lacks ${missing.length} weight(s) the config needs (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}); the file is incomplete or belongs to another config.`,
    );
  }
  const tokPath = join(dir, 'tokenizer.json');
  if (!(await exists(tokPath))) throw new ModelFolderError(`${dir} has no tokenizer.json.`);
  return { config, store, tokenizer: await Tokenizer.fromFile(tokPath) };
}
