import { type DType, isFloatDType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { GraphBuildError } from './errors.js';
import type { Attr, Node } from './node.js';
import { type Dim, fmtShape, isStatic, type Shape } from './shape.js';
import { Value, type ValueKind } from './value.js';

/** How {@link Graph.param} fills a new parameter. */
export type ParamInit =
  | 'zeros'
  | 'ones'
  /** N(0, std^2), std default 0.02 (GPT-2 style). */
  | 'normal'
  /** U(-a, a) with a = `bound` (default 1/sqrt(fan_in)). */
  | 'uniform'
  /** Glorot/Xavier uniform: a = sqrt(6 / (fan_in + fan_out)). */
  | 'xavier'
  /** He/Kaiming normal: std = sqrt(2 / fan_in). */
  | 'kaiming';

/** Options of {@link Graph.param}. */
export interface ParamOptions {
  /** Initialiser or an explicit tensor (default 'normal'). */
  init?: ParamInit | Tensor;
  /** Seed for the random initialisers (default: derived from the parameter name). */
  seed?: number;
  /** Standard deviation for 'normal'. */
  std?: number;
  /** Bound for 'uniform'. */
  bound?: number;
  /** Element type (default float32). */
  dtype?: 'float32' | 'float64';
  /** Whether optimisers update it (default true). Frozen parameters are still graph inputs of training steps. */
  trainable?: boolean;
}

/** A named parameter of a graph: its symbolic value, current data, and whether it trains. */
export interface ParamEntry {
  /** Parameter name (the initializer's name in the model). */
  readonly name: string;
  /** Its symbolic value in the graph. */
  readonly value: Value;
  /** Its current data: the initial value, or the trained one after `TrainStep.syncToGraph()`. */
  data: Tensor;
  /** Whether training steps update it by default. */
  trainable: boolean;
}

/** Options of {@link Graph}. */
export interface GraphOptions {
  /** ONNX default-domain opset (default 17; the builder emits opset-17 op forms). */
  opset?: number;
}

/**
 * A computation graph under construction: graph inputs, parameters (trainable initializers), constants and
 * nodes, with dtype and shape inference at every step. Serialise it with {@link toModel} / compile it with
 * `compile`.
 *
 * Build ops through the fluent methods of {@link Value} (`x.matmul(w).gelu()`) or the functions of `ops`
 * (`ops.concat([a, b], 1)`). Every op checks its operands at build time and throws {@link GraphBuildError}
 * naming the op and the shapes.
 *
 * @example
 * ```ts
 * import { Graph, compile, Tensor } from '@proj/runtime';
 * const g = new Graph('mlp');
 * const x = g.input('x', 'float32', ['batch', 4]);
 * const w = g.param('w', [4, 2], { init: 'xavier', seed: 1 });
 * g.output('y', x.matmul(w).relu());
 * const f = await compile(g);
 * const { y } = await f({ x: Tensor.ones([3, 4]) });
 * ```
 */
export class Graph {
  /** Graph name (the ONNX graph's name; used in error messages). */
  readonly name: string;
  /** ONNX default-domain opset the model declares (default 17). */
  readonly opset: number;
  private nextId = 0;
  private readonly nodeList: Node[] = [];
  private readonly inputList: Value[] = [];
  private readonly paramMap = new Map<string, ParamEntry>();
  private readonly constantData = new Map<Value, Tensor>();
  private readonly inputFills = new Map<Value, number>();
  private readonly outputMap = new Map<string, Value>();
  private readonly usedNames = new Set<string>();
  private readonly scalarCache = new Map<string, Value>();
  /** Extra opset imports, e.g. `com.microsoft` when contrib ops are used. */
  readonly extraOpsets = new Map<string, number>();

  constructor(name = 'graph', options: GraphOptions = {}) {
    this.name = name;
    this.opset = options.opset ?? 17;
    if (this.opset < 17)
      throw new GraphBuildError('Graph', `opset ${this.opset} is too old; use 17 or later.`);
  }

  /** Nodes in creation (topological) order. */
  get nodes(): readonly Node[] {
    return this.nodeList;
  }

  /** Graph inputs in declaration order. */
  get inputs(): readonly Value[] {
    return this.inputList;
  }

  /** Parameters by name, in declaration order. */
  get params(): ReadonlyMap<string, ParamEntry> {
    return this.paramMap;
  }

  /** Declared outputs by name. */
  get outputs(): ReadonlyMap<string, Value> {
    return this.outputMap;
  }

  /** Data of a constant value (undefined for non-constants). */
  constantValue(v: Value): Tensor | undefined {
    return this.constantData.get(v);
  }

  /**
   * Declare a graph input. With `options.fill` it is optional: compiled graphs feed a tensor of that value
   * when the caller leaves it out (recorded in the model's metadata as `proj.input_fill`, so saved models keep it).
   * @param shape numbers for static dims, strings for dims named at run time (`['batch', 'seq']`).
   */
  input(name: string, dtype: DType, shape: Shape, options: { fill?: number } = {}): Value {
    this.claimName('input', name);
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) {
        throw new GraphBuildError(
          'input',
          `input '${name}' has invalid dimension ${d} in ${fmtShape(shape)}.`,
        );
      }
    }
    const v = this.newValue('input', name, dtype, shape, null, 0);
    this.inputList.push(v);
    if (options.fill !== undefined) {
      if (!isStatic(shape))
        throw new GraphBuildError(
          'input',
          `optional input '${name}' needs a static shape, got ${fmtShape(shape)}.`,
        );
      if (!Number.isFinite(options.fill))
        throw new GraphBuildError('input', `fill for '${name}' must be finite.`);
      this.inputFills.set(v, options.fill);
    }
    return v;
  }

  /** The fill value of an optional input (what compiled graphs feed when the caller does not), if any. */
  inputFill(v: Value): number | undefined {
    return this.inputFills.get(v);
  }

  /**
   * Declare a parameter (an initializer that training updates), initialised now.
   * @example g.param('w1', [512, 2048], { init: 'kaiming', seed: 1 })
   */
  param(name: string, shape: readonly number[], options: ParamOptions = {}): Value {
    this.claimName('param', name);
    const dtype = options.dtype ?? 'float32';
    let data: Tensor;
    if (options.init instanceof Tensor) {
      data = options.init;
      if (data.shape.length !== shape.length || data.shape.some((d, i) => d !== shape[i])) {
        throw new GraphBuildError(
          'param',
          `initial tensor for '${name}' has shape ${fmtShape(data.shape)} but the parameter is ${fmtShape(shape)}.`,
        );
      }
      if (!isFloatDType(data.dtype)) {
        throw new GraphBuildError('param', `parameter '${name}' must be floating point, got ${data.dtype}.`);
      }
    } else {
      data = initTensor(name, shape, dtype, options);
    }
    const v = this.newValue('param', name, data.dtype, shape, null, 0);
    this.paramMap.set(name, { name, value: v, data, trainable: options.trainable ?? true });
    return v;
  }

  /**
   * A constant (a non-trainable initializer). Numbers become scalars of `dtype` (default float32) and are
   * shared: `g.constant(2)` twice returns the same value.
   */
  constant(value: Tensor | number | bigint | boolean, dtype?: DType, name?: string): Value {
    if (!(value instanceof Tensor)) {
      const dt: DType =
        dtype ?? (typeof value === 'bigint' ? 'int64' : typeof value === 'boolean' ? 'bool' : 'float32');
      const key = `${dt}:${String(value)}`;
      const cached = this.scalarCache.get(key);
      if (cached && name === undefined) return cached;
      const v = this.constant(Tensor.scalar(value, dt), undefined, name);
      if (name === undefined) this.scalarCache.set(key, v);
      return v;
    }
    const t = dtype && dtype !== value.dtype ? value.cast(dtype) : value;
    const n = name ?? this.freshName('const');
    this.claimName('constant', n);
    const v = this.newValue('constant', n, t.dtype, t.shape, null, 0);
    this.constantData.set(v, t);
    return v;
  }

  /** A 1-D int64 constant, as shape / axes operands need. */
  int64s(values: readonly number[]): Value {
    return this.constant(
      Tensor.fromArray(
        values.map((x) => BigInt(x)),
        { dtype: 'int64', shape: [values.length] },
      ),
    );
  }

  /**
   * Mark `value` as a graph output under `name`. A value can be output under several names.
   * @returns the graph, for chaining.
   */
  output(name: string, value: Value): this {
    this.checkOwned('output', value);
    if (this.outputMap.has(name))
      throw new GraphBuildError('output', `output '${name}' is already declared.`);
    if (this.usedNames.has(name) && value.name !== name) {
      throw new GraphBuildError(
        'output',
        `name '${name}' is already used by another value; pick another output name.`,
      );
    }
    this.outputMap.set(name, value);
    this.usedNames.add(name);
    return this;
  }

  /** Remove a declared output (e.g. to re-declare it). */
  removeOutput(name: string): void {
    this.outputMap.delete(name);
  }

  /**
   * Append a node. Op functions call this after checking operands and inferring output types; user code
   * normally uses the op functions instead. `outputs` gives each output's dtype and shape.
   */
  addNode(
    op: string,
    inputs: readonly (Value | null)[],
    outputs: readonly { dtype: DType; shape: Shape }[],
    attrs: Record<string, Attr> = {},
    domain = '',
  ): Value[] {
    for (const v of inputs) if (v) this.checkOwned(op, v);
    const id = this.nextId++;
    const nodeName = `${op}_${id}`;
    const outValues: Value[] = [];
    const node: Node = { id, op, domain, inputs: [...inputs], outputs: outValues, attrs, name: nodeName };
    outputs.forEach((o, i) => {
      const vname = this.freshName(`${op.toLowerCase()}_${id}${outputs.length > 1 ? `_${i}` : ''}`);
      this.usedNames.add(vname);
      outValues.push(this.newValue('node', vname, o.dtype, o.shape, node, i));
    });
    if (domain && !this.extraOpsets.has(domain)) this.extraOpsets.set(domain, 1);
    this.nodeList.push(node);
    return outValues;
  }

  /** A dim name not used so far in this graph, for results whose size is only known at run time. */
  freshDim(hint = 'dim'): Dim {
    return `${hint}_${this.nextId++}`;
  }

  private newValue(
    kind: ValueKind,
    name: string,
    dtype: DType,
    shape: Shape,
    producer: Node | null,
    index: number,
  ) {
    return new Value(this, this.nextId++, name, kind, dtype, Object.freeze([...shape]), producer, index);
  }

  private freshName(base: string): string {
    let n = base;
    let i = 1;
    while (this.usedNames.has(n)) n = `${base}_${i++}`;
    return n;
  }

  private claimName(op: string, name: string): void {
    if (!name || typeof name !== 'string') throw new GraphBuildError(op, 'names must be non-empty strings.');
    if (this.usedNames.has(name))
      throw new GraphBuildError(op, `name '${name}' is already used in graph '${this.name}'.`);
    this.usedNames.add(name);
  }

  private checkOwned(op: string, v: Value): void {
    if (!(v instanceof Value)) throw new GraphBuildError(op, `expected a graph Value, got ${typeof v}.`);
    if (v.graph !== this) {
      throw new GraphBuildError(
        op,
        `value '${v.name}' belongs to graph '${v.graph.name}', not '${this.name}'.`,
      );
    }
  }
}

/** Seed derived from a parameter name (FNV-1a), so unseeded parameters still initialise deterministically. */
function nameSeed(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function initTensor(
  name: string,
  shape: readonly number[],
  dtype: 'float32' | 'float64',
  o: ParamOptions,
): Tensor {
  if (!isStatic(shape)) throw new GraphBuildError('param', `parameter '${name}' needs a static shape.`);
  const init = (o.init as ParamInit | undefined) ?? 'normal';
  const fanIn = shape.length >= 2 ? shape[shape.length - 2] : (shape[0] ?? 1);
  const fanOut = shape.length >= 2 ? shape[shape.length - 1] : (shape[0] ?? 1);
  const rng = new Rng(o.seed ?? nameSeed(name));
  switch (init) {
    case 'zeros':
      return Tensor.zeros(shape, dtype);
    case 'ones':
      return Tensor.ones(shape, dtype);
    case 'normal':
      return Tensor.randn(shape, { rng, std: o.std ?? 0.02, dtype });
    case 'kaiming':
      return Tensor.randn(shape, { rng, std: Math.sqrt(2 / fanIn), dtype });
    case 'uniform': {
      const a = o.bound ?? 1 / Math.sqrt(fanIn);
      return Tensor.rand(shape, { rng, low: -a, high: a, dtype });
    }
    case 'xavier': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return Tensor.rand(shape, { rng, low: -a, high: a, dtype });
    }
    default:
      throw new GraphBuildError('param', `unknown init '${String(init)}' for '${name}'.`);
  }
}
