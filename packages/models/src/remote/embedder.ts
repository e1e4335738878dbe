import type { Embedder } from '../interfaces.js';
import { RemoteOptionsError } from './errors.js';
import { EndpointClient, type EndpointOptions } from './http.js';
import { allOrAbort, ProgressCounter, type RemoteProgress } from './progress.js';

/** Options of {@link RemoteEmbedder}. */
export interface RemoteEmbedderOptions extends EndpointOptions {
  /** Texts per /embeddings request. Default 64. */
  batchSize?: number;
  /** Expected vector length; learned from the first answer (or by {@link RemoteEmbedder.create}) when absent. */
  dimension?: number;
  /** More fields merged into every request body (e.g. `{ dimensions: 256 }` for OpenAI text-embedding-3). */
  extraBody?: Readonly<Record<string, unknown>>;
  /** Called after each finished batch request of an `embed` call. */
  onProgress?: (progress: RemoteProgress) => void;
  /** The embedder's `id`. Default: `model`. */
  id?: string;
}

const PATH = '/embeddings';

/** OpenAI may send base64 even when asked for floats (some proxies do): little-endian float32s. */
function fromBase64(s: string): number[] {
  const bytes = Buffer.from(s, 'base64');
  const out = new Array<number>(bytes.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/**
 * An {@link Embedder} served by an OpenAI-compatible /embeddings endpoint (vLLM, llama.cpp, Ollama, OpenAI).
 * Texts go in batches of `batchSize`, concurrently up to `concurrency`; every vector is re-normalised to unit
 * L2 length (servers differ on whether they normalise) and checked for a consistent dimension.
 *
 * @example
 * ```ts
 * const emb = await RemoteEmbedder.create({ baseURL: 'http://localhost:8000/v1', model: 'BAAI/bge-small-en-v1.5' });
 * const [a, b] = await emb.embed(['a cat', 'a dog']);
 * a.length === emb.dimension;
 * ```
 */
export class RemoteEmbedder implements Embedder {
  /** `options.id`, else the model name. */
  readonly id: string;
  /** Texts per /embeddings request. */
  readonly batchSize: number;
  private readonly client: EndpointClient;
  private readonly options: RemoteEmbedderOptions;
  private dim: number | undefined;

  constructor(options: RemoteEmbedderOptions) {
    this.client = new EndpointClient(options);
    const bs = options.batchSize ?? 64;
    if (!Number.isSafeInteger(bs) || bs < 1)
      throw new RemoteOptionsError(`batchSize must be an integer >= 1, got ${bs}.`);
    const d = options.dimension;
    if (d !== undefined && (!Number.isSafeInteger(d) || d < 1)) {
      throw new RemoteOptionsError(`dimension must be an integer >= 1, got ${d}.`);
    }
    this.batchSize = bs;
    this.dim = d;
    this.options = options;
    this.id = options.id ?? options.model;
  }

  /**
   * Create an embedder and, unless `options.dimension` is given, learn the dimension by embedding one probe text.
   * @example
   * ```ts
   * const emb = await RemoteEmbedder.create({ baseURL, model: 'nomic-embed-text' });
   * ```
   */
  static async create(options: RemoteEmbedderOptions): Promise<RemoteEmbedder> {
    const e = new RemoteEmbedder(options);
    if (e.dim === undefined) await e.embed(['dimension probe']);
    return e;
  }

  /**
   * Length of every vector.
   * @throws {RemoteOptionsError} before the dimension is known (pass `dimension`, use `create()`, or embed once).
   */
  get dimension(): number {
    if (this.dim === undefined) {
      throw new RemoteOptionsError(
        `The dimension of ${this.id} is not known yet: pass options.dimension, build with RemoteEmbedder.create(), or call embed() first.`,
      );
    }
    return this.dim;
  }

  /**
   * Embed texts into unit vectors, in input order.
   * @throws {EndpointError} for failed requests, or answers with missing / non-finite / zero / mis-sized vectors.
   * @example
   * ```ts
   * const vecs = await emb.embed(texts, { signal: AbortSignal.timeout(60_000) });
   * ```
   */
  async embed(
    texts: readonly string[],
    options: { signal?: AbortSignal; onProgress?: (p: RemoteProgress) => void } = {},
  ): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new RemoteOptionsError('embed() takes an array of strings.');
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new RemoteOptionsError(`texts[${i}] is ${typeof t}, not a string.`);
    });
    if (texts.length === 0) return [];
    if (options.signal?.aborted) throw options.signal.reason;
    const batches: { start: number; texts: string[] }[] = [];
    for (let s = 0; s < texts.length; s += this.batchSize)
      batches.push({ start: s, texts: texts.slice(s, s + this.batchSize) });
    const progress = new ProgressCounter(batches.length, options.onProgress ?? this.options.onProgress);
    const results = await allOrAbort(batches, options.signal, async (b, _i, signal) => {
      const body = {
        model: this.client.model,
        input: b.texts,
        encoding_format: 'float',
        ...this.options.extraBody,
      };
      const json = await this.client.postJSON(PATH, body, signal);
      progress.finish();
      return this.parse(json, b.start, b.texts.length);
    });
    return results.flat();
  }

  private parse(json: unknown, start: number, count: number): Float32Array[] {
    const data = json !== null && typeof json === 'object' ? (json as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw this.client.badResponse(PATH, 'the answer has no "data" array', json);
    if (data.length !== count) {
      throw this.client.badResponse(
        PATH,
        `${count} texts were sent but ${data.length} embeddings came back`,
        json,
      );
    }
    const rows = data.map((d, k) => {
      const item = (d ?? {}) as { index?: unknown; embedding?: unknown };
      const raw = typeof item.embedding === 'string' ? fromBase64(item.embedding) : item.embedding;
      if (!Array.isArray(raw))
        throw this.client.badResponse(PATH, `data[${k}] has no "embedding" array`, json);
      return { index: typeof item.index === 'number' ? item.index : k, raw: raw as unknown[] };
    });
    rows.sort((a, b) => a.index - b.index);
    return rows.map(({ raw }, k) => {
      const i = start + k;
      if (this.dim === undefined) this.dim = raw.length;
      if (raw.length !== this.dim) {
        const fix =
          this.options.dimension === undefined
            ? 'is baseURL serving one embedding model?'
            : 'fix options.dimension';
        throw this.client.badResponse(
          PATH,
          `the vector of text ${i} has ${raw.length} values, expected ${this.dim} (${fix})`,
          json,
        );
      }
      let ss = 0;
      for (const v of raw) {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw this.client.badResponse(PATH, `the vector of text ${i} holds a non-finite value`, json);
        }
        ss += v * v;
      }
      if (ss === 0)
        throw this.client.badResponse(
          PATH,
          `the vector of text ${i} is all zeros and cannot be normalised`,
          json,
        );
      const inv = 1 / Math.sqrt(ss);
      const out = new Float32Array(raw.length);
      for (let j = 0; j < raw.length; j++) out[j] = (raw[j] as number) * inv;
      return out;
    });
  }
}
