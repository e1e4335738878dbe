import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  type CompiledGraph,
  compile,
  encodeModel,
  encodeSafetensors,
  loadSafetensors,
  modelSignature,
  type Tensor,
  toModel,
} from '@proj/runtime';
import { writeFolderAtomic } from '../folder/fs.js';
import { ParameterError, ParameterStore } from '../nn/params.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { buildClassifierGraph, classifierParameterShapes } from './classifier-graph.js';
import { type EncoderConfig, hfBertConfig, validateEncoderConfig } from './config.js';
import { EncoderFolderError } from './errors.js';
import { checkWeights, type EncoderTokenizerFiles, folderEncoderConfig, PROJ_ENCODER_KEY } from './folder.js';
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
  type TextRow,
  textBatchFeeds,
} from './onnx-folder.js';

/**
 * Raised for bad classifier calls and options: inputs that are neither a string nor a pair of strings, labels
 * that do not match the model, batch sizes or max lengths out of range.
 *
 * @example
 * ```ts
 * try { await classifier.classify([42 as never]); }
 * catch (e) { if (e instanceof ClassifierError) console.error(e.message); }
 * ```
 */
export class ClassifierError extends Error {
  /** `'ClassifierError'`. */
  override name = 'ClassifierError';
}

/** One input of a sequence classifier: a text, or a text pair (premise, hypothesis) for cross-encoders. */
export type ClassifierInput = string | readonly [string, string];

/** A classifier's verdict on one input. */
export interface Classification {
  /** The most probable label. */
  label: string;
  /** Softmax probabilities, one per label (in {@link LocalSequenceClassifier.labels} order). */
  probabilities: Float32Array;
  /** The raw scores before the softmax. */
  logits: Float32Array;
}

/** Options of {@link LocalSequenceClassifier}. */
export interface LocalSequenceClassifierOptions extends EncoderRunOptions {
  /**
   * Class names in class-id order. Default: config.json's `id2label` (folders), required for
   * {@link LocalSequenceClassifier.create}.
   */
  labels?: readonly string[];
}

/** Options of {@link LocalSequenceClassifier.fromFolder}. */
export interface LocalSequenceClassifierFolderOptions extends LocalSequenceClassifierOptions {
  /** ONNX file inside the folder. Default: onnx/model.onnx, else model.onnx. */
  onnxFile?: string;
}

/** How one ONNX model is fed. */
interface Runner {
  fn: CompiledGraph;
  inputs: TextInputs;
}

/** Labels from config.json: `id2label` ({"0": "contradiction", ...}), else `num_labels` generic names. */
function labelsFromConfig(json: Record<string, unknown>, source: string): string[] | undefined {
  const raw = json.id2label;
  if (raw !== undefined) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new EncoderFolderError(
        `${source}: id2label must map class ids to names, e.g. {"0": "negative"}.`,
      );
    }
    const entries = Object.entries(raw as Record<string, unknown>);
    const labels = new Array<string>(entries.length);
    for (const [k, v] of entries) {
      const i = Number(k);
      if (
        !Number.isInteger(i) ||
        i < 0 ||
        i >= entries.length ||
        typeof v !== 'string' ||
        labels[i] !== undefined
      ) {
        throw new EncoderFolderError(
          `${source}: id2label must map the ids 0..${entries.length - 1} to names, got ${JSON.stringify(raw)}.`,
        );
      }
      labels[i] = v;
    }
    return labels;
  }
  const n = json.num_labels;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 2)
    return Array.from({ length: n }, (_, i) => `LABEL_${i}`);
  return undefined;
}

function checkLabels(labels: readonly string[] | undefined, what: string): string[] {
  if (!Array.isArray(labels) || labels.length < 2 || labels.some((l) => typeof l !== 'string' || l === '')) {
    throw new ClassifierError(
      `${what} must be at least two non-empty class names, got ${JSON.stringify(labels)}.`,
    );
  }
  if (new Set(labels).size !== labels.length) {
    throw new ClassifierError(`${what} has duplicate class names: ${JSON.stringify(labels)}.`);
  }
  return [...labels];
}

/** Softmax of one row (float64 accumulation). */
function softmaxRow(x: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i] - max) / sum;
  return out;
}

/**
 * A sequence classifier running a BERT-like cross-encoder locally with ONNX Runtime: Optimum-exported Hugging
 * Face text-classification folders (NLI models, rerankers, sentiment: onnx/model.onnx taking input_ids,
 * attention_mask (, token_type_ids) and returning `logits`; labels from config.json's id2label) and the
 * project's own classifiers ({@link saveClassifierFolder}, or weights in memory). Inputs are texts or text pairs;
 * pairs are encoded with the tokenizer's pair template (`[CLS] a [SEP] b [SEP]`, segment ids 0 / 1) and cut
 * `longest_first` to `maxLength`. Inputs of similar length are batched together; results come back in input order.
 *
 * @example
 * ```ts
 * const nli = await LocalSequenceClassifier.fromFolder('models/nli-MiniLM2-L6-H768');
 * const [r] = await nli.classify([['A man is eating pizza.', 'A man eats something.']]);
 * r.label; // 'entailment'
 * r.probabilities[nli.labels.indexOf('entailment')]; // e.g. 0.97
 * await nli.dispose();
 * ```
 */
export class LocalSequenceClassifier {
  /** `options.id`, else the folder name (or 'local-classifier'). */
  readonly id: string;
  /** Class names in class-id order. */
  readonly labels: readonly string[];
  /** Longest token sequence an input is cut to. */
  readonly maxLength: number;
  /** Inputs per ONNX Runtime call. */
  readonly batchSize: number;
  /** The tokenizer inputs are encoded with. */
  readonly tokenizer: Tokenizer;
  private readonly padId: number;

  private constructor(
    private readonly runner: Runner,
    tokenizer: Tokenizer,
    info: { id: string; labels: string[]; maxLength: number; padId: number; batchSize: number },
  ) {
    this.tokenizer = tokenizer;
    this.id = info.id;
    this.labels = info.labels;
    this.maxLength = info.maxLength;
    this.batchSize = info.batchSize;
    this.padId = info.padId;
  }

  /**
   * A classifier over weights held in memory (e.g. just fine-tuned with {@link buildClassifierTrainingGraph}):
   * builds {@link buildClassifierGraph} from `config` and `store` and compiles it. `options.labels` is required.
   * @throws {ClassifierError} for missing labels or bad options; {@link ConfigError} for a bad config.
   * @example
   * ```ts
   * const clf = await LocalSequenceClassifier.create(config, new ParameterStore({ tensors: step.params() }), tokenizer, { labels: ['neg', 'pos'] });
   * ```
   */
  static async create(
    config: EncoderConfig,
    store: ParameterStore,
    tokenizer: Tokenizer,
    options: LocalSequenceClassifierOptions,
  ): Promise<LocalSequenceClassifier> {
    validateEncoderConfig(config);
    checkOptions(options);
    const labels = checkLabels(options.labels, 'options.labels');
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new ClassifierError(
        `The tokenizer has ${tokenizer.vocabSize} tokens but config.vocabSize is ${config.vocabSize}; use the tokenizer the model was trained with.`,
      );
    }
    const { g } = buildClassifierGraph(config, store, { numLabels: labels.length });
    const fn = await compile(g, sessionOptionsOf(options));
    return new LocalSequenceClassifier(
      { fn, inputs: { dtype: 'int64', tokenTypes: config.typeVocabSize > 0 } },
      tokenizer,
      {
        id: options.id ?? 'local-classifier',
        labels,
        maxLength: maxLengthOf(options, config.maxPositions, tokenizer, ClassifierError),
        padId: tokenizer.padTokenId ?? config.padTokenId ?? 0,
        batchSize: options.batchSize ?? 32,
      },
    );
  }

  /**
   * Open a text-classification folder: config.json (id2label, max_position_embeddings), tokenizer.json (+
   * tokenizer_config.json) and onnx/model.onnx (or model.onnx; external data is read) with inputs input_ids,
   * attention_mask (, token_type_ids) and a `logits` [batch, numLabels] output.
   *
   * @throws {EncoderFolderError} naming a missing file, or the mismatch between config.json, the tokenizer and the
   *   ONNX model (inputs, the logits output, the number of labels, vocabulary).
   * @example
   * ```ts
   * const clf = await LocalSequenceClassifier.fromFolder('models/tiny-nli', { batchSize: 16 });
   * ```
   */
  static async fromFolder(
    dir: string,
    options: LocalSequenceClassifierFolderOptions = {},
  ): Promise<LocalSequenceClassifier> {
    checkOptions(options);
    const { configPath, configJson, tokenizer, num } = await openTextModelFolder(dir);
    checkTokenizerFits(dir, tokenizer, num('vocab_size'));

    const onnxPath = await findOnnx(dir, options.onnxFile, 'text-classification');
    const { bytes, model } = await readOnnx(onnxPath);
    const sig = modelSignature(model);
    const { dtype, tokenTypes } = checkTextInputs(
      sig,
      onnxPath,
      'text classifier',
      'Export with optimum-cli export onnx --task text-classification.',
    );
    const out = sig.outputs.find((o) => o.name === 'logits');
    if (!out) {
      throw new EncoderFolderError(
        `${onnxPath} has no 'logits' output, so it is not a text-classification export (${describeSignature(sig)}); export with optimum-cli export onnx --task text-classification.`,
      );
    }
    if (out.shape && out.shape.length !== 2) {
      throw new EncoderFolderError(
        `${onnxPath}: 'logits' should be [batch, numLabels], got [${out.shape.join(', ')}].`,
      );
    }
    const width = typeof out.shape?.[1] === 'number' ? out.shape[1] : undefined;
    let labels: string[];
    if (options.labels !== undefined) labels = checkLabels(options.labels, 'options.labels');
    else {
      const fromConfig = labelsFromConfig(configJson, configPath);
      const generic =
        width !== undefined && width >= 2 ? Array.from({ length: width }, (_, i) => `LABEL_${i}`) : undefined;
      const found = fromConfig ?? generic;
      if (!found) {
        throw new EncoderFolderError(
          `${configPath} has no id2label or num_labels and the model's logits width is dynamic; add id2label to config.json or pass options.labels.`,
        );
      }
      labels = found;
    }
    if (width !== undefined && width !== labels.length) {
      throw new EncoderFolderError(
        `${onnxPath} returns ${width} logits per input but there are ${labels.length} labels (${labels.join(', ')}); the ONNX model and config.json are from different models.`,
      );
    }
    const positions = num('max_position_embeddings');
    const fn = await compile(bytes, sessionOptionsOf(options));
    return new LocalSequenceClassifier({ fn, inputs: { dtype, tokenTypes } }, tokenizer, {
      id: options.id ?? basename(resolve(dir)),
      labels,
      maxLength: maxLengthOf(options, positions, tokenizer, ClassifierError),
      padId: tokenizer.padTokenId ?? num('pad_token_id') ?? 0,
      batchSize: options.batchSize ?? 32,
    });
  }

  /**
   * Classify texts and text pairs, in input order.
   * @throws {ClassifierError} for an input that is neither a string nor a [string, string] pair; the signal's
   *   reason (an AbortError) when `signal` aborts (checked before every batch).
   * @example
   * ```ts
   * const [a, b] = await clf.classify(['great film', ['It rained.', 'The street is wet.']]);
   * ```
   */
  async classify(
    inputs: readonly ClassifierInput[],
    options: { signal?: AbortSignal } = {},
  ): Promise<Classification[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (!Array.isArray(inputs)) {
      throw new ClassifierError(
        `classify() takes an array of texts or [text, text] pairs, got ${typeof inputs}.`,
      );
    }
    const rows = this.encodeAll(inputs);
    const order = rows.map((_, i) => i).sort((a, b) => rows[b].ids.length - rows[a].ids.length || a - b);
    const out = new Array<Classification>(rows.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      // session.run resolves as a microtask: yield so timers and abort events fire between batches.
      if (start > 0) await new Promise<void>((r) => setImmediate(r));
      signal?.throwIfAborted();
      const batch = order.slice(start, start + this.batchSize);
      const logits = await this.runBatch(batch.map((i) => rows[i]));
      batch.forEach((r, k) => {
        const probabilities = softmaxRow(logits[k]);
        let best = 0;
        for (let j = 1; j < probabilities.length; j++) if (probabilities[j] > probabilities[best]) best = j;
        out[r] = { label: this.labels[best], probabilities, logits: logits[k] };
      });
    }
    return out;
  }

  /** Release the ONNX Runtime session. */
  async dispose(): Promise<void> {
    await this.runner.fn.dispose();
  }

  /** Token rows of every input: pairs through the pair template, single texts in one batch call. */
  private encodeAll(inputs: readonly ClassifierInput[]): TextRow[] {
    const rows = new Array<TextRow>(inputs.length);
    const singles: number[] = [];
    inputs.forEach((input, i) => {
      if (typeof input === 'string') singles.push(i);
      else if (Array.isArray(input) && input.length === 2 && input.every((t) => typeof t === 'string')) {
        rows[i] = this.tokenizer.encodePair(input[0], input[1], {
          truncation: true,
          maxLength: this.maxLength,
        });
      } else {
        throw new ClassifierError(
          `classify(): inputs[${i}] is ${JSON.stringify(input)?.slice(0, 60)}; pass a string or a [premise, hypothesis] pair of strings.`,
        );
      }
    });
    if (singles.length > 0) {
      const enc = this.tokenizer.encodeBatch(
        singles.map((i) => inputs[i] as string),
        { truncation: true, maxLength: this.maxLength, padTokenId: this.padId },
      );
      singles.forEach((i, k) => {
        rows[i] = { ids: enc.row(k) };
      });
    }
    return rows;
  }

  private async runBatch(rows: readonly TextRow[]): Promise<Float32Array[]> {
    const r = this.runner;
    const b = rows.length;
    const { feeds } = textBatchFeeds(rows, this.padId, r.inputs);
    const { logits } = await r.fn.run(feeds, { outputs: ['logits'] });
    const n = this.labels.length;
    if (
      logits.dtype !== 'float32' ||
      logits.shape.length !== 2 ||
      logits.shape[0] !== b ||
      logits.shape[1] !== n
    ) {
      throw new ClassifierError(
        `The model returned logits ${logits.dtype}[${logits.shape.join(', ')}], expected float32[${b}, ${n}] (${n} labels).`,
      );
    }
    const data = logits.data as Float32Array;
    return Array.from({ length: b }, (_, i) => data.slice(i * n, (i + 1) * n));
  }
}

function checkOptions(o: LocalSequenceClassifierOptions): void {
  checkPositiveInt(o.batchSize, 'batchSize', ClassifierError);
  checkPositiveInt(o.maxLength, 'maxLength', ClassifierError);
  checkPositiveInt(o.intraOpNumThreads, 'intraOpNumThreads', ClassifierError);
}

/** Options of {@link saveClassifierFolder}. */
export interface SaveClassifierFolderOptions {
  /** The encoder's config (validated first). */
  config: EncoderConfig;
  /** Class names in class-id order (config.json's id2label). */
  labels: readonly string[];
  /**
   * The weights (names of {@link classifierParameterShapes}): a store (weights it lacks are created with its seeded
   * initialisation), or a complete name -> tensor map (e.g. `trainStep.params()`).
   */
  weights: ParameterStore | ReadonlyMap<string, Tensor>;
  /** tokenizer.json + tokenizer_config.json. */
  tokenizer: EncoderTokenizerFiles;
  /** Replace `dir` when it exists (swapped in by rename). Default false. */
  overwrite?: boolean;
}

/** The prefix Hugging Face's BertForSequenceClassification puts before the encoder and pooler weights. */
const HF_PREFIX = 'bert.';
const isHead = (name: string) => name.startsWith('classifier.');

/**
 * Write a sequence-classifier folder in the Hugging Face layout: config.json (BertForSequenceClassification,
 * id2label / label2id, the project's config under `proj_encoder`), tokenizer files, model.safetensors
 * (`bert.*` + `classifier.*` names, so transformers loads it) and onnx/model.onnx ({@link buildClassifierGraph}:
 * `input_ids`, `attention_mask`, `token_type_ids` -> `logits`). Written into a temporary sibling folder and renamed,
 * so `dir` is never half-written.
 *
 * @throws {EncoderFolderError} when weights are missing or misshaped, the labels are bad, the tokenizer does not fit
 *   the vocabulary, or `dir` exists without `overwrite`.
 * @example
 * ```ts
 * await saveClassifierFolder('models/tiny-nli', { config, labels: ['contradiction', 'entailment', 'neutral'], weights: step.params(), tokenizer: files });
 * ```
 */
export async function saveClassifierFolder(dir: string, options: SaveClassifierFolderOptions): Promise<void> {
  const config = validateEncoderConfig(options.config);
  let labels: string[];
  try {
    labels = checkLabels(options.labels, 'labels');
  } catch (err) {
    throw new EncoderFolderError((err as Error).message, { cause: err });
  }
  const tokenizer = Tokenizer.fromJSON(options.tokenizer.tokenizerJson, options.tokenizer.tokenizerConfig);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new EncoderFolderError(
      `The tokenizer has ${tokenizer.vocabSize} tokens but config.vocabSize is ${config.vocabSize}; raise vocabSize.`,
    );
  }
  const shapes = classifierParameterShapes(config, labels.length);
  const store =
    options.weights instanceof ParameterStore
      ? options.weights
      : new ParameterStore({ tensors: new Map(options.weights) });
  let g: ReturnType<typeof buildClassifierGraph>['g'];
  try {
    g = buildClassifierGraph(config, store, { numLabels: labels.length }).g;
  } catch (err) {
    if (err instanceof ParameterError)
      throw new EncoderFolderError(`The weights do not match the classifier config: ${err.message}`, {
        cause: err,
      });
    throw err;
  }
  const tensors = store.tensors();
  checkWeights(shapes, tensors, 'The weights');
  const target = resolve(dir);
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  ) {
    if (!options.overwrite)
      throw new EncoderFolderError(
        `${target} already exists; pass overwrite: true to replace it, or pick another folder.`,
      );
  }
  const onnx = encodeModel(toModel(g));
  const weights = new Map(
    [...shapes.keys()].map((k) => [isHead(k) ? k : HF_PREFIX + k, tensors.get(k) as Tensor]),
  );
  const hf = {
    ...hfBertConfig(config),
    architectures: ['BertForSequenceClassification'],
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    [PROJ_ENCODER_KEY]: config,
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFolderAtomic(target, async (tmp) => {
    await mkdir(join(tmp, 'onnx'));
    await writeFile(join(tmp, 'config.json'), json(hf));
    await writeFile(join(tmp, 'tokenizer.json'), json(options.tokenizer.tokenizerJson));
    await writeFile(join(tmp, 'tokenizer_config.json'), json(options.tokenizer.tokenizerConfig));
    await writeFile(join(tmp, 'model.safetensors'), encodeSafetensors(weights, { format: 'pt' }));
    await writeFile(join(tmp, 'onnx', 'model.onnx'), onnx);
  });
}

/** What {@link loadClassifierFolder} returns. */
export interface LoadedClassifierFolder {
  /** The encoder config. */
  config: EncoderConfig;
  /** Class names in class-id order. */
  labels: string[];
  /** The weights, with the names of {@link classifierParameterShapes} (the `bert.` prefix dropped). */
  store: ParameterStore;
  /** The folder's tokenizer. */
  tokenizer: Tokenizer;
  /** The parsed tokenizer files, to save them again. */
  tokenizerFiles: EncoderTokenizerFiles;
}

/**
 * Load a classifier folder's config, labels, weights and tokenizer for building graphs (fine-tuning,
 * inspection): the project's own folders and Hugging Face BertForSequenceClassification folders with a
 * model.safetensors.
 *
 * @throws {EncoderFolderError} naming the missing file or label map, or the weights that do not match config.json.
 * @example
 * ```ts
 * const { config, labels, store } = await loadClassifierFolder('models/tiny-nli');
 * const t = buildClassifierTrainingGraph(config, store, { numLabels: labels.length });
 * ```
 */
export async function loadClassifierFolder(dir: string): Promise<LoadedClassifierFolder> {
  const { configPath, configJson, tokenizer, tokenizerFiles } = await openTextModelFolder(dir);
  const config = folderEncoderConfig(configJson, configPath);
  const labels = labelsFromConfig(configJson, configPath);
  if (!labels)
    throw new EncoderFolderError(`${configPath} has no id2label (or num_labels); add the class names.`);
  checkTokenizerFits(dir, tokenizer, config.vocabSize);
  const weightsPath = join(dir, 'model.safetensors');
  if (
    !(await stat(weightsPath).then(
      () => true,
      () => false,
    ))
  ) {
    throw new EncoderFolderError(
      `${dir} has no model.safetensors (the weights graphs are built from); folders with only an ONNX model can classify through LocalSequenceClassifier.fromFolder but not be trained.`,
    );
  }
  const raw = (await loadSafetensors(weightsPath)).tensors;
  const wanted = classifierParameterShapes(config, labels.length);
  const tensors = new Map<string, Tensor>();
  for (const [k, v] of raw) {
    const name = k.startsWith(HF_PREFIX) ? k.slice(HF_PREFIX.length) : k;
    if (wanted.has(name)) tensors.set(name, v);
  }
  checkWeights(wanted, tensors, `The weights in ${weightsPath}`);
  return {
    config,
    labels,
    store: new ParameterStore({ tensors }),
    tokenizer,
    tokenizerFiles,
  };
}
