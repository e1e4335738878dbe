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
  /** Fields of the message this library does not model, kept as wire bytes and written back unchanged. */
  unknownFields?: UnknownField[];
}

/** onnx.OperatorSetIdProto */
export interface OperatorSetIdProto extends HasUnknown {
  /** '' (or 'ai.onnx') is the default ONNX domain. */
  domain: string;
  /** Opset version of that domain, e.g. 17. */
  version: number;
}

/** onnx.StringStringEntryProto */
export interface StringStringEntryProto extends HasUnknown {
  /** Entry key, e.g. `'location'` in external data or a metadata key. */
  key: string;
  /** Entry value. */
  value: string;
}

/**
 * onnx.TensorProto.DataLocation: where a tensor's bytes are.
 * @example tensor.dataLocation === DataLocation.EXTERNAL // bytes in a file named by tensor.externalData
 */
export const DataLocation = {
  /** In the tensor itself (`rawData` or a typed field). */
  DEFAULT: 0,
  /** In an external file (see `externalData`). */
  EXTERNAL: 1,
} as const;

/** onnx.TensorProto. Raw data is little-endian, as the spec requires. */
export interface TensorProto extends HasUnknown {
  /** Tensor name (the initializer's name; '' inside attributes). */
  name: string;
  /** onnx.TensorProto.DataType code (see ONNX_DTYPE_CODE). */
  dataType: number;
  /** Shape; `[]` is a scalar. */
  dims: number[];
  /** The elements as little-endian bytes (the usual encoding of initializers). */
  rawData?: Uint8Array;
  /** float32 (and complex64) elements, when not in `rawData`. */
  floatData?: number[];
  /** int32, int16, int8, uint16, uint8, bool and float16 (as bits) elements, when not in `rawData`. */
  int32Data?: number[];
  /** int64 elements, when not in `rawData`. */
  int64Data?: bigint[];
  /** float64 elements, when not in `rawData`. */
  doubleData?: number[];
  /** uint32 and uint64 elements, when not in `rawData`. */
  uint64Data?: bigint[];
  /** Elements of string tensors (bytes, UTF-8 for text). */
  stringData?: Uint8Array[];
  /** Keys: location (relative path), offset, length, checksum. */
  externalData?: StringStringEntryProto[];
  /** {@link DataLocation}: `EXTERNAL` when the bytes are in `externalData`'s file. */
  dataLocation?: number;
  /** Free-form documentation. */
  docString?: string;
}

/** onnx.TensorShapeProto.Dimension: exactly one of dimValue / dimParam, or neither (unknown). */
export interface DimensionProto extends HasUnknown {
  /** A fixed size. */
  dimValue?: number;
  /** A symbolic size, e.g. `'batch'`. */
  dimParam?: string;
  /** Optional semantic tag of the dimension (e.g. `'DATA_BATCH'`). */
  denotation?: string;
}

/** onnx.TensorShapeProto */
export interface TensorShapeProto extends HasUnknown {
  /** One entry per dimension. */
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
  /** Set for tensor types. */
  tensorType?: TypeProtoTensor;
  /** Optional semantic tag of the type. */
  denotation?: string;
}

/** onnx.ValueInfoProto */
export interface ValueInfoProto extends HasUnknown {
  /** Value name (graph input / output / intermediate). */
  name: string;
  /** Its type; absent when unknown. */
  type?: TypeProto;
  /** Free-form documentation. */
  docString?: string;
}

/**
 * onnx.AttributeProto.AttributeType: which field of an {@link AttributeProto} holds its value.
 * @example const axis = node.attribute.find((a) => a.name === 'axis' && a.type === AttributeType.INT)?.i;
 */
export const AttributeType = {
  /** Not set. */
  UNDEFINED: 0,
  /** `f`. */
  FLOAT: 1,
  /** `i`. */
  INT: 2,
  /** `s`. */
  STRING: 3,
  /** `t`. */
  TENSOR: 4,
  /** `g`. */
  GRAPH: 5,
  /** `floats`. */
  FLOATS: 6,
  /** `ints`. */
  INTS: 7,
  /** `strings`. */
  STRINGS: 8,
  /** `tensors`. */
  TENSORS: 9,
  /** `graphs`. */
  GRAPHS: 10,
  /** A sparse tensor (kept in `unknownFields`). */
  SPARSE_TENSOR: 11,
  /** Sparse tensors (kept in `unknownFields`). */
  SPARSE_TENSORS: 12,
  /** A type (kept in `unknownFields`). */
  TYPE_PROTO: 13,
  /** Types (kept in `unknownFields`). */
  TYPE_PROTOS: 14,
} as const;

/** onnx.AttributeProto. Integers are JS numbers (int64 values beyond 2^53 lose precision). */
export interface AttributeProto extends HasUnknown {
  /** Attribute name, e.g. `'axis'`. */
  name: string;
  /** {@link AttributeType}: which of the value fields is set. */
  type: number;
  /** FLOAT value. */
  f?: number;
  /** INT value. */
  i?: number;
  /** Raw bytes (UTF-8 for text). */
  s?: Uint8Array;
  /** TENSOR value. */
  t?: TensorProto;
  /** GRAPH value (If / Loop / Scan bodies). */
  g?: GraphProto;
  /** FLOATS value. */
  floats?: number[];
  /** INTS value. */
  ints?: number[];
  /** STRINGS value (raw bytes each). */
  strings?: Uint8Array[];
  /** TENSORS value. */
  tensors?: TensorProto[];
  /** GRAPHS value. */
  graphs?: GraphProto[];
  /** In a function body: the function attribute this one refers to. */
  refAttrName?: string;
  /** Free-form documentation. */
  docString?: string;
}

/** onnx.NodeProto */
export interface NodeProto extends HasUnknown {
  /** Names of the input values ('' for an omitted optional input). */
  input: string[];
  /** Names of the output values. */
  output: string[];
  /** Node name (optional, unique when set). */
  name?: string;
  /** Op type, e.g. `'MatMul'`. */
  opType: string;
  /** Op domain: '' for standard ONNX, `'com.microsoft'` for ONNX Runtime contrib ops. */
  domain?: string;
  /** The node's attributes. */
  attribute: AttributeProto[];
  /** Free-form documentation. */
  docString?: string;
}

/** onnx.GraphProto */
export interface GraphProto extends HasUnknown {
  /** Graph name. */
  name: string;
  /** Nodes in topological order. */
  node: NodeProto[];
  /** Constant tensors (weights), by name. */
  initializer: TensorProto[];
  /** Graph inputs (older exporters also list initializers here). */
  input: ValueInfoProto[];
  /** Graph outputs. */
  output: ValueInfoProto[];
  /** Types of intermediate values, when recorded. */
  valueInfo: ValueInfoProto[];
  /** Free-form documentation. */
  docString?: string;
}

/** onnx.ModelProto */
export interface ModelProto extends HasUnknown {
  /** ONNX IR version (8 for opset 17). */
  irVersion: number;
  /** The operator sets the model uses. */
  opsetImport: OperatorSetIdProto[];
  /** Tool that wrote the model, e.g. `'pytorch'`. */
  producerName?: string;
  /** Version of that tool. */
  producerVersion?: string;
  /** Reverse-DNS namespace of the model. */
  domain?: string;
  /** Version of the model itself. */
  modelVersion?: number;
  /** Free-form documentation. */
  docString?: string;
  /** The main graph. */
  graph: GraphProto;
  /** Free-form metadata (e.g. `proj.input_fill`). */
  metadataProps?: StringStringEntryProto[];
}
