import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { encodeModel, encodeSafetensors, loadSafetensors, type Tensor, toModel } from '@proj/runtime';
import { ConfigError } from '../decoder/config.js';
import { writeFolderAtomic } from '../folder/fs.js';
import { ParameterError, ParameterStore } from '../nn/params.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { type EncoderConfig, encoderConfigFromHf, hfBertConfig, validateEncoderConfig } from './config.js';
import { EncoderFolderError } from './errors.js';
import { buildEncoderGraph } from './graph.js';

/**
 * config.json key holding the project's own {@link EncoderConfig} (the rest of the file is HF BertConfig).
 * @example const config = JSON.parse(text)[PROJ_ENCODER_KEY] as EncoderConfig | undefined;
 */
export const PROJ_ENCODER_KEY = 'proj_encoder';

/** The parsed tokenizer.json and tokenizer_config.json of a folder (what the tokenizer builders return). */
export interface EncoderTokenizerFiles {
  /** tokenizer.json. */
  tokenizerJson: object;
  /** tokenizer_config.json. */
  tokenizerConfig: object;
}

/**
 * Name and shape of every weight of an encoder (Hugging Face BertModel names, linear weights `[out, in]`).
 * @example encoderParameterShapes(config).get('embeddings.word_embeddings.weight') // [vocabSize, dModel]
 */
export function encoderParameterShapes(config: EncoderConfig): Map<string, number[]> {
  const { dModel: d, dFF: ff } = config;
  const out = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [config.vocabSize, d]],
    ['embeddings.position_embeddings.weight', [config.maxPositions, d]],
  ]);
  if (config.typeVocabSize > 0) out.set('embeddings.token_type_embeddings.weight', [config.typeVocabSize, d]);
  const ln = (p: string) => {
    out.set(`${p}.weight`, [d]);
    out.set(`${p}.bias`, [d]);
  };
  const lin = (p: string, inF: number, outF: number) => {
    out.set(`${p}.weight`, [outF, inF]);
    out.set(`${p}.bias`, [outF]);
  };
  ln('embeddings.LayerNorm');
  for (let l = 0; l < config.nLayers; l++) {
    const p = `encoder.layer.${l}`;
    for (const k of ['query', 'key', 'value']) lin(`${p}.attention.self.${k}`, d, d);
    lin(`${p}.attention.output.dense`, d, d);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, d, ff);
    lin(`${p}.output.dense`, ff, d);
    ln(`${p}.output.LayerNorm`);
  }
  return out;
}

/**
 * Check that `tensors` hold every weight of `shapes` (e.g. {@link encoderParameterShapes}) with that shape, in
 * float32; `what` names the source in errors.
 * @throws {EncoderFolderError} listing the missing and misshaped weights.
 */
export function checkWeights(
  shapes: ReadonlyMap<string, readonly number[]>,
  tensors: ReadonlyMap<string, Tensor>,
  what: string,
): void {
  const problems: string[] = [];
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t) problems.push(`missing '${name}' [${shape.join(', ')}]`);
    else if (t.dtype !== 'float32') problems.push(`'${name}' is ${t.dtype}, expected float32`);
    else if (t.shape.length !== shape.length || t.shape.some((x, i) => x !== shape[i])) {
      problems.push(`'${name}' has shape [${t.shape.join(', ')}], config says [${shape.join(', ')}]`);
    }
  }
  if (problems.length) {
    const shown =
      problems.slice(0, 8).join('; ') + (problems.length > 8 ? `; and ${problems.length - 8} more` : '');
    throw new EncoderFolderError(`${what} do not match the model config: ${shown}.`);
  }
}

/** Options of {@link saveEncoderFolder}. */
export interface SaveEncoderFolderOptions {
  /** The encoder's config (validated first). */
  config: EncoderConfig;
  /**
   * The weights: a store (weights it lacks are created with its seeded initialisation, e.g. for an untrained
   * baseline), or a complete name -> tensor map (e.g. `trainStep.params()` of an InfoNCE training step).
   */
  weights: ParameterStore | ReadonlyMap<string, Tensor>;
  /** tokenizer.json + tokenizer_config.json (e.g. from a tokenizer builder, or {@link loadEncoderFolder}). */
  tokenizer: EncoderTokenizerFiles;
  /** Replace `dir` when it exists (swapped in by rename, so readers never see a half-written folder). Default false. */
  overwrite?: boolean;
}

/**
 * Write an encoder model folder in the Hugging Face layout: config.json (BertConfig fields + the project's
 * config under `proj_encoder`), tokenizer.json, tokenizer_config.json, model.safetensors (BertModel names) and
 * onnx/model.onnx (the {@link buildEncoderGraph} graph: `input_ids`, `attention_mask` -> `last_hidden_state`,
 * `sentence_embedding`). Everything is written into a temporary sibling folder that is then renamed to `dir`,
 * so `dir` is either absent, the old folder, or the complete new one.
 *
 * @throws {EncoderFolderError} when weights are missing (from a map) or misshaped, the tokenizer does not fit the
 *   vocabulary, or `dir` exists without `overwrite`.
 * @example
 * ```ts
 * await saveEncoderFolder('models/tiny-embedder', { config, weights: step.params(), tokenizer: files });
 * const emb = await LocalEmbedder.fromFolder('models/tiny-embedder');
 * ```
 */
export async function saveEncoderFolder(dir: string, options: SaveEncoderFolderOptions): Promise<void> {
  const config = validateEncoderConfig(options.config);
  const tokenizer = Tokenizer.fromJSON(options.tokenizer.tokenizerJson, options.tokenizer.tokenizerConfig);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new EncoderFolderError(
      `The tokenizer has ${tokenizer.vocabSize} tokens but config.vocabSize is ${config.vocabSize}: ids past the embedding table would fail; raise vocabSize.`,
    );
  }
  // A store creates the weights it lacks (seeded, as any graph built from it would); a plain map must be complete.
  const source = options.weights;
  let built: ReturnType<typeof buildEncoderGraph> | undefined;
  if (source instanceof ParameterStore) {
    try {
      built = buildEncoderGraph(config, source);
    } catch (err) {
      if (err instanceof ParameterError)
        throw new EncoderFolderError(`The weights do not match the encoder config: ${err.message}`, {
          cause: err,
        });
      throw err;
    }
  }
  const tensors = source instanceof ParameterStore ? source.tensors() : new Map(source);
  checkWeights(encoderParameterShapes(config), tensors, 'The weights');
  const target = resolve(dir);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.overwrite) {
    throw new EncoderFolderError(
      `${target} already exists; pass overwrite: true to replace it, or pick another folder.`,
    );
  }
  const onnx = encodeModel(toModel((built ?? buildEncoderGraph(config, new ParameterStore({ tensors }))).g));
  const weights = new Map(
    [...encoderParameterShapes(config).keys()].map((k) => [k, tensors.get(k) as Tensor]),
  );
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFolderAtomic(target, async (tmp) => {
    await mkdir(join(tmp, 'onnx'));
    await writeFile(join(tmp, 'config.json'), json({ ...hfBertConfig(config), [PROJ_ENCODER_KEY]: config }));
    await writeFile(join(tmp, 'tokenizer.json'), json(options.tokenizer.tokenizerJson));
    await writeFile(join(tmp, 'tokenizer_config.json'), json(options.tokenizer.tokenizerConfig));
    // format 'pt': transformers refuses safetensors files whose metadata names another framework
    await writeFile(join(tmp, 'model.safetensors'), encodeSafetensors(weights, { format: 'pt' }));
    await writeFile(join(tmp, 'onnx', 'model.onnx'), onnx);
  });
}

/**
 * Read and parse a JSON file of a model folder.
 * @throws {EncoderFolderError} naming the file when it is missing (and required), unreadable or not a JSON object.
 * @example const config = await readFolderJson('models/tiny-bert', 'config.json', true);
 */
export async function readFolderJson(
  dir: string,
  file: string,
  required: true,
): Promise<Record<string, unknown>>;
/** Read and parse an optional JSON file of a model folder: undefined when it does not exist. */
export async function readFolderJson(
  dir: string,
  file: string,
  required: false,
): Promise<Record<string, unknown> | undefined>;
export async function readFolderJson(
  dir: string,
  file: string,
  required: boolean,
): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!required) return undefined;
      throw new EncoderFolderError(
        `${dir} has no ${file}; a model folder needs config.json, tokenizer.json and the weights (model.safetensors or onnx/model.onnx).`,
      );
    }
    throw new EncoderFolderError(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EncoderFolderError(
      `${path} is not valid JSON (${(err as Error).message}); re-export the folder.`,
      { cause: err },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EncoderFolderError(`${path} must hold a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/** Check that `dir` is an existing folder. */
export async function requireFolder(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new EncoderFolderError(`Model folder ${dir} does not exist.`);
  if (!s.isDirectory())
    throw new EncoderFolderError(`${dir} is a file; pass the model folder that holds config.json.`);
}

/** The encoder config of a folder's config.json: the project's own (`proj_encoder`) or read from BertConfig fields. */
export function folderEncoderConfig(configJson: Record<string, unknown>, source: string): EncoderConfig {
  try {
    const own = configJson[PROJ_ENCODER_KEY];
    return own !== undefined
      ? validateEncoderConfig(own as EncoderConfig)
      : encoderConfigFromHf(configJson, source);
  } catch (err) {
    if (err instanceof ConfigError) throw new EncoderFolderError(`${source}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** What {@link loadEncoderFolder} returns. */
export interface LoadedEncoderFolder {
  /** The encoder config (the project's own, or read from BertConfig fields). */
  config: EncoderConfig;
  /** The weights (BertModel names; a `bert.` prefix and pooler / head weights of HF checkpoints are dropped). */
  store: ParameterStore;
  /** The folder's tokenizer. */
  tokenizer: Tokenizer;
  /** The parsed tokenizer files, to save them again with {@link saveEncoderFolder}. */
  tokenizerFiles: EncoderTokenizerFiles;
}

/**
 * Load an encoder folder's config, weights and tokenizer for building graphs (fine-tuning with InfoNCE,
 * inspecting weights): the project's own folders and Hugging Face BERT folders with a model.safetensors
 * (BERT, MiniLM, BGE, E5 ... checkpoints; a `bert.` name prefix is stripped).
 *
 * @throws {EncoderFolderError} naming the missing file, or the weights that do not match config.json.
 * @example
 * ```ts
 * const { config, store, tokenizer, tokenizerFiles } = await loadEncoderFolder('models/all-MiniLM-L6-v2');
 * const t = buildInfoNceGraph(config, store, { temperature: 0.05 });
 * ```
 */
export async function loadEncoderFolder(dir: string): Promise<LoadedEncoderFolder> {
  await requireFolder(dir);
  const configJson = await readFolderJson(dir, 'config.json', true);
  const config = folderEncoderConfig(configJson, join(dir, 'config.json'));
  const tokenizerJson = await readFolderJson(dir, 'tokenizer.json', true);
  const tokenizerConfig = (await readFolderJson(dir, 'tokenizer_config.json', false)) ?? {};
  const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig, {
    source: join(dir, 'tokenizer.json'),
    configSource: join(dir, 'tokenizer_config.json'),
  });
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new EncoderFolderError(
      `${dir}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json's vocab size is ${config.vocabSize}; the tokenizer does not belong to this model.`,
    );
  }
  const weightsPath = join(dir, 'model.safetensors');
  const exists = await stat(weightsPath).then(
    () => true,
    () => false,
  );
  if (!exists) {
    throw new EncoderFolderError(
      `${dir} has no model.safetensors (the weights graphs are built from); folders with only an ONNX model can embed through LocalEmbedder.fromFolder but not be trained.`,
    );
  }
  const raw = (await loadSafetensors(weightsPath)).tensors;
  const tensors = new Map<string, Tensor>();
  const wanted = encoderParameterShapes(config);
  for (const [k, v] of raw) {
    const name = k.startsWith('bert.') ? k.slice(5) : k;
    if (wanted.has(name)) tensors.set(name, v);
  }
  checkWeights(wanted, tensors, `The weights in ${weightsPath}`);
  return {
    config,
    store: new ParameterStore({ tensors }),
    tokenizer,
    tokenizerFiles: { tokenizerJson, tokenizerConfig },
  };
}
