import { bytesPerElement, type DType, dtypeFromOnnxCode, ONNX_DTYPE_CODE } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { TensorProto } from './types.js';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encode a {@link Tensor} as an ONNX TensorProto with little-endian `rawData` (a copy of the bytes).
 * @example tensorToProto('w', Tensor.randn([4, 4], { seed: 1 }))
 */
export function tensorToProto(name: string, tensor: Tensor): TensorProto {
  if (!littleEndian) throw new Error('@proj/runtime serialises tensors on little-endian hosts only.');
  const d = tensor.data;
  const raw = new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
  return { name, dataType: ONNX_DTYPE_CODE[tensor.dtype], dims: [...tensor.shape], rawData: raw };
}

/** Options for {@link tensorFromProto}. */
export interface TensorFromProtoOptions {
  /**
   * Resolves external data (`dataLocation` EXTERNAL): receives the `location`, `offset` and `length` entries
   * and returns those bytes. {@link loadModel} supplies one reading next to the .onnx file.
   */
  readExternal?: (location: string, offset: number, length: number | undefined) => Uint8Array;
}

/**
 * Decode an ONNX TensorProto (raw or typed fields, or external data) into a {@link Tensor} (copies the bytes,
 * so the result owns aligned memory).
 * @throws {Error} naming the tensor for unsupported element types, missing external data or a size mismatch.
 * @example
 * ```ts
 * const w = tensorFromProto(model.graph.initializer[0], { readExternal }); // readExternal from loadModel
 * tensorFromProto(tensorToProto('b', Tensor.ones([3]))).toNumbers(); // [1, 1, 1]
 * ```
 */
export function tensorFromProto(proto: TensorProto, options: TensorFromProtoOptions = {}): Tensor {
  const dtype: DType = dtypeFromOnnxCode(proto.dataType);
  const shape = proto.dims.map(Number);
  const t = Tensor.zeros(shape, dtype);
  const nbytes = t.size * bytesPerElement(dtype);
  let raw = proto.rawData;
  if (proto.dataLocation === 1) {
    const get = (k: string) => proto.externalData?.find((e) => e.key === k)?.value;
    const location = get('location');
    if (!location) throw new Error(`Initializer '${proto.name}' is marked external but names no location.`);
    if (!options.readExternal) {
      throw new Error(
        `Initializer '${proto.name}' keeps its data in external file '${location}'; load the model with loadModel(path) so the file can be read.`,
      );
    }
    const len = get('length');
    raw = options.readExternal(
      location,
      Number(get('offset') ?? 0),
      len === undefined ? undefined : Number(len),
    );
  }
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== nbytes) {
      throw new Error(
        `Initializer '${proto.name}': ${raw.byteLength} bytes of data for ${dtype}[${shape.join(', ')}] (needs ${nbytes}).`,
      );
    }
    new Uint8Array(t.data.buffer, t.data.byteOffset, nbytes).set(raw);
    return t;
  }
  const typed = typedFieldOf(proto, dtype);
  if (typed.length !== t.size) {
    if (t.size === 0) return t;
    throw new Error(
      `Initializer '${proto.name}': ${typed.length} values for ${dtype}[${shape.join(', ')}] (needs ${t.size}).`,
    );
  }
  const out = t.data as unknown as (number | bigint)[];
  for (let i = 0; i < typed.length; i++) {
    const v = typed[i];
    if (dtype === 'int64') out[i] = typeof v === 'bigint' ? v : BigInt(v);
    else out[i] = Number(v);
  }
  return t;
}

function typedFieldOf(proto: TensorProto, dtype: DType): readonly (number | bigint)[] {
  switch (dtype) {
    case 'float32':
      return proto.floatData ?? [];
    case 'float64':
      return proto.doubleData ?? [];
    case 'int64':
      return proto.int64Data ?? [];
    // int32_data carries int32, int8, uint8, bool and the raw bits of float16 (see onnx.proto).
    default:
      return proto.int32Data ?? [];
  }
}
