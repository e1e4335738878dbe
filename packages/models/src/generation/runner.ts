import { type CompiledGraph, type DType, type IOSpec, Tensor } from '@proj/runtime';
import { GenerationError } from './sampling.js';

/** Per-layer key/value tensors in the Optimum layout [batch, kv_heads, length, head_dim], flattened k0, v0, k1, v1... */
export type KvCache = Tensor[];

/** One batched forward call of a decoder. */
export interface ForwardBatch {
  /** [batch, seq] int64. */
  inputIds: Tensor;
  /** [batch, past + seq] int64, 1 = real token. */
  attentionMask: Tensor;
  /** [batch, seq] int64. */
  positionIds: Tensor;
  /** Cache from the previous call (null on the first). */
  cache: KvCache | null;
  /**
   * On the first call (cache null): the total length the cache will reach (prompt + new tokens), so runners with
   * preallocated caches size them once. A hint: runners grow past it when needed, others ignore it.
   */
  capacity?: number;
}

/**
 * What the generation loop needs from a decoder: one forward over a batch with a KV cache. Implemented over
 * ONNX Runtime sessions for the project's own models and for Optimum-exported Hugging Face folders.
 */
export interface DecoderRunner {
  /** Width of the logits. */
  readonly vocabSize: number;
  /** Forward; returns logits [batch, seq, vocab] and the new cache. */
  forward(batch: ForwardBatch): Promise<{
    /** [batch, seq, vocab] float32. */
    logits: Tensor;
    /** The cache to pass to the next call. */
    cache: KvCache;
  }>;
  /** Keep only the given batch rows of a cache (after some sequences finished). */
  selectRows(cache: KvCache, rows: readonly number[]): KvCache;
  /**
   * The caller is done with `cache` (generation ended): a runner may recycle its buffers for the next call.
   * Optional; using `cache` afterwards is an error.
   */
  release?(cache: KvCache): void;
  /** Release the ONNX Runtime session(s). */
  dispose(): Promise<void>;
}

/** How a decoder ONNX model names its IO (Optimum convention), discovered from its signature. */
interface DecoderIO {
  inputIds: string;
  attentionMask?: string;
  positionIds?: string;
  useCacheBranch?: string;
  pastKeys: string[];
  pastValues: string[];
  presentKeys: string[];
  presentValues: string[];
  kvHeads: number;
  headDim: number;
  /** Element type of the past inputs (float16 exports take float16 caches). */
  pastDType: DType;
}

function discoverIO(inputs: readonly IOSpec[], outputs: readonly IOSpec[], label: string): DecoderIO {
  const names = new Set(inputs.map((i) => i.name));
  const outNames = new Set(outputs.map((o) => o.name));
  if (!names.has('input_ids'))
    throw new GenerationError(
      `${label}: the model has no 'input_ids' input (inputs: ${[...names].join(', ')}).`,
    );
  if (!outNames.has('logits'))
    throw new GenerationError(
      `${label}: the model has no 'logits' output (outputs: ${[...outNames].join(', ')}).`,
    );
  const pastKeys: string[] = [];
  const pastValues: string[] = [];
  const presentKeys: string[] = [];
  const presentValues: string[] = [];
  for (let l = 0; names.has(`past_key_values.${l}.key`); l++) {
    pastKeys.push(`past_key_values.${l}.key`);
    pastValues.push(`past_key_values.${l}.value`);
    presentKeys.push(`present.${l}.key`);
    presentValues.push(`present.${l}.value`);
    for (const o of [presentKeys[l], presentValues[l]]) {
      if (!outNames.has(o))
        throw new GenerationError(`${label}: input past_key_values.${l}.* has no matching output '${o}'.`);
    }
  }
  let kvHeads = 0;
  let headDim = 0;
  let pastDType: DType = 'float32';
  if (pastKeys.length) {
    const spec = inputs.find((i) => i.name === pastKeys[0])!;
    const [, h, , d] = spec.shape ?? [];
    if (typeof h !== 'number' || typeof d !== 'number') {
      throw new GenerationError(
        `${label}: ${pastKeys[0]} must have static head count and head size, got [${(spec.shape ?? []).join(', ')}].`,
      );
    }
    kvHeads = h;
    headDim = d;
    pastDType = spec.dtype ?? 'float32';
  }
  return {
    inputIds: 'input_ids',
    attentionMask: names.has('attention_mask') ? 'attention_mask' : undefined,
    positionIds: names.has('position_ids') ? 'position_ids' : undefined,
    useCacheBranch: names.has('use_cache_branch') ? 'use_cache_branch' : undefined,
    pastKeys,
    pastValues,
    presentKeys,
    presentValues,
    kvHeads,
    headDim,
    pastDType,
  };
}

/**
 * A {@link DecoderRunner} over a compiled ONNX decoder in the Optimum IO convention (input_ids, attention_mask,
 * position_ids, past_key_values.N.key/value -> logits, present.N.key/value). Models without past inputs are
 * run by recomputing the whole sequence each step.
 * @throws {GenerationError} when the model lacks `input_ids` / `logits` or has past inputs without presents.
 * @example
 * ```ts
 * const runner = new OnnxDecoderRunner(await compile('models/gpt2/onnx/model.onnx'), 50257, 'gpt2');
 * const lm = new LocalLanguageModel(runner, await Tokenizer.fromFile('models/gpt2'));
 * ```
 */
export class OnnxDecoderRunner implements DecoderRunner {
  /** Width of the logits. */
  readonly vocabSize: number;
  private readonly io: DecoderIO;

  constructor(
    private readonly fn: CompiledGraph,
    vocabSize: number,
    label = 'decoder',
  ) {
    this.io = discoverIO(fn.inputs, fn.outputs, label);
    this.vocabSize = vocabSize;
  }

  /** Whether the model takes a KV cache. */
  get cached(): boolean {
    return this.io.pastKeys.length > 0;
  }

  /** One forward over the batch; the cache it returns holds the `present.N.*` outputs. */
  async forward(batch: ForwardBatch): Promise<{
    /** [batch, seq, vocab] float32. */
    logits: Tensor;
    /** The cache to pass to the next call. */
    cache: KvCache;
  }> {
    const io = this.io;
    const feeds: Record<string, Tensor> = {};
    let ids = batch.inputIds;
    let positions = batch.positionIds;
    if (!this.cached && batch.cache) {
      // No cache in the model: the "cache" is the token history; recompute everything.
      ids = concatColumns(batch.cache[0], ids);
      positions = concatColumns(batch.cache[1], positions);
    }
    feeds[io.inputIds] = ids;
    if (io.attentionMask) feeds[io.attentionMask] = batch.attentionMask;
    if (io.positionIds) feeds[io.positionIds] = positions;
    if (io.useCacheBranch) feeds[io.useCacheBranch] = Tensor.full([1], batch.cache ? 1 : 0, 'bool');
    if (this.cached) {
      const b = ids.shape[0];
      // First step: an empty (length-0) past in the model's own dtype.
      const empty = () => Tensor.zeros([b, io.kvHeads, 0, io.headDim], io.pastDType);
      io.pastKeys.forEach((k, l) => {
        feeds[k] = batch.cache ? batch.cache[2 * l] : empty();
        feeds[io.pastValues[l]] = batch.cache ? batch.cache[2 * l + 1] : empty();
      });
    }
    const out = await this.fn(feeds);
    let logits = out.logits;
    if (logits.dtype !== 'float32') logits = logits.cast('float32');
    if (!this.cached) {
      const seq = batch.inputIds.shape[1];
      return { logits: lastColumns(logits, seq), cache: [ids, positions] };
    }
    const cache: KvCache = [];
    io.presentKeys.forEach((k, l) => cache.push(out[k], out[io.presentValues[l]]));
    return { logits, cache };
  }

  /** Keep the given batch rows of a cache (copies). */
  selectRows(cache: KvCache, rows: readonly number[]): KvCache {
    return cache.map((t) => selectBatchRows(t, rows));
  }

  /** Release the compiled model's session. */
  dispose(): Promise<void> {
    return this.fn.dispose();
  }
}

/**
 * Rows of a tensor along its first axis (a copy).
 * @example selectBatchRows(Tensor.fromArray([[1, 2], [3, 4], [5, 6]]), [2, 0]).toArray() // [[5, 6], [1, 2]]
 */
export function selectBatchRows(t: Tensor, rows: readonly number[]): Tensor {
  const rowSize = t.size / t.shape[0];
  const out = Tensor.zeros([rows.length, ...t.shape.slice(1)], t.dtype);
  const src = t.data as unknown as { subarray(a: number, b: number): ArrayLike<number | bigint> };
  const dst = out.data as unknown as { set(a: ArrayLike<number | bigint>, o: number): void };
  rows.forEach((r, i) => dst.set(src.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
  return out;
}

/** [B, a] ++ [B, b] -> [B, a + b] for int64 matrices. */
function concatColumns(a: Tensor, b: Tensor): Tensor {
  const [rows, ca] = a.shape;
  const cb = b.shape[1];
  const out = new BigInt64Array(rows * (ca + cb));
  const da = a.data as BigInt64Array;
  const db = b.data as BigInt64Array;
  for (let r = 0; r < rows; r++) {
    out.set(da.subarray(r * ca, (r + 1) * ca), r * (ca + cb));
    out.set(db.subarray(r * cb, (r + 1) * cb), r * (ca + cb) + ca);
  }
  return new Tensor('int64', out, [rows, ca + cb]);
}

/** The last `n` positions of [B, S, V] logits. */
function lastColumns(t: Tensor, n: number): Tensor {
  const [b, s, v] = t.shape;
  if (n === s) return t;
  const out = new Float32Array(b * n * v);
  const src = t.data as Float32Array;
  for (let r = 0; r < b; r++) out.set(src.subarray((r * s + s - n) * v, (r * s + s) * v), r * n * v);
  return new Tensor('float32', out, [b, n, v]);
}
