import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Graph } from '../graph/graph.js';
import { toModel } from '../graph/to-model.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/types.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { type Feeds, specsOf, validateFeeds } from './compile.js';
import { SessionError } from './errors.js';
import { type SessionOptions, ortOptions as toOrtOptions } from './session.js';

// The worker is plain CommonJS evaluated from a string, so it runs the same from src/ (tests) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
parentPort.on('message', async (msg) => {
  try {
    if (msg.type === 'load') {
      if (!sessions.has(msg.id)) sessions.set(msg.id, ort.InferenceSession.create(msg.bytes, msg.options));
      await sessions.get(msg.id);
      parentPort.postMessage({ seq: msg.seq, ok: true });
    } else if (msg.type === 'run') {
      const session = await sessions.get(msg.id);
      const feeds = {};
      for (const [k, t] of Object.entries(msg.feeds)) feeds[k] = new ort.Tensor(t.dtype, t.data, t.shape);
      const result = await session.run(feeds);
      const out = {};
      const transfer = [];
      for (const [k, v] of Object.entries(result)) {
        out[k] = { dtype: v.type, data: v.data, shape: v.dims };
        transfer.push(v.data.buffer);
      }
      parentPort.postMessage({ seq: msg.seq, ok: true, out }, transfer);
    } else if (msg.type === 'unload') {
      const s = sessions.get(msg.id);
      sessions.delete(msg.id);
      if (s) await (await s).release();
      parentPort.postMessage({ seq: msg.seq, ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ seq: msg.seq, ok: false, error: String(e && e.message || e) });
  }
});
`;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: number;
  loaded: Set<number>;
  pending: Map<number, Pending>;
}

/** A model registered with a {@link WorkerPool}. */
export interface PooledModel {
  /** Run on the least busy worker. */
  run(feeds: Feeds): Promise<Record<string, Tensor>>;
  /** Release the model's sessions in every worker. */
  dispose(): Promise<void>;
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of worker threads (default 2). */
  size?: number;
  /** Intra-op threads per session inside each worker (default 1, so workers x threads <= cores). */
  intraOpNumThreads?: number;
}

/**
 * Runs ONNX Runtime sessions in worker threads. `session.run` is a synchronous native call that blocks the
 * event loop; a pool keeps the main thread responsive and runs independent calls in parallel (one per worker).
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2 });
 * const m = await pool.load(graph);
 * const [a, b] = await Promise.all([m.run({ x: x1 }), m.run({ x: x2 })]); // run in parallel
 * await pool.close();
 * ```
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly intraOp: number;
  private seq = 0;
  private readonly ortPath: string;
  private nextModelId = 0;
  private closed = false;

  constructor(options: WorkerPoolOptions = {}) {
    const size = options.size ?? 2;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`WorkerPool size must be a positive integer, got ${size}.`);
    this.intraOp = options.intraOpNumThreads ?? 1;
    this.ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    for (let i = 0; i < size; i++) this.workers.push(this.spawn(i));
  }

  /**
   * Start worker `i`. A worker that dies (a crash in native code, an out-of-memory) rejects its pending calls and
   * is replaced by a fresh one, which reloads models on first use.
   */
  private spawn(i: number): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: this.ortPath } });
    const pw: PoolWorker = { worker, busy: 0, loaded: new Set(), pending: new Map() };
    worker.on('message', (msg: { seq: number; ok: boolean; error?: string; out?: unknown }) => {
      const p = pw.pending.get(msg.seq);
      if (!p) return;
      pw.pending.delete(msg.seq);
      if (msg.ok) p.resolve(msg.out);
      else p.reject(new SessionError(`Worker ${i}: ${msg.error}`));
    });
    const fail = (why: string) => {
      for (const p of pw.pending.values())
        p.reject(new SessionError(`Worker ${i} ${why}; it was restarted, retry the call.`));
      pw.pending.clear();
      if (!this.closed && this.workers[i] === pw) this.workers[i] = this.spawn(i);
    };
    worker.on('error', (e) => fail(`crashed (${e.message})`));
    worker.on('exit', (code) => {
      if (!this.closed) fail(`exited with code ${code}`);
    });
    worker.unref();
    return pw;
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Register a model; sessions are created lazily in each worker on first use. */
  async load(source: Graph | ModelProto | Uint8Array, options: SessionOptions = {}): Promise<PooledModel> {
    if (this.closed) throw new SessionError('WorkerPool is closed.');
    const model =
      source instanceof Graph ? toModel(source) : source instanceof Uint8Array ? decodeModel(source) : source;
    const bytes = source instanceof Uint8Array ? source : encodeModel(model);
    const inputs = specsOf(model, 'input', new Set(model.graph.initializer.map((t) => t.name)));
    const id = this.nextModelId++;
    // The same session options as compile() (providers, threads, config entries), one thread by default.
    const ortOptions = toOrtOptions({
      ...options,
      intraOpNumThreads: options.intraOpNumThreads ?? this.intraOp,
    });
    // Load eagerly on the first worker so model errors surface here.
    await this.send(this.workers[0], { type: 'load', id, bytes, options: ortOptions });
    this.workers[0].loaded.add(id);
    return {
      run: async (feeds) => {
        validateFeeds(inputs, feeds, 'pooled model');
        const w = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
        w.busy++;
        try {
          if (!w.loaded.has(id)) {
            await this.send(w, { type: 'load', id, bytes, options: ortOptions });
            w.loaded.add(id);
          }
          const wire: Record<string, { dtype: DType; data: Tensor['data']; shape: readonly number[] }> = {};
          for (const [k, t] of Object.entries(feeds))
            wire[k] = { dtype: t.dtype, data: t.data, shape: t.shape };
          const out = (await this.send(w, { type: 'run', id, feeds: wire })) as Record<
            string,
            { dtype: DType; data: Tensor['data']; shape: number[] }
          >;
          const res: Record<string, Tensor> = {};
          for (const [k, v] of Object.entries(out)) res[k] = new Tensor(v.dtype, v.data, v.shape);
          return res;
        } finally {
          w.busy--;
        }
      },
      dispose: async () => {
        await Promise.all(
          this.workers
            .filter((w) => w.loaded.has(id))
            .map(async (w) => {
              w.loaded.delete(id);
              await this.send(w, { type: 'unload', id });
            }),
        );
      },
    };
  }

  /** Terminate every worker. Pending calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private send(w: PoolWorker, msg: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new SessionError('WorkerPool is closed.'));
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      w.pending.set(seq, { resolve, reject });
      w.worker.ref();
      w.worker.postMessage({ ...msg, seq });
    }).finally(() => {
      if (w.pending.size === 0) w.worker.unref();
    });
  }
}
