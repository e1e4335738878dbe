import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { Graph } from '../graph/graph.js';
import { INPUT_FILL_KEY, type ToModelOptions, toModel } from '../graph/to-model.js';
import type { Value } from '../graph/value.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/types.js';
import { type DType, dtypeFromOnnxCode } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { FeedError, SessionError } from './errors.js';
import { latestProfileFile, type ProfileSummary, summarizeProfile } from './profile.js';
import { acquireSession, releaseSession, type SessionOptions } from './session.js';

/** Named input tensors. */
export type Feeds = Record<string, Tensor>;

/** Name, dtype and shape of a model input or output (`null` dims are unknown, strings symbolic). */
export interface IOSpec {
  /** Input or output name in the model. */
  name: string;
  /** Element type (`null` for types the runtime does not support, e.g. strings). */
  dtype: DType | null;
  /** Dimensions: numbers, names of dynamic dimensions, `null` for unknown ones; `null` when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** Per-call options of {@link CompiledGraph.run}. */
export interface RunOptions {
  /** Fetch only these outputs. */
  outputs?: readonly string[];
  /** Preallocated destinations (shape and dtype must match the outputs); returned as-is, filled in. */
  into?: Record<string, Tensor>;
}

/** Options of {@link compile}. */
export interface CompileOptions extends SessionOptions {
  /** For graphs: outputs to compute (default: the graph's declared outputs). */
  outputs?: Record<string, Value> | ReadonlyMap<string, Value>;
  /** For graphs: parameters become inputs to feed (see {@link ToModelOptions.paramsAsInputs}). */
  paramsAsInputs?: ToModelOptions['paramsAsInputs'];
}

/**
 * A compiled model: call it with named tensors, get named tensors back. Backed by one (cached)
 * ONNX Runtime InferenceSession; call {@link CompiledGraph.dispose} when done.
 *
 * @example
 * ```ts
 * const f = await compile(g);
 * f.inputs; // [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }]
 * const { logits } = await f({ x: Tensor.randn([8, 4], { seed: 1 }) });
 * await f.dispose();
 * ```
 */
export interface CompiledGraph {
  /** Run the model on named input tensors; resolves to every output by name. @throws {FeedError} for bad feeds. */
  (feeds: Feeds): Promise<Record<string, Tensor>>;
  /**
   * Same as calling it; `outputs` restricts which outputs are fetched, `into` gives preallocated tensors that
   * ONNX Runtime writes those outputs into (no new buffers: useful for large outputs fetched every call).
   */
  run(feeds: Feeds, options?: RunOptions): Promise<Record<string, Tensor>>;
  /** The model's inputs (initializers excluded); inputs declared with a `fill` may be left out of the feeds. */
  readonly inputs: readonly IOSpec[];
  /** The outputs a call returns. */
  readonly outputs: readonly IOSpec[];
  /** The serialised model the session runs. */
  readonly model: Uint8Array;
  /** The underlying session (for advanced use: profiling, metadata). */
  readonly session: ort.InferenceSession;
  /** Release this handle's session reference. Further calls throw. */
  dispose(): Promise<void>;
  /**
   * Stop profiling (compile with `profilePrefix`) and summarise where the time went, per op type.
   * @throws {SessionError} when the graph was not compiled with profiling.
   */
  endProfiling(): Promise<ProfileSummary>;
}

/** Input or output specs of a model (initializers listed among old exports' inputs excluded via `exclude`). */
export function specsOf(
  model: ModelProto,
  which: 'input' | 'output',
  exclude: ReadonlySet<string>,
): IOSpec[] {
  return model.graph[which]
    .filter((vi) => !exclude.has(vi.name))
    .map((vi) => {
      const tt = vi.type?.tensorType;
      let dtype: DType | null = null;
      try {
        dtype = tt ? dtypeFromOnnxCode(tt.elemType) : null;
      } catch {
        dtype = null;
      }
      const shape = tt?.shape ? tt.shape.dim.map((d) => d.dimValue ?? d.dimParam ?? null) : null;
      return { name: vi.name, dtype, shape };
    });
}

/**
 * Check feeds against the input specs; the error lists every problem and the expected signature.
 * `ignored` names feeds to accept without a spec, `optional` specs that may be left out.
 * @throws {FeedError} for missing, unknown, mistyped or misshaped feeds.
 * @example validateFeeds(f.inputs, { x: Tensor.zeros([2, 4]) }, 'my model')
 */
export function validateFeeds(
  specs: readonly IOSpec[],
  feeds: Feeds,
  what = 'model',
  ignored: ReadonlySet<string> = new Set(),
  optional: ReadonlySet<string> = new Set(),
): void {
  const problems: string[] = [];
  const names = new Set(specs.map((s) => s.name));
  for (const s of specs) {
    const t = feeds[s.name];
    if (t === undefined) {
      if (!optional.has(s.name)) problems.push(`missing input '${s.name}'`);
      continue;
    }
    if (!(t instanceof Tensor)) {
      problems.push(`input '${s.name}' must be a Tensor, got ${typeof t}`);
      continue;
    }
    if (s.dtype && t.dtype !== s.dtype) problems.push(`input '${s.name}' must be ${s.dtype}, got ${t.dtype}`);
    if (s.shape) {
      if (t.rank !== s.shape.length) {
        problems.push(
          `input '${s.name}' must have rank ${s.shape.length} [${s.shape.join(', ')}], got [${t.shape.join(', ')}]`,
        );
      } else {
        s.shape.forEach((d, i) => {
          if (typeof d === 'number' && t.shape[i] !== d) {
            problems.push(
              `input '${s.name}' dimension ${i} must be ${d}, got ${t.shape[i]} (shape [${t.shape.join(', ')}])`,
            );
          }
        });
      }
    }
  }
  for (const k of Object.keys(feeds))
    if (!names.has(k) && !ignored.has(k)) problems.push(`unknown input '${k}'`);
  if (problems.length) {
    const sig = specs.map((s) => `${s.name}: ${s.dtype ?? '?'}[${(s.shape ?? ['?']).join(', ')}]`).join('; ');
    throw new FeedError(`Bad feeds for ${what}: ${problems.join('; ')}. Expected inputs: ${sig}.`);
  }
}

/**
 * Compile a {@link Graph} (or an ONNX ModelProto, serialised model bytes, or a path to an .onnx file whose
 * external data sits beside it) into a callable backed by an ONNX Runtime session. Sessions are cached: compiling the same model with the same options twice shares one.
 *
 * @example
 * ```ts
 * const f = await compile(g, { intraOpNumThreads: 2 });
 * const { y } = await f({ x: Tensor.randn([8, 512], { seed: 1 }) });
 * await f.dispose();
 * ```
 */
export async function compile(
  source: Graph | ModelProto | Uint8Array | string,
  options: CompileOptions = {},
): Promise<CompiledGraph> {
  let model: ModelProto | null = null;
  let bytes: Uint8Array;
  let label = 'model';
  let path: string | undefined;
  // Graph inputs the requested outputs do not need are left out of the model; feeds for them are ignored.
  let unused: ReadonlySet<string> = new Set();
  if (source instanceof Graph) {
    model = toModel(source, { outputs: options.outputs, paramsAsInputs: options.paramsAsInputs });
    bytes = encodeModel(model);
    label = `graph '${source.name}'`;
    const kept = new Set(model.graph.input.map((i) => i.name));
    unused = new Set(source.inputs.map((v) => v.name).filter((n) => !kept.has(n)));
  } else if (source instanceof Uint8Array) {
    bytes = source;
  } else if (typeof source === 'string') {
    path = resolve(source);
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new SessionError(
        `cannot read ONNX model ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    label = path;
  } else {
    model = source;
    bytes = encodeModel(source);
  }
  const { session, key } = await acquireSession(bytes, options, path);
  // Specs come from the ModelProto (exact dtypes and symbolic dims). Optional inputs (Graph.input's `fill`) are filled in when not fed.
  if (!model) model = decodeModel(bytes);
  const fillJson = model.metadataProps?.find((m) => m.key === INPUT_FILL_KEY)?.value;
  const fills: Record<string, number> = fillJson ? JSON.parse(fillJson) : {};
  const optional = new Set(Object.keys(fills));
  // Older exports list initializers among the inputs: those are not required feeds.
  const inputs = specsOf(model, 'input', new Set(model.graph.initializer.map((t) => t.name)));
  const outputs = specsOf(model, 'output', new Set());
  let disposed = false;
  const run = async (feeds: Feeds, runOptions: RunOptions = {}) => {
    if (disposed) throw new SessionError(`${label} was disposed; compile it again.`);
    validateFeeds(inputs, feeds, label, unused, optional);
    for (const name of optional) {
      if (feeds[name] === undefined) {
        const spec = inputs.find((i) => i.name === name)!;
        feeds = {
          ...feeds,
          [name]: Tensor.full(spec.shape as number[], fills[name], spec.dtype ?? 'float32'),
        };
      }
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) if (!unused.has(k)) ortFeeds[k] = t.toOrt();
    let result: ort.InferenceSession.ReturnType;
    const into = runOptions.into;
    try {
      if (into) {
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of runOptions.outputs ?? outputs.map((o) => o.name))
          fetches[name] = into[name]?.toOrt() ?? null;
        result = await session.run(ortFeeds, fetches);
      } else {
        result = runOptions.outputs
          ? await session.run(ortFeeds, [...runOptions.outputs])
          : await session.run(ortFeeds);
      }
    } catch (e) {
      throw new SessionError(`ONNX Runtime failed running ${label}: ${(e as Error).message}`, { cause: e });
    }
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(result)) out[k] = into?.[k] ?? Tensor.fromOrt(v);
    return out;
  };
  const fn = ((feeds: Feeds) => run(feeds)) as CompiledGraph;
  Object.assign(fn, {
    run,
    inputs,
    outputs,
    model: bytes,
    session,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await releaseSession(key, session);
    },
    endProfiling: async () => {
      if (!options.profilePrefix)
        throw new SessionError(`${label} was not compiled with profilePrefix; nothing was profiled.`);
      session.endProfiling();
      const file = await latestProfileFile(options.profilePrefix);
      if (!file) throw new SessionError(`ONNX Runtime wrote no profile for prefix ${options.profilePrefix}.`);
      return summarizeProfile(file);
    },
  });
  return fn;
}
