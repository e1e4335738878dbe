import { type Graph, type ParamInit, Rng, Tensor, type Value } from '@proj/runtime';

/** How a parameter is initialised when a store creates it. */
export interface InitSpec {
  /** Initialiser: 'normal', 'uniform', 'xavier', 'kaiming', 'zeros' or 'ones'. */
  init: ParamInit;
  /** Standard deviation for 'normal' (default 0.02). */
  std?: number;
}

/**
 * Raised for parameter problems: a missing or misshaped weight when loading, or a name used twice with
 * different shapes.
 * @example
 * ```ts
 * try { store.get('wte.weight', [300, 64]); } catch (e) { if (e instanceof ParameterError) console.error(e.message); }
 * ```
 */
export class ParameterError extends Error {
  /** `'ParameterError'`. */
  override name = 'ParameterError';
}

/**
 * Named model weights with seeded initialisation. One store feeds every graph built for a model (training,
 * inference with KV cache, per-head exposure), so they all share the same weights; it saves to and loads from
 * safetensors through `@proj/runtime`.
 *
 * Each parameter's seed is derived from the store seed and its name, so adding a parameter does not change the
 * others.
 *
 * @example
 * ```ts
 * const store = new ParameterStore({ seed: 1 });
 * const w = store.get('h.0.mlp.fc.weight', [128, 512], { init: 'normal', std: 0.02 });
 * await saveSafetensors('model.safetensors', store.tensors());
 * ```
 */
export class ParameterStore {
  private readonly map = new Map<string, Tensor>();
  /** Seed the parameters' own seeds derive from (with their names). */
  readonly seed: number;

  constructor(
    options: { seed?: number; tensors?: ReadonlyMap<string, Tensor> | Record<string, Tensor> } = {},
  ) {
    this.seed = options.seed ?? 0;
    const t = options.tensors;
    if (t) for (const [k, v] of t instanceof Map ? t : Object.entries(t)) this.map.set(k, v);
  }

  /** Number of stored tensors. */
  get size(): number {
    return this.map.size;
  }

  /** Whether a parameter exists. */
  has(name: string): boolean {
    return this.map.has(name);
  }

  /**
   * The tensor for `name`, created with `spec` if absent. @throws {ParameterError} when it exists with another shape.
   */
  get(name: string, shape: readonly number[], spec: InitSpec = { init: 'normal' }): Tensor {
    const existing = this.map.get(name);
    if (existing) {
      if (existing.shape.length !== shape.length || existing.shape.some((d, i) => d !== shape[i])) {
        throw new ParameterError(
          `Parameter '${name}' has shape [${existing.shape.join(', ')}] but the model expects [${shape.join(', ')}]; the weights do not match the config.`,
        );
      }
      return existing;
    }
    const t = initialise(shape, spec, new Rng(mix(this.seed, name)));
    this.map.set(name, t);
    return t;
  }

  /** Replace a tensor (shapes are checked when a graph uses it). */
  set(name: string, value: Tensor): void {
    this.map.set(name, value);
  }

  /** All tensors by name (the store's own objects). */
  tensors(): Map<string, Tensor> {
    return new Map(this.map);
  }

  /** Total number of scalar parameters. */
  count(): number {
    let n = 0;
    for (const t of this.map.values()) n += t.size;
    return n;
  }

  /** Declare `name` as a graph parameter initialised from this store. */
  param(g: Graph, name: string, shape: readonly number[], spec?: InitSpec): Value {
    return g.param(name, shape, { init: this.get(name, shape, spec) });
  }
}

function mix(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function initialise(shape: readonly number[], spec: InitSpec, rng: Rng): Tensor {
  const fanIn = shape.length >= 2 ? shape[shape.length - 2] : shape[0];
  switch (spec.init) {
    case 'zeros':
      return Tensor.zeros(shape);
    case 'ones':
      return Tensor.ones(shape);
    case 'normal':
      return Tensor.randn(shape, { rng, std: spec.std ?? 0.02 });
    case 'kaiming':
      return Tensor.randn(shape, { rng, std: Math.sqrt(2 / fanIn) });
    case 'xavier': {
      const a = Math.sqrt(6 / (fanIn + shape[shape.length - 1]));
      return Tensor.rand(shape, { rng, low: -a, high: a });
    }
    case 'uniform': {
      const a = 1 / Math.sqrt(fanIn);
      return Tensor.rand(shape, { rng, low: -a, high: a });
    }
  }
}
