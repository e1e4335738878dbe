import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ReadExternal } from './io.js';
import { tensorFromProto } from './tensor-proto.js';
import type { ModelProto, ValueInfoProto } from './types.js';

/** Element type names for every onnx.TensorProto.DataType (runtime {@link DType} names where they exist). */
export type OnnxElementType =
  | DType
  | 'uint16'
  | 'int16'
  | 'string'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4'
  | 'float4e2m1'
  | 'float8e8m0';

const ELEMENT_TYPES: readonly (OnnxElementType | undefined)[] = [
  undefined, // 0 UNDEFINED
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
  'float8e4m3fn',
  'float8e4m3fnuz',
  'float8e5m2',
  'float8e5m2fnuz',
  'uint4',
  'int4',
  'float4e2m1',
  'float8e8m0',
];

/**
 * Name of an onnx.TensorProto.DataType code, or null for 0 (UNDEFINED) and codes newer than this library.
 * @example onnxElementType(1) // 'float32'
 */
export function onnxElementType(code: number): OnnxElementType | null {
  return ELEMENT_TYPES[code] ?? null;
}

/** One graph input or output. */
export interface ValueSignature {
  /** The input or output name. */
  name: string;
  /** Element type, or null when the value is not a tensor (sequence, map, ...) or its type is unset. */
  dtype: OnnxElementType | null;
  /**
   * Dimensions: a number (fixed), a string (symbolic, e.g. 'batch') or null (unknown). The whole shape is null
   * when the rank is unknown or the value is not a tensor.
   */
  shape: (number | string | null)[] | null;
}

/** A model's graph inputs (initializers excluded) and outputs. */
export interface ModelSignature {
  /** Graph inputs to feed, in model order (initializers excluded). */
  inputs: ValueSignature[];
  /** Graph outputs, in model order. */
  outputs: ValueSignature[];
}

function valueSignature(v: ValueInfoProto): ValueSignature {
  const tt = v.type?.tensorType;
  if (!tt) return { name: v.name, dtype: null, shape: null };
  const shape = tt.shape
    ? tt.shape.dim.map((d) =>
        d.dimValue !== undefined ? d.dimValue : d.dimParam !== undefined ? d.dimParam : null,
      )
    : null;
  return { name: v.name, dtype: onnxElementType(tt.elemType), shape };
}

/**
 * Inputs and outputs of a model's main graph. Graph inputs that are also initializers (older exporters list
 * weights as inputs) are left out: they have defaults and need not be fed.
 * @example
 * ```ts
 * modelSignature(model).inputs; // [{ name: 'x', dtype: 'float32', shape: ['batch', 8] }]
 * ```
 */
export function modelSignature(model: ModelProto): ModelSignature {
  const inits = new Set(model.graph.initializer.map((t) => t.name));
  return {
    inputs: model.graph.input.filter((v) => !inits.has(v.name)).map(valueSignature),
    outputs: model.graph.output.map(valueSignature),
  };
}

/**
 * The main graph's initializers as {@link Tensor}s (copies), by name. External data is read with `readExternal`
 * (from loadModel).
 * @throws {Error} from tensorFromProto for element types the runtime lacks (e.g. string) or missing external data.
 * @example
 * ```ts
 * const { model, readExternal } = await loadModel('model.onnx');
 * modelInitializers(model, readExternal).get('fc1.weight')?.shape; // [16, 8]
 * ```
 */
export function modelInitializers(model: ModelProto, readExternal?: ReadExternal): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const t of model.graph.initializer) {
    out.set(t.name, tensorFromProto(t, readExternal ? { readExternal } : {}));
  }
  return out;
}
