/**
 * Element types a {@link Tensor} can hold, named as ONNX Runtime names them.
 *
 * `float16` is stored as raw IEEE-754 half bits in a `Uint16Array` (Node 20 has no `Float16Array`);
 * `bool` is stored one byte per element in a `Uint8Array` (0 or 1), which is what ONNX Runtime expects.
 */
export type DType = 'float32' | 'float64' | 'float16' | 'int8' | 'int32' | 'int64' | 'uint8' | 'bool';

/** The typed array that backs each {@link DType}. */
export interface DataTypeMap {
  /** IEEE single precision. */
  float32: Float32Array;
  /** IEEE double precision. */
  float64: Float64Array;
  /** IEEE half precision, stored as raw bits (see `toHalfBits` / `fromHalfBits`). */
  float16: Uint16Array;
  /** Signed bytes. */
  int8: Int8Array;
  /** 32-bit signed integers. */
  int32: Int32Array;
  /** 64-bit signed integers (token ids, shapes in ONNX). */
  int64: BigInt64Array;
  /** Unsigned bytes. */
  uint8: Uint8Array;
  /** Booleans, one byte each: 0 or 1. */
  bool: Uint8Array;
}

/** Any typed array a tensor can be backed by. */
export type TensorData = DataTypeMap[DType];

/** Floating-point dtypes: the ones gradients flow through. */
export type FloatDType = 'float32' | 'float64' | 'float16';

/**
 * All supported dtypes, in a stable order.
 * @example DTYPES.includes(name as DType) // validate a dtype read from JSON
 */
export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'int8',
  'int32',
  'int64',
  'uint8',
  'bool',
];

/**
 * ONNX `TensorProto.DataType` codes (onnx.proto3, field `data_type`).
 * @example ONNX_DTYPE_CODE.int64 // 7
 */
export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

const CODE_TO_DTYPE = new Map<number, DType>(
  Object.entries(ONNX_DTYPE_CODE).map(([k, v]) => [v, k as DType]),
);

/**
 * Map an ONNX `TensorProto.DataType` code to a {@link DType}.
 * @throws {RangeError} for element types the runtime does not support (strings, complex, bfloat16, ...).
 */
export function dtypeFromOnnxCode(code: number): DType {
  const d = CODE_TO_DTYPE.get(code);
  if (d === undefined) {
    throw new RangeError(
      `ONNX element type ${code} is not supported by @proj/runtime (supported: ${DTYPES.join(', ')}).`,
    );
  }
  return d;
}

/**
 * Bytes per element of a dtype.
 * @example bytesPerElement('float16') // 2
 */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
      return 2;
    default:
      return 1;
  }
}

/**
 * True for float32 / float64 / float16.
 * @example isFloatDType('int64') // false
 */
export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/**
 * True for the integer dtypes (not bool).
 * @example isIntDType('uint8') // true
 */
export function isIntDType(dtype: DType): boolean {
  return dtype === 'int8' || dtype === 'int32' || dtype === 'int64' || dtype === 'uint8';
}

/**
 * Allocate a zero-filled typed array of `size` elements for `dtype`.
 * @example allocData('int64', 3) // BigInt64Array [0n, 0n, 0n]
 */
export function allocData<D extends DType>(dtype: D, size: number): DataTypeMap[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as DataTypeMap[D];
    case 'float64':
      return new Float64Array(size) as DataTypeMap[D];
    case 'float16':
      return new Uint16Array(size) as DataTypeMap[D];
    case 'int8':
      return new Int8Array(size) as DataTypeMap[D];
    case 'int32':
      return new Int32Array(size) as DataTypeMap[D];
    case 'int64':
      return new BigInt64Array(size) as DataTypeMap[D];
    default:
      return new Uint8Array(size) as DataTypeMap[D];
  }
}

/**
 * The dtype whose backing array is `data`'s class (`Uint8Array` maps to `uint8`, `Uint16Array` to `float16`).
 * @example dtypeOfData(new Int32Array(4)) // 'int32'
 */
export function dtypeOfData(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

/**
 * Whether `data` is the backing array class of `dtype`.
 * @example dataMatchesDType('bool', new Uint8Array(2)) // true
 */
export function dataMatchesDType(dtype: DType, data: TensorData): boolean {
  if (dtype === 'bool') return data instanceof Uint8Array;
  return dtypeOfData(data) === dtype;
}

// IEEE-754 half <-> single conversion (round to nearest even), for float16 storage.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Convert a number to IEEE-754 half-precision bits (round half to even; overflow to Infinity).
 * @example toHalfBits(1) // 0x3c00
 */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/**
 * Convert IEEE-754 half-precision bits to a number.
 * @example fromHalfBits(0x3c00) // 1
 */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
