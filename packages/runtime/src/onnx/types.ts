/**
 * Plain-object mirror of the ONNX protobuf messages (onnx/onnx.proto3, IR version 8+), as produced by
 * {@link decodeModel} and consumed by {@link encodeModel}. Field names follow the proto in camelCase.
 *
 * Only what the runtime needs is modelled field by field; any other field the decoder meets is kept in
 * `unknownFields` (raw wire bytes) and written back unchanged, so parse -> serialise keeps real exports intact.
 */

/** Raw protobuf fields this library does not model, kept for round trips. */
export interface UnknownField {
  /** Field number. */
  field: number;
  /** Wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  wireType: number;
  /** The field's value bytes exactly as on the wire (for varints, the varint bytes). */
  bytes: Uint8Array;
}

interface HasUnknown {
  unknownFields?: UnknownField[];
}

/** onnx.OperatorSetIdProto */
export interface OperatorSetIdProto extends HasUnknown {
  /** '' (or 'ai.onnx') is the default ONNX domain. */
  domain: string;
  version: number;
}

/** onnx.StringStringEntryProto */
export interface StringStringEntryProto extends HasUnknown {
  key: string;
  value: string;
}

/** onnx.TensorProto.DataLocation */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

/** onnx.TensorProto. Raw data is little-endian, as the spec requires. */
export interface TensorProto extends HasUnknown {
  name: string;
  /** onnx.TensorProto.DataType code (see ONNX_DTYPE_CODE). */
  dataType: number;
  dims: number[];
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: bigint[];
  doubleData?: number[];
  uint64Data?: bigint[];
  stringData?: Uint8Array[];
  /** Keys: location (relative path), offset, length, checksum. */
  externalData?: StringStringEntryProto[];
  dataLocation?: number;
  docString?: string;
}

/** onnx.TensorShapeProto.Dimension: exactly one of dimValue / dimParam, or neither (unknown). */
export interface DimensionProto extends HasUnknown {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

/** onnx.TensorShapeProto */
export interface TensorShapeProto extends HasUnknown {
  dim: DimensionProto[];
}

/** onnx.TypeProto.Tensor */
export interface TypeProtoTensor extends HasUnknown {
  /** onnx.TensorProto.DataType code. */
  elemType: number;
  /** Absent shape = unknown rank. */
  shape?: TensorShapeProto;
}

/** onnx.TypeProto. Only tensor types are modelled; others stay in unknownFields. */
export interface TypeProto extends HasUnknown {
  tensorType?: TypeProtoTensor;
  denotation?: string;
}

/** onnx.ValueInfoProto */
export interface ValueInfoProto extends HasUnknown {
  name: string;
  type?: TypeProto;
  docString?: string;
}

/** onnx.AttributeProto.AttributeType */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** onnx.AttributeProto. Integers are JS numbers (int64 values beyond 2^53 lose precision). */
export interface AttributeProto extends HasUnknown {
  name: string;
  type: number;
  f?: number;
  i?: number;
  /** Raw bytes (UTF-8 for text). */
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
  docString?: string;
}

/** onnx.NodeProto */
export interface NodeProto extends HasUnknown {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
  docString?: string;
}

/** onnx.GraphProto */
export interface GraphProto extends HasUnknown {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  docString?: string;
}

/** onnx.ModelProto */
export interface ModelProto extends HasUnknown {
  irVersion: number;
  opsetImport: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: GraphProto;
  metadataProps?: StringStringEntryProto[];
}
