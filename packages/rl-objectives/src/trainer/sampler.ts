import {
  buildStaticCacheDecoder,
  type DecoderConfig,
  LocalLanguageModel,
  ParameterStore,
  StaticCacheRunner,
  type Tokenizer,
} from '@proj/models';
import {
  type CompiledGraph,
  compile,
  type Feeds,
  type Graph,
  SessionError,
  type SessionOptions,
  Tensor,
} from '@proj/runtime';

type OrtTensor = ReturnType<Tensor['toOrt']>;

/**
 * Compile a graph whose parameters named by `weights()` are graph INPUTS, fed on every call from the live
 * tensors `weights()` returns (e.g. a training step's parameter buffers). The result behaves like
 * `compile(g)`: call it with the other inputs only; its `inputs` list leaves the weights out. Return the same
 * Map from `weights()` while the tensors stay the same objects, and a new one when any is replaced.
 *
 * ONNX Runtime wrappers of the weights are made once per weight tensor: with the host optimiser the training
 * buffers are updated in place, so the same wrappers stay valid across steps; a replaced tensor (graph-mode
 * optimiser) gets a new one. The non-weight feeds skip compile()'s per-call validation (the callers build
 * them), which would otherwise re-check every weight on every decoded token.
 *
 * @example
 * ```ts
 * const { g } = buildDecoderGraph(config, store, { kvCache: true });
 * const fn = await compileWithLiveWeights(g, () => trainStep.params());
 * ```
 */
export async function compileWithLiveWeights(
  g: Graph,
  weights: () => ReadonlyMap<string, Tensor>,
  session: SessionOptions = {},
): Promise<CompiledGraph> {
  const live = new Set(weights().keys());
  const fn = await compile(g, { ...session, paramsAsInputs: (n) => live.has(n) });
  const wrappers = new Map<string, { src: Tensor; ort: OrtTensor }>();
  // Wrappers of the other feeds by tensor: callers that feed the same tensor objects on every call (the
  // static-cache runner's cache views) reuse theirs. Tensors never change their data or shape, so this is safe.
  const feedWrappers = new WeakMap<Tensor, OrtTensor>();
  let lastMap: ReadonlyMap<string, Tensor> | null = null;
  let base: Record<string, OrtTensor> = {};
  const run: CompiledGraph['run'] = async (feeds, o) => {
    const map = weights();
    // A weights() that returns the same Map until the weights change makes this a plain object copy.
    if (map !== lastMap) {
      base = {};
      for (const [k, v] of map) {
        let w = wrappers.get(k);
        if (w === undefined || w.src !== v) {
          w = { src: v, ort: v.toOrt() };
          wrappers.set(k, w);
        }
        base[k] = w.ort;
      }
      lastMap = map;
    }
    const ortFeeds: Record<string, OrtTensor> = { ...base };
    for (const [k, t] of Object.entries(feeds)) {
      let w = feedWrappers.get(t);
      if (w === undefined) {
        w = t.toOrt();
        feedWrappers.set(t, w);
      }
      ortFeeds[k] = w;
    }
    let out: Awaited<ReturnType<typeof fn.session.run>>;
    try {
      out = o?.outputs ? await fn.session.run(ortFeeds, [...o.outputs]) : await fn.session.run(ortFeeds);
    } catch (e) {
      throw new SessionError(`ONNX Runtime failed running graph '${g.name}': ${(e as Error).message}`, {
        cause: e,
      });
    }
    const result: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) result[k] = Tensor.fromOrt(v);
    return result;
  };
  return Object.assign((feeds: Feeds) => run(feeds), {
    run,
    inputs: fn.inputs.filter((i) => !live.has(i.name)),
    outputs: fn.outputs,
    model: fn.model,
    session: fn.session,
    dispose: () => fn.dispose(),
  }) as unknown as CompiledGraph;
}

/**
 * A {@link LocalLanguageModel} over the static-cache decode graph (`buildStaticCacheDecoder`: the KV cache
 * stays in preallocated buffers ONNX Runtime reads in place, only the new keys/values come back) whose trained
 * weights are graph inputs fed from live tensors ({@link compileWithLiveWeights}), so the sampler always runs
 * the current policy without rebuilding or recompiling anything after an optimiser step.
 *
 * Why inputs: recompiling the inference session after each update costs a graph build, serialisation and a
 * session creation (milliseconds even for a tiny model; see bench/trainer.bench.ts), while feeding weights
 * costs nothing per call once each weight has its ONNX Runtime wrapper (no copy: ONNX Runtime reads the
 * typed arrays in place).
 *
 * @example
 * ```ts
 * const lm = await liveWeightsModel(config, store, tokenizer, () => trainStep.params());
 * const [[a]] = await lm.generate(['2+3='], { maxNewTokens: 2 });
 * ```
 */
export async function liveWeightsModel(
  config: DecoderConfig,
  store: ParameterStore,
  tokenizer: Tokenizer,
  weights: () => ReadonlyMap<string, Tensor>,
  options: { session?: SessionOptions; maxBatch?: number; id?: string } = {},
): Promise<LocalLanguageModel> {
  const wrapped = await compileWithLiveWeights(
    buildStaticCacheDecoder(config, store),
    weights,
    options.session,
  );
  const id = options.id ?? 'policy';
  return new LocalLanguageModel(new StaticCacheRunner(wrapped, config, id), tokenizer, {
    id,
    maxBatch: options.maxBatch,
    maxPositions: config.maxPositions,
  });
}

/**
 * A {@link LocalLanguageModel} over the static-cache decode graph with the given weights baked in as
 * initializers (the recompile strategy: rebuild it after each update). Used for frozen models (a reference
 * policy) and as the baseline the trainer's benchmark compares live weights against; it runs the same graph as
 * {@link liveWeightsModel}, so both sample the same tokens from the same weights.
 *
 * @example
 * ```ts
 * const lm = await frozenModel(config, trainer.parameters(), tokenizer);
 * ```
 */
export async function frozenModel(
  config: DecoderConfig,
  weights: ReadonlyMap<string, Tensor>,
  tokenizer: Tokenizer,
  options: { session?: SessionOptions; maxBatch?: number; id?: string } = {},
): Promise<LocalLanguageModel> {
  const store = new ParameterStore({ tensors: weights });
  const id = options.id ?? 'frozen';
  const runner = await StaticCacheRunner.create(config, store, options.session, id);
  return new LocalLanguageModel(runner, tokenizer, {
    id,
    maxBatch: options.maxBatch,
    maxPositions: config.maxPositions,
  });
}
