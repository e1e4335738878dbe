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

/**
 * Convert a number to IEEE-754 half-precision bits (round half to even; overflow to Infinity).
 * @example toHalfBits(1) // 0x3c00
 */
export function toHalfBits(value: number): number {
  // Rounds the double directly (not through float32, which would round twice and can miss a tie by one ulp).
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  // Halves have 10 fraction bits: scale so that one unit in the last place is 1, then round half to even.
  // Subnormals (a < 2^-14) share the fixed scale 2^-24.
  let e = a < 2 ** -14 ? -14 : Math.floor(Math.log2(a));
  if (e >= -14 && 2 ** e > a) e--; // log2 can be one too high just below a power of two
  if (e >= -14 && 2 ** (e + 1) <= a) e++;
  const scaled = a / 2 ** (Math.max(e, -14) - 10); // exact: a power-of-two division
  let m = Math.floor(scaled);
  const rest = scaled - m;
  if (rest > 0.5 || (rest === 0.5 && m % 2 === 1)) m++;
  if (e < -14 || m < 1024) return sign | m; // subnormal (or rounded up into the smallest normal: m = 1024 works)
  let exp = e + 15;
  if (m === 2048) {
    m = 1024;
    exp++;
  }
  if (exp >= 0x1f) return sign | 0x7c00;
  return sign | (exp << 10) | (m - 1024);
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
