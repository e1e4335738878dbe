import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { ExecutionProviderError, SessionError } from './errors.js';

/** Where a compiled graph runs. `webgpu` needs a GPU with Vulkan; `cuda` needs ONNX Runtime's CUDA libraries. */
export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';

/** ONNX Runtime graph optimisation level. */
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/**
 * Session options shared by {@link compile} and the worker pool.
 * @example
 * ```ts
 * await compile(g, { intraOpNumThreads: 2, optimizationLevel: 'all', profilePrefix: 'prof/step' });
 * ```
 */
export interface SessionOptions {
  /** Execution provider (default 'cpu'). */
  executionProvider?: ExecutionProvider;
  /** GPU index for cuda (default 0); webgpu picks its adapter itself. */
  deviceId?: number;
  /**
   * Intra-op threads of this session's own pool (default: the machine's available parallelism). Each session
   * owns a pool: lower it when several sessions run at once, or they oversubscribe the cores.
   */
  intraOpNumThreads?: number;
  /** Optimisation level (default 'all'). */
  optimizationLevel?: OptimizationLevel;
  /**
   * 'sequential' (default) runs one node at a time, each using the intra-op threads; 'parallel' also runs
   * independent nodes concurrently on `interOpNumThreads` threads (can help graphs with many small ops, e.g.
   * backward passes).
   */
  executionMode?: 'sequential' | 'parallel';
  /** Threads for running independent nodes concurrently in 'parallel' mode (default 2 there, else 1). */
  interOpNumThreads?: number;
  /**
   * Record ONNX Runtime's per-node profile (a Chrome-trace JSON written under this file prefix, e.g.
   * '/tmp/prof/step'); read it with `CompiledGraph.endProfiling()`. Profiled sessions are never shared.
   */
  profilePrefix?: string;
  /**
   * Raw ONNX Runtime session config entries (keys of onnxruntime_session_options_config_keys.h), e.g.
   * `{ 'optimization.disable_specified_optimizers': 'MatMulAddFusion' }`.
   */
  sessionConfig?: Record<string, string>;
  /**
   * ONNX Runtime's CPU memory arena (default true). Keep it on for training steps: without it every intermediate
   * is fresh memory, and page faults dominated (26 vs 16 ms for the small benchmark GPT's step).
   */
  enableCpuMemArena?: boolean;
  /** Share one session between identical models + options (default true). */
  cache?: boolean;
}

/** Flat config keys ('a.b.c') to the nested object the Node binding's `extra` option takes. */
function nestConfig(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

interface CacheEntry {
  session: Promise<ort.InferenceSession>;
  refs: number;
}

const cache = new Map<string, CacheEntry>();

/**
 * Execution providers this onnxruntime-node build offers (bundled ones can still fail without the hardware).
 * `name` is the provider (`'cpu'`, `'webgpu'`, `'cuda'`, ...); `bundled` is true when it ships inside the npm
 * package (otherwise its libraries come from the install script, which `onnxruntime-node-install=skip` skips).
 * @example availableExecutionProviders().map((p) => p.name) // ['cpu', 'webgpu', 'cuda', 'tensorrt'] on Linux x64
 */
export function availableExecutionProviders(): {
  /** Provider name as ONNX Runtime lists it. */
  name: string;
  /** Whether it ships inside the npm package. */
  bundled: boolean;
}[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

/** The onnxruntime-node session options for {@link SessionOptions} (validates the execution provider). */
export function ortOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  const ep = o.executionProvider ?? 'cpu';
  const supported = ort.listSupportedBackends();
  const entry = supported.find((b) => b.name === ep);
  if (!entry) {
    throw new ExecutionProviderError(
      `Execution provider '${ep}' is not in this onnxruntime-node build (available: ${supported.map((b) => b.name).join(', ')}). Use 'cpu'.`,
    );
  }
  // The WebGPU provider takes no device id (it picks the adapter itself); CUDA does.
  const providers: ort.InferenceSession.ExecutionProviderConfig[] =
    ep === 'cpu'
      ? ['cpu']
      : ep === 'webgpu'
        ? [{ name: 'webgpu' } as ort.InferenceSession.ExecutionProviderConfig]
        : [{ name: ep, deviceId: o.deviceId ?? 0 } as ort.InferenceSession.ExecutionProviderConfig];
  return {
    executionProviders: providers,
    intraOpNumThreads: o.intraOpNumThreads ?? availableParallelism(),
    interOpNumThreads: o.interOpNumThreads ?? (o.executionMode === 'parallel' ? 2 : 1),
    graphOptimizationLevel: o.optimizationLevel ?? 'all',
    enableCpuMemArena: o.enableCpuMemArena ?? true,
    executionMode: o.executionMode ?? 'sequential',
    logSeverityLevel: 3,
    ...(o.profilePrefix ? { enableProfiling: true, profileFilePrefix: o.profilePrefix } : {}),
    ...(o.sessionConfig ? { extra: nestConfig(o.sessionConfig) } : {}),
  };
}

function explainProviderFailure(ep: ExecutionProvider, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (ep === 'webgpu') {
    return new ExecutionProviderError(
      `WebGPU execution provider could not start (${msg}). It needs a GPU with a Vulkan driver (libvulkan and the vendor ICD); use executionProvider 'cpu' on machines without one.`,
    );
  }
  if (ep === 'cuda') {
    return new ExecutionProviderError(
      `CUDA execution provider could not start (${msg}). onnxruntime-node's CUDA libraries are installed by its install script (this project skips it via .npmrc onnxruntime-node-install=skip); on a CUDA 12 machine with network access run 'npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12', or use 'cpu'.`,
    );
  }
  return new SessionError(`ONNX Runtime could not create a session: ${msg}`);
}

/**
 * Create (or reuse) an InferenceSession for model bytes. Identical bytes + options share one session while
 * referenced; call {@link releaseSession} with the returned key when done.
 */
export async function acquireSession(
  model: Uint8Array,
  options: SessionOptions = {},
  /** Create the session from this .onnx path instead (ONNX Runtime then resolves external data next to it). */
  path?: string,
): Promise<{ session: ort.InferenceSession; key: string | null }> {
  const opts = ortOptions(options);
  const ep = options.executionProvider ?? 'cpu';
  const create = async () => {
    try {
      return path === undefined
        ? await ort.InferenceSession.create(model, opts)
        : await ort.InferenceSession.create(path, opts);
    } catch (e) {
      if (ep !== 'cpu') throw explainProviderFailure(ep, e);
      throw new SessionError(`ONNX Runtime could not load the model: ${(e as Error).message}`, { cause: e });
    }
  };
  if (options.cache === false || options.profilePrefix) return { session: await create(), key: null };
  // A model read from a path may keep weights in external files next to it: the path is part of its identity.
  const key = `${createHash('sha1').update(model).digest('hex')}:${path ?? ''}:${JSON.stringify(opts)}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = { session: create(), refs: 0 };
    cache.set(key, entry);
    entry.session.catch(() => cache.delete(key));
  }
  entry.refs++;
  return { session: await entry.session, key };
}

/** Drop one reference to a cached session; the session is released when none is left. */
export async function releaseSession(key: string | null, session: ort.InferenceSession): Promise<void> {
  if (key === null) {
    await session.release();
    return;
  }
  const entry = cache.get(key);
  if (!entry) return;
  entry.refs--;
  if (entry.refs <= 0) {
    cache.delete(key);
    await session.release();
  }
}

/** Number of live cached sessions (for tests and diagnostics). */
export function cachedSessionCount(): number {
  return cache.size;
}
