import {
  type CompiledGraph,
  type CompileOptions,
  compile,
  type Dim,
  Graph,
  ops,
  Tensor,
  type Value,
} from '@proj/runtime';
import { type DecoderConfig, headDim, validateConfig } from '../decoder/config.js';
import {
  applyRotary,
  decoderNorm,
  feedForward,
  learnedPositions,
  lmHeadWeight,
  rotaryTables,
} from '../decoder/graph.js';
import { type BuildContext, embedding, linear } from '../nn/layers.js';
import type { ParameterStore } from '../nn/params.js';
import type { DecoderRunner, ForwardBatch, KvCache } from './runner.js';
import { GenerationError } from './sampling.js';

const NEG = -1e9;
const INT_MAX = 2 ** 62;

/**
 * The decode graph of a project decoder with a static (preallocated) KV cache, for fast generation. Same weights
 * and math as `buildDecoderGraph`, different IO: the cache is fed as fixed-capacity buffers that the graph only
 * reads, and the graph returns just the new tokens' keys and values, which the host writes into the buffers. A
 * step therefore never copies the cache (the Optimum-convention graph concatenates past and new keys and hands
 * the whole cache back, which ONNX Runtime copies into a fresh JS buffer every step).
 *
 * Inputs: `input_ids`, `position_ids` [batch, seq] int64; `cache_bias` [batch, 1, 1, capacity] (0 for a filled,
 * attended slot, -1e9 otherwise); `new_bias` [batch, 1, seq, seq] (causal + padding among the new tokens);
 * `cache.N.key` / `cache.N.value` [batch, kv_heads, capacity, head_dim].
 * Outputs: `logits` [batch, seq, vocab]; `new.N.key` / `new.N.value` [batch, kv_heads, seq, head_dim].
 *
 * @example
 * ```ts
 * const fn = await compile(buildStaticCacheDecoder(config, store), { intraOpNumThreads: 2 });
 * ```
 */
export function buildStaticCacheDecoder(config: DecoderConfig, store: ParameterStore): Graph {
  const c = validateConfig(config);
  const g = new Graph(`${c.family}-static-cache-decoder`);
  const ctx: BuildContext = { g, store };
  const hd = headDim(c);
  const kvh = c.nKvHeads;
  const rep = c.nHeads / kvh;
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const positions = g.input('position_ids', 'int64', ['batch', 'seq']);
  const cacheBias = g.input('cache_bias', 'float32', ['batch', 1, 1, 'capacity']);
  const newBias = g.input('new_bias', 'float32', ['batch', 1, 'seq', 'seq']);
  const caches = Array.from({ length: c.nLayers }, (_, l) => ({
    key: g.input(`cache.${l}.key`, 'float32', ['batch', kvh, 'capacity', hd]),
    value: g.input(`cache.${l}.value`, 'float32', ['batch', kvh, 'capacity', hd]),
  }));

  // Hidden states stay 2-D [batch * seq, d_model] so ONNX Runtime fuses every MatMul + bias into one Gemm.
  const bs = ops.shapeOf(ids); // [batch, seq]
  const emb = embedding(ctx, 'wte', ids.reshape([-1]), c.vocabSize, c.dModel, {
    init: 'normal',
    std: c.initStd,
  });
  let x = emb.out;
  if (c.positional === 'learned') {
    x = x.add(learnedPositions(ctx, c, positions.reshape([-1])));
  }
  const rope = c.positional === 'rotary' ? rotaryTables(g, c, positions) : null;
  const norm = (name: string, v: Value) => decoderNorm(ctx, c, name, v);
  // [capacity] as a 1-D value: where the new tokens' scores start after the cache's in the joint softmax.
  const capLen = ops.shapeOf(cacheBias, 3, 4);
  const headShape = (n: number) => ops.concat([bs, g.int64s([n, hd])], 0);

  for (let l = 0; l < c.nLayers; l++) {
    const p = `h.${l}`;
    const h = norm(`${p}.norm_1`, x);
    const kvd = kvh * hd;
    const qkv = linear(ctx, `${p}.attn.qkv`, h, c.dModel, c.dModel + 2 * kvd, {
      bias: c.bias,
      init: { init: 'normal', std: c.initStd },
    });
    const [q0, k0, v0] = ops.split(qkv, [c.dModel, kvd, kvd], -1);
    const heads = (t: Value, n: number) =>
      t.reshape(headShape(n), ['batch', 'seq', n, hd]).transpose([0, 2, 1, 3]);
    let q = heads(q0, c.nHeads);
    let k = heads(k0, kvh);
    const v = heads(v0, kvh);
    if (rope) {
      q = applyRotary(q, rope);
      k = applyRotary(k, rope);
    }
    g.output(`new.${l}.key`, k);
    g.output(`new.${l}.value`, v);
    // Query heads grouped by their key/value head ([batch, kv_heads, rep * seq, hd]): grouped-query attention
    // without repeating (copying) the cache.
    const qs = q.mul(1 / Math.sqrt(hd));
    const qg = rep === 1 ? qs : qs.reshape([0, kvh, -1, hd]);
    const sc = qg.matmul(caches[l].key.transpose([0, 1, 3, 2])).add(cacheBias);
    let sn = qg.matmul(k.transpose([0, 1, 3, 2]));
    sn = rep === 1 ? sn.add(newBias) : sn.reshape([0, c.nHeads, -1, 0]).add(newBias).reshape([0, kvh, -1, 0]);
    const probs = ops.concat([sc, sn], -1).softmax(-1);
    const pc = sliceLast(probs, 0, capLen, 'capacity');
    const pn = sliceLast(probs, capLen, INT_MAX, 'seq');
    let z = pc.matmul(caches[l].value).add(pn.matmul(v)); // [batch, kv_heads, rep * seq, hd]
    if (rep !== 1) z = z.reshape([0, c.nHeads, -1, hd]);
    const wo = store.param(g, `${p}.attn.out.weight`, [c.dModel, c.dModel], {
      init: 'normal',
      std: c.initStd / Math.sqrt(2 * c.nLayers),
    });
    let a = z.transpose([0, 2, 1, 3]).reshape([-1, c.dModel]).matmul(wo);
    if (c.bias) a = a.add(store.param(g, `${p}.attn.out.bias`, [c.dModel], { init: 'zeros' }));
    x = x.add(a);
    const h2 = norm(`${p}.norm_2`, x);
    x = x.add(feedForward(ctx, c, `${p}.mlp`, h2));
  }
  const hidden = norm('norm_f', x);
  g.output(
    'logits',
    hidden
      .matmul(lmHeadWeight(ctx, c, emb.table))
      .reshape(ops.concat([bs, g.int64s([c.vocabSize])], 0), ['batch', 'seq', c.vocabSize]),
  );
  return g;
}

/** x[..., start:end] on the last axis with run-time bounds (ONNX Slice with tensor starts/ends); `dim` is its length. */
function sliceLast(x: Value, start: Value | number, end: Value | number, dim: Dim): Value {
  const g = x.graph;
  const bound = (b: Value | number) => (typeof b === 'number' ? g.int64s([b]) : b);
  const shape = [...x.shape];
  shape[shape.length - 1] = dim;
  return g.addNode(
    'Slice',
    [x, bound(start), bound(end), g.int64s([x.rank - 1])],
    [{ dtype: x.dtype, shape }],
  )[0];
}

/** The preallocated cache behind a {@link StaticCacheRunner} cache handle. */
interface CacheState {
  /** One buffer per layer and key/value: [rows, kv_heads, capacity, head_dim], rows = the batch it was made for. */
  buffers: Float32Array[];
  capacity: number;
  /** Live batch rows (a prefix of the buffers' rows after compaction). */
  rows: number;
  /** Filled slots (columns) of every row. */
  length: number;
  /**
   * The `cache_bias` input, rows x capacity: 0 for a filled slot that is attended, -1e9 for padding and empty
   * slots. Kept in step with the buffers, so a step feeds it as is instead of rebuilding it.
   */
  bias: Float32Array;
  /**
   * Tensors over the live rows ([rows, kv_heads, capacity, head_dim] per buffer, [rows, 1, 1, capacity] for the
   * bias), made again only when the rows, the capacity or the buffers change: the feeds of every step and the
   * handles share them.
   */
  views: Tensor[];
  biasView: Tensor;
  /** The handle currently valid for this state; older handles are stale. */
  current: KvCache | null;
}

/**
 * A {@link DecoderRunner} over {@link buildStaticCacheDecoder}: the KV cache lives in preallocated buffers sized
 * by {@link ForwardBatch.capacity} (grown when exceeded), each step feeds them to ONNX Runtime without a copy and
 * writes only the new keys/values into them. Caches it returns are handles to that state: each can be passed to
 * `forward` or `selectRows` once (the call advances the shared buffers, so the old handle becomes stale and is
 * rejected).
 *
 * @example
 * ```ts
 * const runner = await StaticCacheRunner.create(config, store, { intraOpNumThreads: 2 });
 * const lm = new LocalLanguageModel(runner, tokenizer, { maxPositions: config.maxPositions });
 * ```
 */
export class StaticCacheRunner implements DecoderRunner {
  /** Width of the logits (config.vocabSize). */
  readonly vocabSize: number;
  private readonly states = new WeakMap<KvCache, CacheState>();
  private readonly layers: number;
  private readonly kvHeads: number;
  private readonly headDim: number;
  /** Feed / output names per cache buffer (k0, v0, k1, v1, ...), built once. */
  private readonly cacheNames: string[];
  private readonly newNames: string[];

  constructor(
    private readonly fn: CompiledGraph,
    config: DecoderConfig,
    private readonly label = 'decoder',
  ) {
    this.vocabSize = config.vocabSize;
    this.layers = config.nLayers;
    this.kvHeads = config.nKvHeads;
    this.headDim = headDim(config);
    const kv = Array.from({ length: 2 * this.layers }, (_, i) => `${i >> 1}.${i & 1 ? 'value' : 'key'}`);
    this.cacheNames = kv.map((n) => `cache.${n}`);
    this.newNames = kv.map((n) => `new.${n}`);
  }

  /** Build and compile the static-cache graph of a project decoder. */
  static async create(
    config: DecoderConfig,
    store: ParameterStore,
    session?: CompileOptions,
    label?: string,
  ): Promise<StaticCacheRunner> {
    const fn = await compile(buildStaticCacheDecoder(config, store), session);
    return new StaticCacheRunner(fn, config, label);
  }

  /**
   * One forward over the batch: the first call (cache null) allocates buffers for `batch.capacity` positions;
   * later calls take the handle the previous call returned. Returns the logits and the new handle.
   * @throws {GenerationError} for a stale handle or an attention mask that does not match the cache.
   */
  async forward(batch: ForwardBatch): Promise<{
    /** [batch, seq, vocab] float32. */
    logits: Tensor;
    /** The handle to pass to the next call (the one passed in is now stale). */
    cache: KvCache;
  }> {
    const [b, s] = batch.inputIds.shape;
    const total = batch.attentionMask.shape[1];
    let state: CacheState;
    if (batch.cache === null) {
      state = this.allocate(b, Math.max(batch.capacity ?? s, s));
    } else {
      state = this.stateOf(batch.cache, 'forward');
      if (state.rows !== b)
        throw new GenerationError(
          `${this.label}: the cache holds ${state.rows} rows but the batch has ${b}.`,
        );
      if (state.length + s > state.capacity) this.grow(state, Math.max(2 * state.capacity, state.length + s));
    }
    const past = state.length;
    if (total !== past + s) {
      throw new GenerationError(
        `${this.label}: attention_mask has ${total} columns; the cache holds ${past} and ${s} are new, so it needs ${past + s}.`,
      );
    }
    const cap = state.capacity;
    const mask = batch.attentionMask.data as BigInt64Array;
    // Causal + padding bias among the new tokens (the cache's slots are already in state.bias).
    const newBias = new Float32Array(b * s * s).fill(NEG);
    for (let r = 0; r < b; r++) {
      for (let j = 0; j < s; j++) {
        if (mask[r * total + past + j] <= 0n) continue;
        for (let i = j; i < s; i++) newBias[(r * s + i) * s + j] = 0;
      }
    }
    const feeds: Record<string, Tensor> = {
      input_ids: batch.inputIds,
      position_ids: batch.positionIds,
      cache_bias: state.biasView,
      new_bias: new Tensor('float32', newBias, [b, 1, s, s]),
    };
    for (let i = 0; i < this.cacheNames.length; i++) feeds[this.cacheNames[i]] = state.views[i];
    const out = await this.fn(feeds);
    // Write the new keys/values into their slots: [b, kvh, s, hd] -> [b, kvh, past..past+s, hd]. Runs shorter
    // than 32 floats (one decoded token of a small head) copy faster element by element than through a
    // subarray view per (row, head); longer ones through set() (measured crossover: head_dim 32).
    const run = s * this.headDim;
    const groups = b * this.kvHeads;
    for (let i = 0; i < this.newNames.length; i++) {
      const src = out[this.newNames[i]].data as Float32Array;
      const dst = state.buffers[i];
      for (let rh = 0; rh < groups; rh++) {
        const from = rh * run;
        const to = (rh * cap + past) * this.headDim;
        if (run < 32) for (let e = 0; e < run; e++) dst[to + e] = src[from + e];
        else dst.set(src.subarray(from, from + run), to);
      }
    }
    // The new slots join the cache: attended ones (mask 1) get bias 0 from the next step on.
    for (let r = 0; r < b; r++)
      for (let j = 0; j < s; j++) if (mask[r * total + past + j] > 0n) state.bias[r * cap + past + j] = 0;
    state.length = past + s;
    return { logits: out.logits, cache: this.handle(state) };
  }

  /** Keep the given batch rows of the cached state (moved within its buffers when in order); returns the new handle. */
  selectRows(cache: KvCache, rows: readonly number[]): KvCache {
    const state = this.stateOf(cache, 'selectRows');
    rows.forEach((r) => {
      if (!Number.isInteger(r) || r < 0 || r >= state.rows)
        throw new GenerationError(`selectRows: row ${r} is not in the cache's ${state.rows} rows.`);
    });
    const ascending = rows.every((r, i) => i === 0 || r > rows[i - 1]);
    const cap = state.capacity;
    const hd = this.headDim;
    const kvh = this.kvHeads;
    const rowSize = kvh * cap * hd;
    // A row moves up to its last head's filled slots, in one copy: slots past `length` are masked (bias -1e9)
    // until a later step writes them, so whatever they hold is never attended.
    const span = (kvh - 1) * cap * hd + state.length * hd;
    if (ascending) {
      // Row i moves from row rows[i] >= i: an in-place forward compaction never overwrites a row still to move.
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        if (r === i) continue;
        for (const buf of state.buffers) buf.copyWithin(i * rowSize, r * rowSize, r * rowSize + span);
        state.bias.copyWithin(i * cap, r * cap, (r + 1) * cap);
      }
    } else {
      state.buffers = state.buffers.map((buf) => {
        const next = new Float32Array(Math.max(rows.length, 1) * rowSize);
        rows.forEach((r, i) => next.set(buf.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
        return next;
      });
      const bias = new Float32Array(Math.max(rows.length, 1) * cap).fill(NEG);
      rows.forEach((r, i) => bias.set(state.bias.subarray(r * cap, (r + 1) * cap), i * cap));
      state.bias = bias;
    }
    state.rows = rows.length;
    this.refreshViews(state);
    return this.handle(state);
  }

  /** Release the compiled graph's session. */
  dispose(): Promise<void> {
    return this.fn.dispose();
  }

  /** Buffers of finished generations, by element count, reused by the next allocation of that size. */
  private readonly pool = new Map<number, { buffers: Float32Array[]; bias: Float32Array }[]>();

  /**
   * Recycle a finished cache's buffers (generation calls this when it ends). Stale values left in them are
   * finite and always masked by the -1e9 bias, so they need no clearing.
   */
  release(cache: KvCache): void {
    const state = this.states.get(cache);
    if (!state || state.current !== cache) return;
    this.states.delete(cache);
    state.current = null;
    const size = state.buffers[0].length;
    const free = this.pool.get(size) ?? [];
    if (free.length < 4) free.push({ buffers: state.buffers, bias: state.bias });
    this.pool.set(size, free);
  }

  private allocate(rows: number, capacity: number): CacheState {
    const size = rows * this.kvHeads * capacity * this.headDim;
    const reused = this.pool.get(size)?.pop();
    if (reused && reused.bias.length === rows * capacity) reused.bias.fill(NEG);
    const state: CacheState = {
      buffers: reused?.buffers ?? Array.from({ length: 2 * this.layers }, () => new Float32Array(size)),
      capacity,
      rows,
      length: 0,
      bias:
        reused && reused.bias.length === rows * capacity
          ? reused.bias
          : new Float32Array(rows * capacity).fill(NEG),
      views: [],
      biasView: Tensor.zeros([0]),
      current: null,
    };
    this.refreshViews(state);
    return state;
  }

  private refreshViews(state: CacheState): void {
    const { rows, capacity } = state;
    const rowSize = this.kvHeads * capacity * this.headDim;
    const shape = [rows, this.kvHeads, capacity, this.headDim];
    state.views = state.buffers.map((buf) => new Tensor('float32', buf.subarray(0, rows * rowSize), shape));
    state.biasView = new Tensor('float32', state.bias.subarray(0, rows * capacity), [rows, 1, 1, capacity]);
  }

  private grow(state: CacheState, capacity: number): void {
    const hd = this.headDim;
    const old = state.capacity;
    const groups = state.rows * this.kvHeads;
    state.buffers = state.buffers.map((buf) => {
      const next = new Float32Array(groups * capacity * hd);
      for (let gI = 0; gI < groups; gI++)
        next.set(buf.subarray(gI * old * hd, (gI * old + state.length) * hd), gI * capacity * hd);
      return next;
    });
    const bias = new Float32Array(state.rows * capacity).fill(NEG);
    for (let r = 0; r < state.rows; r++)
      bias.set(state.bias.subarray(r * old, r * old + state.length), r * capacity);
    state.bias = bias;
    state.capacity = capacity;
    this.refreshViews(state);
  }

  /** A fresh handle for the state (a new array of its views); the previous handle becomes stale. */
  private handle(state: CacheState): KvCache {
    const h: KvCache = [...state.views];
    state.current = h;
    this.states.set(h, state);
    return h;
  }

  private stateOf(cache: KvCache, what: string): CacheState {
    const state = this.states.get(cache);
    if (!state)
      throw new GenerationError(
        `${this.label}: ${what} got a cache this runner did not make; pass the cache its last call returned.`,
      );
    if (state.current !== cache) {
      throw new GenerationError(
        `${this.label}: ${what} got a stale cache: a later call already advanced it (a static cache is updated in place; use each returned cache once).`,
      );
    }
    return state;
  }
}
