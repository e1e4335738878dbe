import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DataLocation,
  decodeModel,
  encodeModel,
  type Feeds,
  loadModel,
  type ModelSignature,
  type SessionOptions,
  Tensor,
} from '@proj/runtime';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { EncoderFolderError } from './errors.js';
import { type EncoderTokenizerFiles, readFolderJson, requireFolder } from './folder.js';

/** Session and batching options every local encoder endpoint (embedder, classifier) takes. */
export interface EncoderRunOptions
  extends Pick<SessionOptions, 'executionProvider' | 'deviceId' | 'intraOpNumThreads' | 'optimizationLevel'> {
  /** Inputs per ONNX Runtime call. Default 32. */
  batchSize?: number;
  /**
   * Longest token sequence (special tokens included); longer inputs are truncated, keeping the special tokens.
   * Default: the model's position table size, capped by the tokenizer's `model_max_length`.
   */
  maxLength?: number;
  /** The endpoint's `id`. Default: the folder name (for models built in memory, a generic name such as 'local-encoder'). */
  id?: string;
}

type ErrorClass = new (message: string) => Error;

/** Throw `Err` unless `v` is undefined or a positive integer. */
export function checkPositiveInt(v: number | undefined, name: string, Err: ErrorClass): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 1))
    throw new Err(`${name} must be a positive integer, got ${v}.`);
}

/** A one-line list of a model's inputs and outputs, for error messages. */
export function describeSignature(sig: ModelSignature): string {
  const fmt = (v: { name: string; dtype: string | null; shape: unknown[] | null }) =>
    `${v.name}: ${v.dtype ?? '?'}[${(v.shape ?? ['?']).join(', ')}]`;
  return `inputs ${sig.inputs.map(fmt).join('; ')}; outputs ${sig.outputs.map(fmt).join('; ')}`;
}

/** The session options among `o` (only those set). */
export function sessionOptionsOf(o: EncoderRunOptions): SessionOptions {
  const s: SessionOptions = {};
  if (o.executionProvider !== undefined) s.executionProvider = o.executionProvider;
  if (o.deviceId !== undefined) s.deviceId = o.deviceId;
  if (o.intraOpNumThreads !== undefined) s.intraOpNumThreads = o.intraOpNumThreads;
  if (o.optimizationLevel !== undefined) s.optimizationLevel = o.optimizationLevel;
  return s;
}

/** `o.maxLength` checked against the position table, else the smaller of the table and the tokenizer's limit. */
export function maxLengthOf(
  o: EncoderRunOptions,
  positions: number | undefined,
  tokenizer: Tokenizer,
  Err: ErrorClass,
): number {
  if (o.maxLength !== undefined) {
    if (positions !== undefined && o.maxLength > positions) {
      throw new Err(
        `maxLength ${o.maxLength} exceeds the model's ${positions} positions; use at most ${positions}.`,
      );
    }
    return o.maxLength;
  }
  const caps = [positions, tokenizer.modelMaxLength].filter((x): x is number => x !== undefined);
  if (caps.length === 0) {
    throw new Err(
      'The model states no maximum length (max_position_embeddings, model_max_length); pass maxLength.',
    );
  }
  return Math.min(...caps);
}

/**
 * The ONNX file of a model folder: `file` when given, else onnx/model.onnx, else model.onnx.
 * @param task Optimum's task name for the export hint in the error (e.g. 'feature-extraction').
 */
export async function findOnnx(dir: string, file: string | undefined, task: string): Promise<string> {
  const candidates = file !== undefined ? [file] : ['onnx/model.onnx', 'model.onnx'];
  for (const c of candidates) {
    const p = join(dir, c);
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  throw new EncoderFolderError(
    `${dir} has no ONNX model (looked for ${candidates.join(', ')}); export one (optimum-cli export onnx --task ${task}) or save the folder with the project's folder writer.`,
  );
}

/** The model's bytes for ONNX Runtime (external data inlined) and its decoded form for the signature. */
export async function readOnnx(
  path: string,
): Promise<{ bytes: Uint8Array; model: ReturnType<typeof decodeModel> }> {
  try {
    const b = await readFile(path);
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    const model = decodeModel(bytes);
    if (!model.graph.initializer.some((t) => t.dataLocation === DataLocation.EXTERNAL))
      return { bytes, model };
    const loaded = await loadModel(path, { inlineExternalData: true });
    return { bytes: encodeModel(loaded.model), model: loaded.model };
  } catch (err) {
    if (err instanceof EncoderFolderError) throw err;
    throw new EncoderFolderError(`Cannot load ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The JSON and tokenizer files of a text-model folder, read and checked. */
export interface TextModelFolder {
  /** config.json's path. */
  configPath: string;
  /** config.json, parsed. */
  configJson: Record<string, unknown>;
  /** The tokenizer of tokenizer.json + tokenizer_config.json. */
  tokenizer: Tokenizer;
  /** The parsed tokenizer files (to save them again). */
  tokenizerFiles: EncoderTokenizerFiles;
  /** A numeric field of config.json, or undefined. */
  num(key: string): number | undefined;
}

/**
 * Open a text-model folder: check that it exists, parse config.json and the tokenizer files.
 * @throws {EncoderFolderError} naming the missing or malformed file.
 */
export async function openTextModelFolder(dir: string): Promise<TextModelFolder> {
  await requireFolder(dir);
  const configJson = await readFolderJson(dir, 'config.json', true);
  const tokenizerJson = await readFolderJson(dir, 'tokenizer.json', true);
  const tokenizerConfig = (await readFolderJson(dir, 'tokenizer_config.json', false)) ?? {};
  const tokenizer = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig, {
    source: join(dir, 'tokenizer.json'),
    configSource: join(dir, 'tokenizer_config.json'),
  });
  return {
    configPath: join(dir, 'config.json'),
    configJson,
    tokenizer,
    tokenizerFiles: { tokenizerJson, tokenizerConfig },
    num: (k) => (typeof configJson[k] === 'number' ? (configJson[k] as number) : undefined),
  };
}

/** Throw unless the tokenizer's ids fit a vocabulary of `vocab` rows (when known). */
export function checkTokenizerFits(dir: string, tokenizer: Tokenizer, vocab: number | undefined): void {
  if (vocab !== undefined && tokenizer.vocabSize > vocab) {
    throw new EncoderFolderError(
      `${dir}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json's vocab size is ${vocab}; the tokenizer does not belong to this model.`,
    );
  }
}

/** How a text encoder's ONNX model is fed: its token-id dtype and whether it takes token_type_ids. */
export interface TextInputs {
  dtype: 'int64' | 'int32';
  tokenTypes: boolean;
}

/**
 * Check that an ONNX model takes what a BERT-like text model takes (input_ids, attention_mask, optional
 * token_type_ids; int64 or int32 ids) and nothing else.
 * @param kind What the model should be, for the messages (e.g. 'text encoder').
 * @param hint How to export a suitable model.
 * @throws {EncoderFolderError} naming the missing or extra inputs, with the model's signature.
 */
export function checkTextInputs(
  sig: ModelSignature,
  onnxPath: string,
  kind: string,
  hint: string,
): TextInputs {
  const names = new Set(sig.inputs.map((i) => i.name));
  for (const need of ['input_ids', 'attention_mask']) {
    if (!names.has(need))
      throw new EncoderFolderError(
        `${onnxPath} has no '${need}' input, so it is not a ${kind} export (${describeSignature(sig)}).`,
      );
  }
  const extra = [...names].filter((n) => !['input_ids', 'attention_mask', 'token_type_ids'].includes(n));
  if (extra.length) {
    throw new EncoderFolderError(
      `${onnxPath} takes inputs a ${kind} is not fed: ${extra.join(', ')} (${describeSignature(sig)}). ${hint}`,
    );
  }
  const ids = sig.inputs.find((i) => i.name === 'input_ids')!;
  if (ids.dtype !== 'int64' && ids.dtype !== 'int32') {
    throw new EncoderFolderError(`${onnxPath}: input_ids must be int64 or int32, got ${ids.dtype}.`);
  }
  return { dtype: ids.dtype, tokenTypes: names.has('token_type_ids') };
}

/** One encoded input of a text model: token ids and (for pairs) segment ids. */
export interface TextRow {
  ids: readonly number[];
  /** Segment ids, one per token (absent: all 0). */
  typeIds?: readonly number[];
}

/**
 * The feeds of one right-padded batch for a BERT-like ONNX model (`input_ids`, `attention_mask`, and
 * `token_type_ids` when it takes them), in the model's id dtype. Also returns the mask, for pooling on the host.
 * @example const { feeds, mask, seq } = textBatchFeeds(rows, padId, { dtype: 'int64', tokenTypes: true });
 */
export function textBatchFeeds(
  rows: readonly TextRow[],
  padId: number,
  inputs: TextInputs,
): { feeds: Feeds; mask: Int32Array; seq: number } {
  const b = rows.length;
  const s = Math.max(1, ...rows.map((r) => r.ids.length));
  const ids = new Int32Array(b * s).fill(padId);
  const mask = new Int32Array(b * s);
  const types = new Int32Array(b * s);
  rows.forEach((row, i) => {
    ids.set(row.ids, i * s);
    if (row.typeIds) types.set(row.typeIds, i * s);
    mask.fill(1, i * s, i * s + row.ids.length);
  });
  const tensor = (v: Int32Array) =>
    inputs.dtype === 'int64'
      ? new Tensor('int64', BigInt64Array.from(v, BigInt), [b, s])
      : new Tensor('int32', v, [b, s]);
  const feeds: Feeds = { input_ids: tensor(ids), attention_mask: tensor(mask) };
  if (inputs.tokenTypes) feeds.token_type_ids = tensor(types);
  return { feeds, mask, seq: s };
}
