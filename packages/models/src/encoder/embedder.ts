import { basename, resolve } from 'node:path';
import { type CompiledGraph, compile, modelSignature } from '@proj/runtime';
import type { Embedder } from '../interfaces.js';
import type { ParameterStore } from '../nn/params.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { type EncoderConfig, validateEncoderConfig } from './config.js';
import { EmbedderError, EncoderFolderError } from './errors.js';
import { folderEncoderConfig, PROJ_ENCODER_KEY } from './folder.js';
import { buildEncoderGraph } from './graph.js';
import {
  checkPositiveInt,
  checkTextInputs,
  checkTokenizerFits,
  describeSignature,
  type EncoderRunOptions,
  findOnnx,
  maxLengthOf,
  openTextModelFolder,
  readOnnx,
  sessionOptionsOf,
  type TextInputs,
  textBatchFeeds,
} from './onnx-folder.js';
import { meanPoolNormalize, normalizeRow } from './pooling.js';

/** Options of {@link LocalEmbedder}. */
export interface LocalEmbedderOptions extends EncoderRunOptions {
  /**
   * Batch texts of similar token length together (within windows of 16 batches; the input order is restored), so
   * short texts are not padded to the longest text of the call. Default true.
   */
  sortByLength?: boolean;
}

/** Options of {@link LocalEmbedder.fromFolder}. */
export interface LocalEmbedderFolderOptions extends LocalEmbedderOptions {
  /** ONNX file inside the folder. Default: onnx/model.onnx, else model.onnx. */
  onnxFile?: string;
}

/** How one ONNX model is fed and read. */
interface Runner {
  fn: CompiledGraph;
  inputs: TextInputs;
  output: string;
  /** The output is already one vector per text (else token states to mean-pool). */
  pooled: boolean;
}

const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];
/** Batches per tokenise-and-sort window of an embed() call. */
const WINDOW_BATCHES = 16;
const POOLED_OUTPUTS = ['sentence_embedding'];

/**
 * An {@link Embedder} running a BERT-like encoder locally with ONNX Runtime: the project's own encoders (in
 * memory, or folders written by {@link saveEncoderFolder}) and Optimum-exported Hugging Face encoder folders
 * (BERT, MiniLM, BGE, E5 ...: onnx/model.onnx taking input_ids, attention_mask (, token_type_ids) and returning
 * last_hidden_state). Texts are tokenised, truncated to `maxLength`, grouped by length into batches of
 * `batchSize`, right-padded, and embedded with masked mean pooling + L2 normalisation (inside the graph for the
 * project's models, on the host for token-state exports). Vectors come back in input order, each of L2 norm 1.
 *
 * @example
 * ```ts
 * const emb = await LocalEmbedder.fromFolder('models/all-MiniLM-L6-v2', { batchSize: 64 });
 * const [a, b] = await emb.embed(['a cat', 'a kitten']);
 * let cos = 0; for (let i = 0; i < emb.dimension; i++) cos += a[i] * b[i];
 * await emb.dispose();
 * ```
 */
export class LocalEmbedder implements Embedder {
  /** `options.id`, else the folder name (or 'local-encoder'). */
  readonly id: string;
  /** Length of every vector (the model's hidden size). */
  readonly dimension: number;
  /** Longest token sequence a text is cut to. */
  readonly maxLength: number;
  /** Texts per ONNX Runtime call. */
  readonly batchSize: number;
  /** The tokenizer texts are encoded with. */
  readonly tokenizer: Tokenizer;
  private readonly sortByLength: boolean;
  private readonly padId: number;

  private constructor(
    private readonly runner: Runner,
    tokenizer: Tokenizer,
    info: { id: string; dimension: number; maxLength: number; padId: number },
    options: LocalEmbedderOptions,
  ) {
    this.tokenizer = tokenizer;
    this.id = info.id;
    this.dimension = info.dimension;
    this.maxLength = info.maxLength;
    this.batchSize = options.batchSize ?? 32;
    this.sortByLength = options.sortByLength ?? true;
    this.padId = info.padId;
  }

  /**
   * An embedder over an encoder held in memory (e.g. just trained): builds the {@link buildEncoderGraph} graph
   * from `config` and the weights in `store` and compiles it.
   * @throws {EmbedderError} for bad options; {@link ConfigError} for a bad config.
   * @example
   * ```ts
   * const emb = await LocalEmbedder.create(config, new ParameterStore({ tensors: step.params() }), tokenizer);
   * ```
   */
  static async create(
    config: EncoderConfig,
    store: ParameterStore,
    tokenizer: Tokenizer,
    options: LocalEmbedderOptions = {},
  ): Promise<LocalEmbedder> {
    validateEncoderConfig(config);
    checkOptions(options);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new EmbedderError(
        `The tokenizer has ${tokenizer.vocabSize} tokens but config.vocabSize is ${config.vocabSize}; use the tokenizer the model was trained with.`,
      );
    }
    const built = buildEncoderGraph(config, store);
    const fn = await compile(built.g, {
      ...sessionOptionsOf(options),
      outputs: { sentence_embedding: built.embedding },
    });
    const runner: Runner = {
      fn,
      inputs: { dtype: 'int64', tokenTypes: false },
      output: 'sentence_embedding',
      pooled: true,
    };
    return new LocalEmbedder(
      runner,
      tokenizer,
      {
        id: options.id ?? 'local-encoder',
        dimension: config.dModel,
        maxLength: maxLengthOf(options, config.maxPositions, tokenizer, EmbedderError),
        padId: tokenizer.padTokenId ?? config.padTokenId ?? 0,
      },
      options,
    );
  }

  /**
   * Open an encoder folder: the project's own (config.json with `proj_encoder`, onnx/model.onnx returning
   * `sentence_embedding`) or an Optimum-exported Hugging Face one (config.json with `hidden_size`,
   * tokenizer.json, onnx/model.onnx or model.onnx returning `last_hidden_state`; external data is read).
   *
   * @throws {EncoderFolderError} naming a missing file, or the mismatch between config.json, the tokenizer and
   *   the ONNX model (inputs, output, hidden size, vocabulary).
   * @example
   * ```ts
   * const emb = await LocalEmbedder.fromFolder('models/bge-small-en-v1.5', { maxLength: 256 });
   * ```
   */
  static async fromFolder(dir: string, options: LocalEmbedderFolderOptions = {}): Promise<LocalEmbedder> {
    checkOptions(options);
    const { configPath, configJson, tokenizer, num } = await openTextModelFolder(dir);
    const own =
      configJson[PROJ_ENCODER_KEY] !== undefined ? folderEncoderConfig(configJson, configPath) : undefined;
    const hidden = own?.dModel ?? num('hidden_size') ?? num('dim') ?? num('d_model');
    const positions = own?.maxPositions ?? num('max_position_embeddings');
    checkTokenizerFits(dir, tokenizer, own?.vocabSize ?? num('vocab_size'));

    const onnxPath = await findOnnx(dir, options.onnxFile, 'feature-extraction');
    const bytes = await readOnnx(onnxPath);
    const sig = modelSignature(bytes.model);
    const { dtype, tokenTypes } = checkTextInputs(
      sig,
      onnxPath,
      'text encoder',
      'Export an encoder for feature-extraction without past key values or position ids.',
    );
    const outNames = sig.outputs.map((o) => o.name);
    const output = (own ? POOLED_OUTPUTS : [...POOLED_OUTPUTS, ...TOKEN_OUTPUTS]).find((n) =>
      outNames.includes(n),
    );
    if (!output) {
      throw new EncoderFolderError(
        `${onnxPath} has none of the outputs ${own ? POOLED_OUTPUTS.join(', ') : [...POOLED_OUTPUTS, ...TOKEN_OUTPUTS].join(', ')} (${describeSignature(sig)}).`,
      );
    }
    const outSpec = sig.outputs.find((o) => o.name === output)!;
    const pooled = POOLED_OUTPUTS.includes(output);
    const rank = pooled ? 2 : 3;
    if (outSpec.shape && outSpec.shape.length !== rank) {
      throw new EncoderFolderError(
        `${onnxPath}: output '${output}' should have rank ${rank}, got [${outSpec.shape.join(', ')}].`,
      );
    }
    const lastDim = outSpec.shape?.[rank - 1];
    const staticDim = typeof lastDim === 'number' ? lastDim : undefined;
    if (staticDim !== undefined && hidden !== undefined && staticDim !== hidden && !(pooled && !own)) {
      throw new EncoderFolderError(
        `${onnxPath}: '${output}' has width ${staticDim} but config.json says the hidden size is ${hidden}; the ONNX model and config.json are from different models.`,
      );
    }
    // A sentence-transformers export may project the pooled vector (Dense layer): its width wins over hidden_size.
    const dimension = staticDim ?? hidden;
    if (dimension === undefined) {
      throw new EncoderFolderError(
        `${configPath} states no hidden size (hidden_size) and ${onnxPath}'s '${output}' has a dynamic width; add hidden_size to config.json.`,
      );
    }
    const fn = await compile(bytes.bytes, sessionOptionsOf(options));
    const runner: Runner = {
      fn,
      inputs: { dtype, tokenTypes },
      output,
      pooled,
    };
    const padFromConfig = num('pad_token_id');
    return new LocalEmbedder(
      runner,
      tokenizer,
      {
        id: options.id ?? basename(resolve(dir)),
        dimension,
        maxLength: maxLengthOf(options, positions, tokenizer, EmbedderError),
        padId: tokenizer.padTokenId ?? padFromConfig ?? 0,
      },
      options,
    );
  }

  /**
   * Embed texts: one unit-length Float32Array of length {@link dimension} per text, in input order.
   * @throws {EmbedderError} when a text is not a string or encodes to no tokens; the signal's reason (an
   *   AbortError) when `signal` aborts (checked before every batch).
   * @example
   * ```ts
   * const vecs = await emb.embed(texts, { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (!Array.isArray(texts))
      throw new EmbedderError(
        `embed() takes an array of strings, got ${texts === null ? 'null' : typeof texts}.`,
      );
    texts.forEach((t, i) => {
      if (typeof t !== 'string')
        throw new EmbedderError(`embed(): texts[${i}] is ${t === null ? 'null' : typeof t}, not a string.`);
    });
    if (texts.length === 0) return [];
    // Texts are tokenised and length-sorted a window at a time, so memory stays bounded for large calls.
    const window = this.batchSize * WINDOW_BATCHES;
    const out = new Array<Float32Array>(texts.length);
    let first = true;
    for (let w0 = 0; w0 < texts.length; w0 += window) {
      const enc = this.tokenizer.encodeBatch(texts.slice(w0, w0 + window), {
        truncation: true,
        maxLength: this.maxLength,
        paddingSide: 'right',
        padTokenId: this.padId,
      });
      const empty = enc.lengths.indexOf(0);
      if (empty >= 0) {
        throw new EmbedderError(
          `embed(): texts[${w0 + empty}] (${JSON.stringify(texts[w0 + empty].slice(0, 40))}) encodes to no tokens, so it has no mean embedding; drop empty texts or use a tokenizer that adds [CLS] / [SEP].`,
        );
      }
      const order = enc.lengths.map((_, i) => i);
      if (this.sortByLength) order.sort((a, b) => enc.lengths[b] - enc.lengths[a] || a - b);
      for (let start = 0; start < order.length; start += this.batchSize) {
        // session.run resolves as a microtask: yield to the event loop so timers and abort events fire between batches.
        if (!first) await new Promise<void>((r) => setImmediate(r));
        first = false;
        signal?.throwIfAborted();
        const rows = order.slice(start, start + this.batchSize);
        const vecs = await this.runBatch(rows.map((i) => enc.row(i)));
        rows.forEach((r, k) => {
          out[w0 + r] = vecs[k];
        });
      }
    }
    signal?.throwIfAborted();
    return out;
  }

  /** Release the ONNX Runtime session. */
  async dispose(): Promise<void> {
    await this.runner.fn.dispose();
  }

  private async runBatch(rows: number[][]): Promise<Float32Array[]> {
    const r = this.runner;
    const b = rows.length;
    const {
      feeds,
      mask,
      seq: s,
    } = textBatchFeeds(
      rows.map((ids) => ({ ids })),
      this.padId,
      r.inputs,
    );
    const result = (await r.fn.run(feeds, { outputs: [r.output] }))[r.output];
    const data = result.data as Float32Array;
    if (result.dtype !== 'float32')
      throw new EmbedderError(
        `The model's '${r.output}' output is ${result.dtype}; only float32 encoders are supported.`,
      );
    const d = this.dimension;
    if (r.pooled) {
      if (result.shape.length !== 2 || result.shape[0] !== b || result.shape[1] !== d) {
        throw new EmbedderError(
          `The model returned '${r.output}' of shape [${result.shape.join(', ')}], expected [${b}, ${d}].`,
        );
      }
      // Project graphs normalise already; other exports may not (and renormalising unit vectors is harmless).
      return Array.from({ length: b }, (_, i) => normalizeRow(data.subarray(i * d, (i + 1) * d)));
    }
    if (
      result.shape.length !== 3 ||
      result.shape[0] !== b ||
      result.shape[1] !== s ||
      result.shape[2] !== d
    ) {
      throw new EmbedderError(
        `The model returned '${r.output}' of shape [${result.shape.join(', ')}], expected [${b}, ${s}, ${d}] (config.json's hidden size ${d}).`,
      );
    }
    return meanPoolNormalize(data, mask, b, s, d);
  }
}

function checkOptions(o: LocalEmbedderOptions): void {
  checkPositiveInt(o.batchSize, 'batchSize', EmbedderError);
  checkPositiveInt(o.maxLength, 'maxLength', EmbedderError);
  checkPositiveInt(o.intraOpNumThreads, 'intraOpNumThreads', EmbedderError);
}
