import * as ort from 'onnxruntime-node';
import {
  allocData,
  type DataTypeMap,
  DTYPES,
  type DType,
  dataMatchesDType,
  dtypeOfData,
  fromHalfBits,
  type TensorData,
  toHalfBits,
} from './dtype.js';
import { TensorError } from './errors.js';
import { Rng } from './rng.js';

/** Nested arrays of numbers / bigints / booleans, as accepted by {@link Tensor.fromArray}. */
export type NestedArray = number | bigint | boolean | readonly NestedArray[];

/**
 * Number of elements in a shape (1 for a scalar `[]`).
 * @example shapeSize([2, 3, 4]) // 24
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major strides of a shape, in elements.
 * @example stridesOf([2, 3, 4]) // [12, 4, 1]
 */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function checkShape(shape: readonly number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TensorError(
        `Invalid tensor shape [${shape.join(', ')}]: dimensions must be non-negative integers.`,
      );
    }
  }
}

/**
 * An n-dimensional array: a dtype, a row-major shape and a typed array of `size` elements.
 *
 * Tensors are the currency between user code, the eager kernels and ONNX Runtime: {@link Tensor.toOrt} and
 * {@link Tensor.fromOrt} wrap the same memory without copying. Tensors are cheap views; `reshape` shares data.
 *
 * @example
 * ```ts
 * import { Tensor } from '@proj/runtime';
 * const a = Tensor.fromArray([[1, 2], [3, 4]]);          // float32 [2, 2]
 * const ids = Tensor.fromArray([1, 2, 3], { dtype: 'int64' });
 * const w = Tensor.randn([512, 256], { seed: 7, std: 0.02 });
 * a.get(1, 0); // 3
 * ```
 */
export class Tensor<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** Row-major shape; `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Backing storage, exactly `size` elements long. */
  readonly data: DataTypeMap[D];

  /**
   * Wrap existing data (no copy).
   * @throws {TensorError} when the array class does not match the dtype or the length does not match the shape.
   */
  constructor(dtype: D, data: DataTypeMap[D], shape: readonly number[]) {
    checkShape(shape);
    if (!dataMatchesDType(dtype, data)) {
      throw new TensorError(
        `Tensor of dtype ${dtype} cannot be backed by a ${data.constructor.name}; use the dtype's typed array (see DataTypeMap).`,
      );
    }
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new TensorError(
        `Tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}.`,
      );
    }
    this.dtype = dtype;
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** A zero-filled tensor. */
  static zeros<T extends DType = 'float32'>(shape: readonly number[], dtype: T = 'float32' as T): Tensor<T> {
    checkShape(shape);
    return new Tensor(dtype, allocData(dtype, shapeSize(shape)), shape);
  }

  /** A tensor of ones. */
  static ones<T extends DType = 'float32'>(shape: readonly number[], dtype: T = 'float32' as T): Tensor<T> {
    return Tensor.full(shape, 1, dtype);
  }

  /** A tensor filled with `value` (numbers are converted to the dtype: truncated for ints, 0/1 for bool). */
  static full<T extends DType = 'float32'>(
    shape: readonly number[],
    value: number | bigint | boolean,
    dtype: T = 'float32' as T,
  ): Tensor<T> {
    const t = Tensor.zeros(shape, dtype);
    const v = convertScalar(dtype, value);
    (t.data as { fill(v: number | bigint): unknown }).fill(v);
    return t;
  }

  /** Values `start, start + step, ...` below `stop` (like numpy.arange). */
  static arange<T extends DType = 'float32'>(
    start: number,
    stop?: number,
    step = 1,
    dtype: T = 'float32' as T,
  ): Tensor<T> {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    if (step === 0 || !Number.isFinite(step))
      throw new TensorError('Tensor.arange needs a finite, non-zero step.');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    const t = Tensor.zeros([n], dtype);
    for (let i = 0; i < n; i++) setAt(t, i, start + i * step);
    return t;
  }

  /**
   * Build a tensor from a (nested) JS array, a flat array plus `shape`, or a typed array.
   * The dtype defaults to float32 for numbers, int64 for bigints and bool for booleans.
   * @throws {TensorError} on ragged nesting or a shape that does not fit the data.
   */
  static fromArray<T extends DType = 'float32'>(
    values: NestedArray | TensorData,
    options: { dtype?: T; shape?: readonly number[] } = {},
  ): Tensor<T> {
    if (ArrayBuffer.isView(values)) {
      const data = values as TensorData;
      const dtype = (options.dtype ?? dtypeOfData(data)) as T;
      const shape = options.shape ?? [data.length];
      if (dataMatchesDType(dtype, data)) return new Tensor(dtype, data as DataTypeMap[T], shape);
      const t = Tensor.zeros(shape, dtype);
      if (t.size !== data.length) {
        throw new TensorError(`fromArray: ${data.length} values do not fill shape [${shape.join(', ')}].`);
      }
      for (let i = 0; i < data.length; i++) setAt(t, i, data[i]);
      return t;
    }
    const inferred: number[] = [];
    let probe: NestedArray = values as NestedArray;
    while (Array.isArray(probe)) {
      inferred.push(probe.length);
      probe = probe[0] as NestedArray;
    }
    const flat: (number | bigint | boolean)[] = [];
    flatten(values as NestedArray, inferred, 0, flat);
    const first = flat[0];
    const dtype = (options.dtype ??
      (typeof first === 'bigint' ? 'int64' : typeof first === 'boolean' ? 'bool' : 'float32')) as T;
    const shape = options.shape ?? inferred;
    const t = Tensor.zeros(shape, dtype);
    if (t.size !== flat.length) {
      throw new TensorError(`fromArray: ${flat.length} values do not fill shape [${shape.join(', ')}].`);
    }
    for (let i = 0; i < flat.length; i++) setAt(t, i, flat[i]);
    return t;
  }

  /** A scalar (rank-0) tensor. */
  static scalar<T extends DType = 'float32'>(
    value: number | bigint | boolean,
    dtype: T = 'float32' as T,
  ): Tensor<T> {
    return Tensor.full([], value, dtype);
  }

  /**
   * Uniform random values in [low, high) from a seeded {@link Rng} (float dtypes only).
   * @example Tensor.rand([3, 4], { seed: 1 })
   */
  static rand<T extends 'float32' | 'float64' = 'float32'>(
    shape: readonly number[],
    options: { seed?: number; rng?: Rng; low?: number; high?: number; dtype?: T } = {},
  ): Tensor<T> {
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const low = options.low ?? 0;
    const span = (options.high ?? 1) - low;
    const t = Tensor.zeros(shape, (options.dtype ?? 'float32') as T);
    const d = t.data as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = low + span * rng.uniform();
    return t;
  }

  /**
   * Normal random values N(mean, std^2) from a seeded {@link Rng} (Box-Muller).
   * @example Tensor.randn([512, 256], { seed: 7, std: 0.02 })
   */
  static randn<T extends 'float32' | 'float64' = 'float32'>(
    shape: readonly number[],
    options: { seed?: number; rng?: Rng; mean?: number; std?: number; dtype?: T } = {},
  ): Tensor<T> {
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const mean = options.mean ?? 0;
    const std = options.std ?? 1;
    const t = Tensor.zeros(shape, (options.dtype ?? 'float32') as T);
    const d = t.data as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = mean + std * rng.normal();
    return t;
  }

  /** Same data, new shape (one dimension may be -1). No copy. */
  reshape(shape: readonly number[]): Tensor<D> {
    const s = [...shape];
    const neg = s.indexOf(-1);
    if (neg >= 0) {
      const rest = shapeSize(s.filter((_, i) => i !== neg));
      if (rest === 0 || this.size % rest !== 0) {
        throw new TensorError(`Cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}].`);
      }
      s[neg] = this.size / rest;
    }
    if (shapeSize(s) !== this.size) {
      throw new TensorError(
        `Cannot reshape [${this.shape.join(', ')}] (${this.size} elements) to [${shape.join(', ')}].`,
      );
    }
    return new Tensor(this.dtype, this.data, s);
  }

  /** A deep copy (new buffer). */
  clone(): Tensor<D> {
    return new Tensor(this.dtype, this.data.slice() as DataTypeMap[D], this.shape);
  }

  /** Element at a multi-index, as a number (bigint for int64, boolean for bool). */
  get(...index: number[]): number | bigint | boolean {
    if (index.length !== this.rank) {
      throw new TensorError(`get() needs ${this.rank} indices for shape [${this.shape.join(', ')}].`);
    }
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      const ix = index[i];
      if (!Number.isInteger(ix) || ix < 0 || ix >= this.shape[i]) {
        throw new TensorError(`Index ${ix} out of range for axis ${i} of size ${this.shape[i]}.`);
      }
      off = off * this.shape[i] + ix;
    }
    return this.at(off);
  }

  /** Element at a flat (row-major) offset: number, bigint (int64) or boolean (bool); float16 is decoded. */
  at(offset: number): number | bigint | boolean {
    const v = this.data[offset];
    if (this.dtype === 'bool') return v !== 0;
    if (this.dtype === 'float16') return fromHalfBits(v as number);
    return v;
  }

  /** The single value of a one-element tensor, as a number (int64 converted; bool as 0/1). */
  item(): number {
    if (this.size !== 1)
      throw new TensorError(`item() needs a one-element tensor, got shape [${this.shape.join(', ')}].`);
    return toNumber(this.at(0));
  }

  /** All values as a flat array of numbers (int64 converted with Number(), float16 decoded, bool as 0/1). */
  toNumbers(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < out.length; i++) out[i] = toNumber(this.at(i));
    return out;
  }

  /** Values as nested JS arrays of numbers, following the shape. */
  toArray(): NestedArray {
    const flat = this.toNumbers();
    if (this.rank === 0) return flat[0];
    const build = (axis: number, offset: number, stride: number): NestedArray => {
      const n = this.shape[axis];
      const inner = stride / (n || 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(axis === this.rank - 1 ? flat[offset + i] : build(axis + 1, offset + i * inner, inner));
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** Convert to another dtype (always a copy). */
  cast<T extends DType>(dtype: T): Tensor<T> {
    const t = Tensor.zeros(this.shape, dtype);
    for (let i = 0; i < this.size; i++) setAt(t, i, this.at(i));
    return t;
  }

  /** Wrap as an `onnxruntime-node` tensor without copying. */
  toOrt(): ort.Tensor {
    return new ort.Tensor(this.dtype, this.data as ort.Tensor.DataType, this.shape as number[]);
  }

  /**
   * Wrap an `onnxruntime` CPU tensor without copying.
   * @throws {TensorError} for element types the runtime does not support or tensors still on a GPU.
   */
  static fromOrt(t: ort.Tensor): Tensor {
    if (t.location !== undefined && t.location !== 'cpu' && t.location !== 'cpu-pinned') {
      throw new TensorError(`Tensor is on '${t.location}'; call getData() to download it before wrapping.`);
    }
    const dtype = t.type as DType;
    if (!(DTYPES as readonly string[]).includes(t.type)) {
      throw new TensorError(`ONNX Runtime tensor of type '${t.type}' is not supported by @proj/runtime.`);
    }
    let data = t.data as TensorData;
    if (dtype === 'float16' && !(data instanceof Uint16Array)) {
      // Runtimes with Float16Array hand those out; keep raw half bits.
      const src = data as unknown as ArrayLike<number>;
      const bits = new Uint16Array(src.length);
      for (let i = 0; i < src.length; i++) bits[i] = toHalfBits(src[i]);
      data = bits;
    }
    return new Tensor(dtype, data as DataTypeMap[typeof dtype], t.dims as number[]);
  }

  /** A short human-readable description, e.g. `Tensor<float32>[2, 3]`. */
  toString(): string {
    return `Tensor<${this.dtype}>[${this.shape.join(', ')}]`;
  }
}

function toNumber(v: number | bigint | boolean): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v ? 1 : 0;
}

function convertScalar(dtype: DType, value: number | bigint | boolean): number | bigint {
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  switch (dtype) {
    case 'int64':
      return typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
    case 'float16':
      return toHalfBits(Number(n));
    case 'bool':
      return Number(n) !== 0 ? 1 : 0;
    case 'float32':
    case 'float64':
      return Number(n);
    default:
      return Math.trunc(Number(n));
  }
}

function setAt(t: Tensor, i: number, value: number | bigint | boolean): void {
  (t.data as unknown as (number | bigint)[])[i] = convertScalar(t.dtype, value);
}

function flatten(
  v: NestedArray,
  shape: readonly number[],
  axis: number,
  out: (number | bigint | boolean)[],
): void {
  if (Array.isArray(v)) {
    if (axis >= shape.length || v.length !== shape[axis]) {
      throw new TensorError(
        `fromArray: ragged nested array at depth ${axis} (expected length ${shape[axis]}).`,
      );
    }
    for (const x of v) flatten(x, shape, axis + 1, out);
  } else {
    if (axis !== shape.length) throw new TensorError(`fromArray: ragged nested array at depth ${axis}.`);
    out.push(v as number | bigint | boolean);
  }
}
