import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CompileOptions, compile } from '@proj/runtime';
import { ChatTemplate } from '../generation/chat-template.js';
import { LocalLanguageModel, type LocalLanguageModelOptions } from '../generation/local-lm.js';
import { OnnxDecoderRunner } from '../generation/runner.js';
import { StaticCacheRunner } from '../generation/static-cache.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { isProjDecoderFolder, loadDecoderFolder } from './decoder-folder.js';
import { ModelFolderError } from './errors.js';
import { exists, readJsonFile } from './fs.js';

/**
 * ONNX files tried in order for exported decoders (transformers.js layout first, then optimum-cli's).
 * @example const found = DECODER_ONNX_CANDIDATES.find((f) => existsSync(join(dir, f)));
 */
export const DECODER_ONNX_CANDIDATES = [
  'onnx/model.onnx',
  'onnx/decoder_model_merged.onnx',
  'model.onnx',
  'decoder_model_merged.onnx',
  'onnx/decoder_with_past_model.onnx',
  'decoder_with_past_model.onnx',
  'onnx/decoder_model.onnx',
  'decoder_model.onnx',
];

/** Options of {@link loadLanguageModel}. */
export interface LoadLanguageModelOptions extends LocalLanguageModelOptions {
  /** ONNX Runtime session options (threads, execution provider). */
  session?: CompileOptions;
  /**
   * The ONNX file to run, relative to the folder (exported folders: default the first candidate found). Given for
   * a project folder, its exported Optimum-IO file (e.g. 'onnx/model.onnx') is run instead of the weights.
   */
  onnxFile?: string;
  /** Which of several named chat templates to use (default 'default'). */
  chatTemplateName?: string;
}

/**
 * The folder's chat template: tokenizer_config.json's `chat_template`, else a chat_template.jinja file (newer
 * transformers saves it there), else chat_template.json's `chat_template`. Undefined when there is none.
 * @throws {ModelFolderError} naming the file when the template value is malformed.
 * @example const template = await readChatTemplate('models/tiny-chat');
 */
export async function readChatTemplate(dir: string, name?: string): Promise<string | undefined> {
  const select = (value: unknown, file: string) => {
    try {
      return ChatTemplate.select(value, name);
    } catch (e) {
      throw new ModelFolderError(`${file}: ${(e as Error).message}`);
    }
  };
  const tokCfg = join(dir, 'tokenizer_config.json');
  if (await exists(tokCfg)) {
    const t = select(
      (await readJsonFile<{ chat_template?: unknown }>(tokCfg, 'model folder')).chat_template,
      tokCfg,
    );
    if (t !== undefined) return t;
  }
  const jinja = join(dir, 'chat_template.jinja');
  if (await exists(jinja)) return readFile(jinja, 'utf8');
  const json = join(dir, 'chat_template.json');
  if (await exists(json))
    return select(
      (await readJsonFile<{ chat_template?: unknown }>(json, 'model folder')).chat_template,
      json,
    );
  return undefined;
}

/**
 * End-of-sequence ids of a folder: generation_config.json's `eos_token_id` (a number or a list), else
 * config.json's, plus the tokenizer's EOS token. Empty when none is declared.
 * @example const eos = await readEosTokenIds('models/tiny-gpt2', tokenizer);
 */
export async function readEosTokenIds(dir: string, tokenizer: Tokenizer): Promise<number[]> {
  const ids = new Set<number>();
  const add = (v: unknown) => {
    for (const x of Array.isArray(v) ? v : [v]) if (Number.isInteger(x) && x >= 0) ids.add(x);
  };
  const gen = join(dir, 'generation_config.json');
  const fromGen = (await exists(gen))
    ? (await readJsonFile<{ eos_token_id?: unknown }>(gen, 'model folder')).eos_token_id
    : undefined;
  if (fromGen !== undefined && fromGen !== null) add(fromGen);
  else {
    const cfg = join(dir, 'config.json');
    if (await exists(cfg))
      add((await readJsonFile<{ eos_token_id?: unknown }>(cfg, 'model folder')).eos_token_id);
  }
  if (tokenizer.eosTokenId !== undefined) ids.add(tokenizer.eosTokenId);
  return [...ids];
}

/**
 * Open a model folder in the Hugging Face layout as a {@link LocalLanguageModel}:
 * - a folder written by `saveDecoderFolder` (config.json with a `proj` section, model.safetensors), rebuilt
 *   from its weights as a static-KV-cache graph (see {@link StaticCacheRunner}), or run from its exported ONNX
 *   file when `onnxFile` is given;
 * - an Optimum / transformers.js export (config.json, tokenizer.json, onnx/model.onnx or optimum-cli's
 *   decoder_model_merged.onnx / decoder_with_past_model.onnx / decoder_model.onnx) in the Optimum IO
 *   convention; models without past inputs are run by recomputing the sequence.
 * Either way the tokenizer_config.json chat template (if any) renders chat prompts, and generation_config.json's
 * EOS ids end sequences.
 * @throws {ModelFolderError} naming the missing or malformed file.
 * @example
 * ```ts
 * const lm = await loadLanguageModel('models/tiny-gpt');
 * const out = await lm.generate(['Once upon a time'], { maxNewTokens: 32, temperature: 0.8, seed: 1 });
 * ```
 */
export async function loadLanguageModel(
  dir: string,
  options: LoadLanguageModelOptions = {},
): Promise<LocalLanguageModel> {
  if (!(await exists(dir))) throw new ModelFolderError(`model folder ${dir} does not exist.`);
  const id = options.id ?? dir;
  const folderOptions = async (tokenizer: Tokenizer): Promise<LocalLanguageModelOptions> => ({
    chatTemplate: await readChatTemplate(dir, options.chatTemplateName),
    eosTokenIds: await readEosTokenIds(dir, tokenizer),
  });
  if (options.onnxFile === undefined && (await isProjDecoderFolder(dir))) {
    const { config, store, tokenizer } = await loadDecoderFolder(dir);
    // Generation and scoring run the static-cache graph (same weights and math as onnx/model.onnx, which is kept
    // for other tools): it never copies the KV cache in or out of ONNX Runtime.
    const runner = await StaticCacheRunner.create(config, store, options.session, id);
    return new LocalLanguageModel(runner, tokenizer, {
      maxPositions: config.maxPositions,
      ...(await folderOptions(tokenizer)),
      ...options,
      id,
    });
  }
  const cfgPath = join(dir, 'config.json');
  if (!(await exists(cfgPath)))
    throw new ModelFolderError(`${dir} has no config.json; is it a model folder?`);
  const cfg = await readJsonFile<Record<string, unknown>>(cfgPath, 'model folder');
  let onnxFile = options.onnxFile;
  if (onnxFile === undefined) {
    for (const c of DECODER_ONNX_CANDIDATES) {
      if (await exists(join(dir, c))) {
        onnxFile = c;
        break;
      }
    }
  }
  if (onnxFile === undefined || !(await exists(join(dir, onnxFile)))) {
    throw new ModelFolderError(
      `${dir} has no decoder ONNX file (looked for ${DECODER_ONNX_CANDIDATES.join(', ')}); export the model with Optimum (optimum-cli export onnx --task text-generation-with-past) or pass onnxFile.`,
    );
  }
  const tokPath = join(dir, 'tokenizer.json');
  if (!(await exists(tokPath))) throw new ModelFolderError(`${dir} has no tokenizer.json.`);
  const tokenizer = await Tokenizer.fromFile(tokPath);
  let fn: Awaited<ReturnType<typeof compile>>;
  try {
    fn = await compile(join(dir, onnxFile), options.session);
  } catch (e) {
    throw new ModelFolderError(`${join(dir, onnxFile)}: ${(e as Error).message}`);
  }
  const logits = fn.outputs.find((o) => o.name === 'logits');
  const fromOutput = logits?.shape?.at(-1);
  const vocabSize =
    typeof cfg.vocab_size === 'number'
      ? cfg.vocab_size
      : typeof fromOutput === 'number'
        ? fromOutput
        : undefined;
  if (vocabSize === undefined)
    throw new ModelFolderError(
      `${cfgPath} has no vocab_size and the logits output has no static vocabulary size.`,
    );
  const maxPositions = (cfg.max_position_embeddings ?? cfg.n_positions) as number | undefined;
  let runner: OnnxDecoderRunner;
  try {
    runner = new OnnxDecoderRunner(fn, vocabSize, id);
  } catch (e) {
    await fn.dispose();
    throw new ModelFolderError(`${join(dir, onnxFile)}: ${(e as Error).message}`);
  }
  return new LocalLanguageModel(runner, tokenizer, {
    maxPositions,
    ...(await folderOptions(tokenizer)),
    ...options,
    id,
  });
}
