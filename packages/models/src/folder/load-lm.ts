import { join } from 'node:path';
import { type CompileOptions, compile } from '@proj/runtime';
import { buildDecoderGraph } from '../decoder/graph.js';
import { LocalLanguageModel, type LocalLanguageModelOptions } from '../generation/local-lm.js';
import { OnnxDecoderRunner } from '../generation/runner.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { ModelFolderError } from './errors.js';
import { exists, readJsonFile } from './fs.js';
import { isProjDecoderFolder, loadDecoderFolder } from './decoder-folder.js';

/** ONNX files tried in order for exported decoders (transformers.js layout first, then optimum-cli's). */
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
  /** For exported folders: the ONNX file to use, relative to the folder (default: the first candidate found). */
  onnxFile?: string;
}

/**
 * Open a model folder in the Hugging Face layout as a {@link LocalLanguageModel}:
 * - a folder written by `saveDecoderFolder` (config.json with a `proj` section, model.safetensors), rebuilt
 *   from its weights;
 * - an Optimum / transformers.js export (config.json, tokenizer.json, onnx/model.onnx or optimum-cli's
 *   decoder_model_merged.onnx / decoder_with_past_model.onnx / decoder_model.onnx) in the Optimum IO
 *   convention; models without past inputs are run by recomputing the sequence.
 * @throws {ModelFolderError} naming the missing or malformed file.
 * @example
 * ```ts
 * const lm = await loadLanguageModel('models/tiny-gpt');
 * const out = await lm.generate(['Once upon a time'], { maxNewTokens: 32, temperature: 0.8, seed: 1 });
 * ```
 */
export async function loadLanguageModel(dir: string, options: LoadLanguageModelOptions = {}): Promise<LocalLanguageModel> {
  if (!(await exists(dir))) throw new ModelFolderError(`model folder ${dir} does not exist.`);
  const id = options.id ?? dir;
  if (await isProjDecoderFolder(dir)) {
    const { config, store, tokenizer } = await loadDecoderFolder(dir);
    const fn = await compile(buildDecoderGraph(config, store, { kvCache: true }).g, options.session);
    return new LocalLanguageModel(new OnnxDecoderRunner(fn, config.vocabSize, id), tokenizer, {
      maxPositions: config.maxPositions,
      ...options,
      id,
    });
  }
  const cfgPath = join(dir, 'config.json');
  if (!(await exists(cfgPath))) throw new ModelFolderError(`${dir} has no config.json; is it a model folder?`);
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
  const vocabSize = typeof cfg.vocab_size === 'number' ? cfg.vocab_size : typeof fromOutput === 'number' ? fromOutput : undefined;
  if (vocabSize === undefined) throw new ModelFolderError(`${cfgPath} has no vocab_size and the logits output has no static vocabulary size.`);
  const maxPositions = (cfg.max_position_embeddings ?? cfg.n_positions) as number | undefined;
  let runner: OnnxDecoderRunner;
  try {
    runner = new OnnxDecoderRunner(fn, vocabSize, id);
  } catch (e) {
    await fn.dispose();
    throw new ModelFolderError(`${join(dir, onnxFile)}: ${(e as Error).message}`);
  }
  return new LocalLanguageModel(runner, tokenizer, { maxPositions, ...options, id });
}
