/**
 * ModelProto <-> bytes, written against the field numbers of onnx/onnx.proto (no protobuf library).
 *
 * Round trips: fields this library does not model are kept in `unknownFields` and written back. The encoder
 * writes known and unknown fields merged in field-number order (stable for equal numbers), which is the order
 * python onnx and torch write in, so `encodeModel(decodeModel(b))` reproduces their files byte for byte. A file
 * whose fields are out of number order still decodes, but re-encodes in number order (same model, other bytes).
 *
 * Presence: onnx.proto is proto2, so a writer may store a field even when it holds the default ('' or 0), or leave
 * it out. Optional properties of the types mirror that directly (present = defined). Properties the types make
 * required (`name`, `opType`, `dataType`, `domain` of an opset, ...) are written even when default, as python's
 * onnx.helper does; where a decoded message lacked one (torch omits opset domains and Constant tensor names), the
 * decoder remembers that on the side (a WeakMap, invisible in the object) so the encoder leaves it out again.
 * Copies of decoded objects (spread, structuredClone) lose that memory and write those defaults out: same model.
 *
 * Not reproduced byte for byte (the model stays the same): fields out of number order, non-minimal varints in
 * length prefixes, empty packed fields, NaN payloads other than the canonical NaN, invalid UTF-8 in strings
 * (read as U+FFFD), and int64 values in number-typed fields beyond 2^53 other than INT64_MIN / INT64_MAX.
 */
import { OnnxFormatError, OnnxModelError } from './errors.js';
import type {
  AttributeProto,
  DimensionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  OperatorSetIdProto,
  StringStringEntryProto,
  TensorProto,
  TensorShapeProto,
  TypeProto,
  TypeProtoTensor,
  UnknownField,
  ValueInfoProto,
} from './types.js';
import { encodeMessage, ProtoReader, type ProtoSink, WireType } from './wire.js';

const { VARINT, I64, LEN, SGROUP, I32 } = WireType;

/** Options for {@link decodeModel}. */
export interface DecodeModelOptions {
  /**
   * Copy `bytes` fields (rawData, stringData, attribute `s`, unknown fields) out of the input. Default false:
   * they are views (`subarray`) into the input, which is faster and keeps memory flat for large models, but
   * ties them to the input buffer: do not modify the input while the model is in use.
   */
  copyBytes?: boolean;
}

type WithUnknown = { unknownFields?: UnknownField[] };

// Required-in-the-types properties that the decoded bytes did not contain (see the module comment).
const absentRequired = new WeakMap<object, readonly string[]>();

/**
 * Carry the wire-presence memory of `from` over to its copy `to` (used when rewriting decoded models), so the
 * copy re-encodes to the same bytes.
 * @example const copy = copyPresence(tensor, { ...tensor, docString: 'edited' });
 */
export function copyPresence<T extends object>(from: T, to: T): T {
  const a = absentRequired.get(from);
  if (a) absentRequired.set(to, a);
  return to;
}

/** Append to an optional repeated field, creating it on first use. */
function push<T>(list: T[] | undefined, value: T): T[] {
  if (list === undefined) return [value];
  list.push(value);
  return list;
}

/** True when `key` holds its default and the decoded bytes lacked it (so it is left out again). */
function skipDefault(m: object, key: string, isDefault: boolean): boolean {
  // Look up the side table only for default values: it is rare, and a WeakMap lookup per message is not free.
  return isDefault && absentRequired.get(m)?.includes(key) === true;
}

// ---------------------------------------------------------------------------------------------- decoding

function keepUnknown(
  r: ProtoReader,
  tag: number,
  end: number,
  uf: UnknownField[] | undefined,
  msg: string,
): UnknownField[] {
  const field = tag >>> 3;
  const wireType = tag & 7;
  const bytes = r.skip(tag, end, `field ${field} of ${msg}`);
  const out = uf ?? [];
  out.push({ field, wireType, bytes });
  return out;
}

function finish<T extends WithUnknown>(
  r: ProtoReader,
  end: number,
  m: T,
  uf: UnknownField[] | undefined,
  seen: number,
  required: readonly string[],
  msg: string,
): T {
  if (r.pos !== end)
    r.fail(end, `the last field of ${msg} to end at byte ${end}, but it runs to byte ${r.pos}`);
  if (uf) m.unknownFields = uf;
  if (seen !== (1 << required.length) - 1) {
    absentRequired.set(
      m,
      required.filter((_, i) => (seen & (1 << i)) === 0),
    );
  }
  return m;
}

function isMessage(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * Protobuf semantics for a singular message field seen twice: merge (repeated fields append, scalars and bytes
 * present in the later one win, nested messages merge).
 */
function mergeMessage<T extends object>(prev: T | undefined, next: T): T {
  if (prev === undefined) return next;
  const absentNext = absentRequired.get(next) ?? [];
  const absentPrev = absentRequired.get(prev) ?? [];
  const out = { ...prev } as Record<string, unknown>;
  for (const [k, v] of Object.entries(next)) {
    if (absentNext.includes(k)) continue;
    const p = out[k];
    if (Array.isArray(v) && Array.isArray(p)) out[k] = [...p, ...v];
    else if (isMessage(v) && isMessage(p)) out[k] = mergeMessage<Record<string, unknown>>(p, v);
    else out[k] = v;
  }
  const absent = absentPrev.filter((k) => absentNext.includes(k));
  if (absent.length > 0) absentRequired.set(out, absent);
  return out as T;
}

const ENTRY_REQ = ['key', 'value'];
function decodeEntry(r: ProtoReader, end: number): StringStringEntryProto {
  const m: StringStringEntryProto = { key: '', value: '' };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 key
        m.key = r.string(end, 'StringStringEntryProto.key');
        seen |= 1;
        break;
      case 0x12: // 2 value
        m.value = r.string(end, 'StringStringEntryProto.value');
        seen |= 2;
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'StringStringEntryProto');
    }
  }
  return finish(r, end, m, uf, seen, ENTRY_REQ, 'StringStringEntryProto');
}

const OPSET_REQ = ['domain', 'version'];
function decodeOpset(r: ProtoReader, end: number): OperatorSetIdProto {
  const m: OperatorSetIdProto = { domain: '', version: 0 };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 domain
        m.domain = r.string(end, 'OperatorSetIdProto.domain');
        seen |= 1;
        break;
      case 0x10: // 2 version
        m.version = r.int64('OperatorSetIdProto.version');
        seen |= 2;
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'OperatorSetIdProto');
    }
  }
  return finish(r, end, m, uf, seen, OPSET_REQ, 'OperatorSetIdProto');
}

const TENSOR_REQ = ['dataType', 'name'];
function decodeTensor(r: ProtoReader, end: number): TensorProto {
  const m: TensorProto = { name: '', dataType: 0, dims: [] };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: // 1 dims
        m.dims.push(r.int64('TensorProto.dims'));
        break;
      case 0x0a: // 1 dims, packed
        r.packedInt64(end, m.dims, 'TensorProto.dims');
        break;
      case 0x10: // 2 data_type
        m.dataType = r.int64('TensorProto.data_type');
        seen |= 1;
        break;
      case 0x25: // 4 float_data
        m.floatData = push(m.floatData, r.float('TensorProto.float_data'));
        break;
      case 0x22: // 4 float_data, packed
        m.floatData = r.packedFloat(end, m.floatData ?? [], 'TensorProto.float_data');
        break;
      case 0x28: // 5 int32_data
        m.int32Data = push(m.int32Data, r.int64('TensorProto.int32_data'));
        break;
      case 0x2a: // 5 int32_data, packed
        m.int32Data = r.packedInt64(end, m.int32Data ?? [], 'TensorProto.int32_data');
        break;
      case 0x32: // 6 string_data
        m.stringData = push(m.stringData, r.bytes(end, 'TensorProto.string_data'));
        break;
      case 0x38: // 7 int64_data
        m.int64Data = push(m.int64Data, r.int64Big('TensorProto.int64_data'));
        break;
      case 0x3a: // 7 int64_data, packed
        m.int64Data = r.packedInt64Big(end, m.int64Data ?? [], 'TensorProto.int64_data');
        break;
      case 0x42: // 8 name
        m.name = r.string(end, 'TensorProto.name');
        seen |= 2;
        break;
      case 0x4a: // 9 raw_data
        m.rawData = r.bytes(end, 'TensorProto.raw_data');
        break;
      case 0x51: // 10 double_data
        m.doubleData = push(m.doubleData, r.double('TensorProto.double_data'));
        break;
      case 0x52: // 10 double_data, packed
        m.doubleData = r.packedDouble(end, m.doubleData ?? [], 'TensorProto.double_data');
        break;
      case 0x58: // 11 uint64_data
        m.uint64Data = push(m.uint64Data, r.uint64Big('TensorProto.uint64_data'));
        break;
      case 0x5a: // 11 uint64_data, packed
        m.uint64Data = r.packedUint64Big(end, m.uint64Data ?? [], 'TensorProto.uint64_data');
        break;
      case 0x62: // 12 doc_string
        m.docString = r.string(end, 'TensorProto.doc_string');
        break;
      case 0x6a: // 13 external_data
        m.externalData = push(m.externalData, decodeEntry(r, r.len(end, 'TensorProto.external_data')));
        break;
      case 0x70: // 14 data_location
        m.dataLocation = r.int64('TensorProto.data_location');
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'TensorProto');
    }
  }
  return finish(r, end, m, uf, seen, TENSOR_REQ, 'TensorProto');
}

function decodeDimension(r: ProtoReader, end: number): DimensionProto {
  const m: DimensionProto = {};
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: // 1 dim_value
        m.dimValue = r.int64('Dimension.dim_value');
        break;
      case 0x12: // 2 dim_param
        m.dimParam = r.string(end, 'Dimension.dim_param');
        break;
      case 0x1a: // 3 denotation
        m.denotation = r.string(end, 'Dimension.denotation');
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'TensorShapeProto.Dimension');
    }
  }
  return finish(r, end, m, uf, 0, [], 'TensorShapeProto.Dimension');
}

function decodeShape(r: ProtoReader, end: number): TensorShapeProto {
  const m: TensorShapeProto = { dim: [] };
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) m.dim.push(decodeDimension(r, r.len(end, 'TensorShapeProto.dim')));
    else uf = keepUnknown(r, tag, end, uf, 'TensorShapeProto');
  }
  return finish(r, end, m, uf, 0, [], 'TensorShapeProto');
}

const TYPE_TENSOR_REQ = ['elemType'];
function decodeTypeTensor(r: ProtoReader, end: number): TypeProtoTensor {
  const m: TypeProtoTensor = { elemType: 0 };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: // 1 elem_type
        m.elemType = r.int64('TypeProto.Tensor.elem_type');
        seen |= 1;
        break;
      case 0x12: // 2 shape
        m.shape = mergeMessage(m.shape, decodeShape(r, r.len(end, 'TypeProto.Tensor.shape')));
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'TypeProto.Tensor');
    }
  }
  return finish(r, end, m, uf, seen, TYPE_TENSOR_REQ, 'TypeProto.Tensor');
}

function decodeType(r: ProtoReader, end: number): TypeProto {
  const m: TypeProto = {};
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 tensor_type
        m.tensorType = mergeMessage(m.tensorType, decodeTypeTensor(r, r.len(end, 'TypeProto.tensor_type')));
        break;
      case 0x32: // 6 denotation
        m.denotation = r.string(end, 'TypeProto.denotation');
        break;
      default: // sequence_type, map_type, opaque_type, sparse_tensor_type, optional_type
        uf = keepUnknown(r, tag, end, uf, 'TypeProto');
    }
  }
  return finish(r, end, m, uf, 0, [], 'TypeProto');
}

const VALUE_INFO_REQ = ['name'];
function decodeValueInfo(r: ProtoReader, end: number): ValueInfoProto {
  const m: ValueInfoProto = { name: '' };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 name
        m.name = r.string(end, 'ValueInfoProto.name');
        seen |= 1;
        break;
      case 0x12: // 2 type
        m.type = mergeMessage(m.type, decodeType(r, r.len(end, 'ValueInfoProto.type')));
        break;
      case 0x1a: // 3 doc_string
        m.docString = r.string(end, 'ValueInfoProto.doc_string');
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'ValueInfoProto');
    }
  }
  return finish(r, end, m, uf, seen, VALUE_INFO_REQ, 'ValueInfoProto');
}

const ATTRIBUTE_REQ = ['name', 'type'];
function decodeAttribute(r: ProtoReader, end: number): AttributeProto {
  const m: AttributeProto = { name: '', type: 0 };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 name
        m.name = r.string(end, 'AttributeProto.name');
        seen |= 1;
        break;
      case 0x15: // 2 f
        m.f = r.float('AttributeProto.f');
        break;
      case 0x18: // 3 i
        m.i = r.int64('AttributeProto.i');
        break;
      case 0x22: // 4 s
        m.s = r.bytes(end, 'AttributeProto.s');
        break;
      case 0x2a: // 5 t
        m.t = mergeMessage(m.t, decodeTensor(r, r.len(end, 'AttributeProto.t')));
        break;
      case 0x32: // 6 g
        m.g = mergeMessage(m.g, decodeGraph(r, r.len(end, 'AttributeProto.g')));
        break;
      case 0x3d: // 7 floats
        m.floats = push(m.floats, r.float('AttributeProto.floats'));
        break;
      case 0x3a: // 7 floats, packed
        m.floats = r.packedFloat(end, m.floats ?? [], 'AttributeProto.floats');
        break;
      case 0x40: // 8 ints
        m.ints = push(m.ints, r.int64('AttributeProto.ints'));
        break;
      case 0x42: // 8 ints, packed
        m.ints = r.packedInt64(end, m.ints ?? [], 'AttributeProto.ints');
        break;
      case 0x4a: // 9 strings
        m.strings = push(m.strings, r.bytes(end, 'AttributeProto.strings'));
        break;
      case 0x52: // 10 tensors
        m.tensors = push(m.tensors, decodeTensor(r, r.len(end, 'AttributeProto.tensors')));
        break;
      case 0x5a: // 11 graphs
        m.graphs = push(m.graphs, decodeGraph(r, r.len(end, 'AttributeProto.graphs')));
        break;
      case 0x6a: // 13 doc_string
        m.docString = r.string(end, 'AttributeProto.doc_string');
        break;
      case 0xa0: // 20 type
        m.type = r.int64('AttributeProto.type');
        seen |= 2;
        break;
      case 0xaa: // 21 ref_attr_name
        m.refAttrName = r.string(end, 'AttributeProto.ref_attr_name');
        break;
      default: // tp, type_protos, sparse_tensor, sparse_tensors
        uf = keepUnknown(r, tag, end, uf, 'AttributeProto');
    }
  }
  return finish(r, end, m, uf, seen, ATTRIBUTE_REQ, 'AttributeProto');
}

const NODE_REQ = ['opType'];
function decodeNode(r: ProtoReader, end: number): NodeProto {
  const m: NodeProto = { input: [], output: [], opType: '', attribute: [] };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 input
        m.input.push(r.string(end, 'NodeProto.input'));
        break;
      case 0x12: // 2 output
        m.output.push(r.string(end, 'NodeProto.output'));
        break;
      case 0x1a: // 3 name
        m.name = r.string(end, 'NodeProto.name');
        break;
      case 0x22: // 4 op_type
        m.opType = r.string(end, 'NodeProto.op_type');
        seen |= 1;
        break;
      case 0x2a: // 5 attribute
        m.attribute.push(decodeAttribute(r, r.len(end, 'NodeProto.attribute')));
        break;
      case 0x32: // 6 doc_string
        m.docString = r.string(end, 'NodeProto.doc_string');
        break;
      case 0x3a: // 7 domain
        m.domain = r.string(end, 'NodeProto.domain');
        break;
      default:
        uf = keepUnknown(r, tag, end, uf, 'NodeProto');
    }
  }
  return finish(r, end, m, uf, seen, NODE_REQ, 'NodeProto');
}

const GRAPH_REQ = ['name'];
function decodeGraph(r: ProtoReader, end: number): GraphProto {
  const m: GraphProto = { name: '', node: [], initializer: [], input: [], output: [], valueInfo: [] };
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a: // 1 node
        m.node.push(decodeNode(r, r.len(end, 'GraphProto.node')));
        break;
      case 0x12: // 2 name
        m.name = r.string(end, 'GraphProto.name');
        seen |= 1;
        break;
      case 0x2a: // 5 initializer
        m.initializer.push(decodeTensor(r, r.len(end, 'GraphProto.initializer')));
        break;
      case 0x52: // 10 doc_string
        m.docString = r.string(end, 'GraphProto.doc_string');
        break;
      case 0x5a: // 11 input
        m.input.push(decodeValueInfo(r, r.len(end, 'GraphProto.input')));
        break;
      case 0x62: // 12 output
        m.output.push(decodeValueInfo(r, r.len(end, 'GraphProto.output')));
        break;
      case 0x6a: // 13 value_info
        m.valueInfo.push(decodeValueInfo(r, r.len(end, 'GraphProto.value_info')));
        break;
      default: // quantization_annotation, sparse_initializer
        uf = keepUnknown(r, tag, end, uf, 'GraphProto');
    }
  }
  return finish(r, end, m, uf, seen, GRAPH_REQ, 'GraphProto');
}

const MODEL_REQ = ['irVersion'];
function decodeModelMessage(r: ProtoReader, end: number): ModelProto {
  let graph: GraphProto | undefined;
  const m = { irVersion: 0, opsetImport: [] } as unknown as ModelProto;
  let seen = 0;
  let uf: UnknownField[] | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x08: // 1 ir_version
        m.irVersion = r.int64('ModelProto.ir_version');
        seen |= 1;
        break;
      case 0x12: // 2 producer_name
        m.producerName = r.string(end, 'ModelProto.producer_name');
        break;
      case 0x1a: // 3 producer_version
        m.producerVersion = r.string(end, 'ModelProto.producer_version');
        break;
      case 0x22: // 4 domain
        m.domain = r.string(end, 'ModelProto.domain');
        break;
      case 0x28: // 5 model_version
        m.modelVersion = r.int64('ModelProto.model_version');
        break;
      case 0x32: // 6 doc_string
        m.docString = r.string(end, 'ModelProto.doc_string');
        break;
      case 0x3a: // 7 graph
        graph = mergeMessage(graph, decodeGraph(r, r.len(end, 'ModelProto.graph')));
        break;
      case 0x42: // 8 opset_import
        m.opsetImport.push(decodeOpset(r, r.len(end, 'ModelProto.opset_import')));
        break;
      case 0x72: // 14 metadata_props
        m.metadataProps = push(m.metadataProps, decodeEntry(r, r.len(end, 'ModelProto.metadata_props')));
        break;
      default: // training_info, functions, configuration, ...
        uf = keepUnknown(r, tag, end, uf, 'ModelProto');
    }
  }
  if (graph === undefined) {
    r.fail(end, 'a ModelProto with a graph (field 7), but there is none: this is not an ONNX model');
  }
  m.graph = graph;
  return finish(r, end, m, uf, seen, MODEL_REQ, 'ModelProto');
}

/**
 * Parse ONNX model bytes (a serialized onnx.ModelProto) into plain objects.
 *
 * `rawData` and other bytes fields are views into `bytes` unless `copyBytes` is set (see
 * {@link DecodeModelOptions}); int64 fields are JS numbers (exact to 2^53), except `int64Data` / `uint64Data`.
 * @throws {OnnxFormatError} naming the byte offset and what was expected, for truncated or malformed input.
 * @example
 * ```ts
 * const model = decodeModel(new Uint8Array(readFileSync('model.onnx')));
 * console.log(model.graph.node.map((n) => n.opType));
 * ```
 */
export function decodeModel(bytes: Uint8Array, options: DecodeModelOptions = {}): ModelProto {
  if (!(bytes instanceof Uint8Array)) {
    throw new OnnxFormatError(0, `the model bytes as a Uint8Array, not ${typeof bytes}`);
  }
  if (bytes.length === 0) throw new OnnxFormatError(0, 'an ONNX ModelProto, but the input is empty');
  const r = new ProtoReader(bytes, options);
  return decodeModelMessage(r, bytes.length);
}

// ---------------------------------------------------------------------------------------------- encoding

function orderedUnknown(m: WithUnknown): UnknownField[] | undefined {
  const uf = m.unknownFields;
  if (!uf || uf.length === 0) return undefined;
  for (let i = 1; i < uf.length; i++) {
    // Array.prototype.sort is stable: fields with one number keep their relative order.
    if (uf[i].field < uf[i - 1].field) return [...uf].sort((a, b) => a.field - b.field);
  }
  return uf;
}

function writeUnknown(w: ProtoSink, u: UnknownField): void {
  const { field, wireType, bytes } = u;
  const bad = (why: string): never => {
    throw new OnnxModelError(
      `Unknown field ${field} (wire type ${wireType}) cannot be written: ${why}. Keep unknownFields as decodeModel produced them.`,
    );
  };
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff)
    bad('the field number must be in [1, 2^29)');
  if (!(bytes instanceof Uint8Array)) bad('bytes must be a Uint8Array');
  if ((wireType === I64 && bytes.length !== 8) || (wireType === I32 && bytes.length !== 4)) {
    bad(`a fixed-size value needs ${wireType === I64 ? 8 : 4} bytes, not ${bytes.length}`);
  }
  w.tag(field, wireType);
  switch (wireType) {
    case VARINT:
    case I64:
    case I32:
    case SGROUP:
      w.raw(bytes);
      break;
    case LEN:
      w.bytes(bytes);
      break;
    default:
      bad('the wire type must be 0, 1, 2, 3 or 5');
  }
}

/** Write unknown fields numbered below `below`, from index `i`; returns the next index. */
function flushUnknown(w: ProtoSink, uf: UnknownField[], i: number, below: number): number {
  while (i < uf.length && uf[i].field < below) writeUnknown(w, uf[i++]);
  return i;
}

function encodeEntry(w: ProtoSink, m: StringStringEntryProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'key', m.key === '')) {
    w.tag(1, LEN);
    w.string(m.key);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (!skipDefault(m, 'value', m.value === '')) {
    w.tag(2, LEN);
    w.string(m.value);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeOpset(w: ProtoSink, m: OperatorSetIdProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'domain', m.domain === '')) {
    w.tag(1, LEN);
    w.string(m.domain);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (!skipDefault(m, 'version', m.version === 0)) {
    w.tag(2, VARINT);
    w.int64(m.version);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeTensor(w: ProtoSink, m: TensorProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  for (const d of m.dims) {
    w.tag(1, VARINT); // proto2 without [packed = true]: one key per value, as python writes it
    w.int64(d);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (!skipDefault(m, 'dataType', m.dataType === 0)) {
    w.tag(2, VARINT);
    w.int64(m.dataType);
  }
  if (uf) u = flushUnknown(w, uf, u, 4); // 3: segment
  if (m.floatData && m.floatData.length > 0) {
    w.tag(4, LEN);
    w.packedFloat(m.floatData);
  }
  if (uf) u = flushUnknown(w, uf, u, 5);
  if (m.int32Data && m.int32Data.length > 0) {
    w.tag(5, LEN);
    w.packedInt64(m.int32Data);
  }
  if (uf) u = flushUnknown(w, uf, u, 6);
  if (m.stringData) {
    for (const s of m.stringData) {
      w.tag(6, LEN);
      w.bytes(s);
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 7);
  if (m.int64Data && m.int64Data.length > 0) {
    w.tag(7, LEN);
    w.packedInt64Big(m.int64Data);
  }
  if (uf) u = flushUnknown(w, uf, u, 8);
  if (!skipDefault(m, 'name', m.name === '')) {
    w.tag(8, LEN);
    w.string(m.name);
  }
  if (uf) u = flushUnknown(w, uf, u, 9);
  if (m.rawData !== undefined) {
    w.tag(9, LEN);
    w.bytes(m.rawData);
  }
  if (uf) u = flushUnknown(w, uf, u, 10);
  if (m.doubleData && m.doubleData.length > 0) {
    w.tag(10, LEN);
    w.packedDouble(m.doubleData);
  }
  if (uf) u = flushUnknown(w, uf, u, 11);
  if (m.uint64Data && m.uint64Data.length > 0) {
    w.tag(11, LEN);
    w.packedUint64Big(m.uint64Data);
  }
  if (uf) u = flushUnknown(w, uf, u, 12);
  if (m.docString !== undefined) {
    w.tag(12, LEN);
    w.string(m.docString);
  }
  if (uf) u = flushUnknown(w, uf, u, 13);
  if (m.externalData) {
    for (const e of m.externalData) {
      w.tag(13, LEN);
      w.begin();
      encodeEntry(w, e);
      w.end();
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 14);
  if (m.dataLocation !== undefined) {
    w.tag(14, VARINT);
    w.int64(m.dataLocation);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeDimension(w: ProtoSink, m: DimensionProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (m.dimValue !== undefined) {
    w.tag(1, VARINT);
    w.int64(m.dimValue);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (m.dimParam !== undefined) {
    w.tag(2, LEN);
    w.string(m.dimParam);
  }
  if (uf) u = flushUnknown(w, uf, u, 3);
  if (m.denotation !== undefined) {
    w.tag(3, LEN);
    w.string(m.denotation);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeShape(w: ProtoSink, m: TensorShapeProto): void {
  const uf = orderedUnknown(m);
  for (const d of m.dim) {
    w.tag(1, LEN);
    w.begin();
    encodeDimension(w, d);
    w.end();
  }
  if (uf) flushUnknown(w, uf, 0, Number.POSITIVE_INFINITY);
}

function encodeTypeTensor(w: ProtoSink, m: TypeProtoTensor): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'elemType', m.elemType === 0)) {
    w.tag(1, VARINT);
    w.int64(m.elemType);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (m.shape !== undefined) {
    w.tag(2, LEN);
    w.begin();
    encodeShape(w, m.shape);
    w.end();
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeType(w: ProtoSink, m: TypeProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (m.tensorType !== undefined) {
    w.tag(1, LEN);
    w.begin();
    encodeTypeTensor(w, m.tensorType);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 6);
  if (m.denotation !== undefined) {
    w.tag(6, LEN);
    w.string(m.denotation);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeValueInfo(w: ProtoSink, m: ValueInfoProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'name', m.name === '')) {
    w.tag(1, LEN);
    w.string(m.name);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (m.type !== undefined) {
    w.tag(2, LEN);
    w.begin();
    encodeType(w, m.type);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 3);
  if (m.docString !== undefined) {
    w.tag(3, LEN);
    w.string(m.docString);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeAttribute(w: ProtoSink, m: AttributeProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'name', m.name === '')) {
    w.tag(1, LEN);
    w.string(m.name);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (m.f !== undefined) {
    w.tag(2, I32);
    w.float(m.f);
  }
  if (uf) u = flushUnknown(w, uf, u, 3);
  if (m.i !== undefined) {
    w.tag(3, VARINT);
    w.int64(m.i);
  }
  if (uf) u = flushUnknown(w, uf, u, 4);
  if (m.s !== undefined) {
    w.tag(4, LEN);
    w.bytes(m.s);
  }
  if (uf) u = flushUnknown(w, uf, u, 5);
  if (m.t !== undefined) {
    w.tag(5, LEN);
    w.begin();
    encodeTensor(w, m.t);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 6);
  if (m.g !== undefined) {
    w.tag(6, LEN);
    w.begin();
    encodeGraph(w, m.g);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 7);
  if (m.floats) {
    for (const f of m.floats) {
      w.tag(7, I32); // not packed in onnx.proto
      w.float(f);
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 8);
  if (m.ints) {
    for (const i of m.ints) {
      w.tag(8, VARINT); // not packed in onnx.proto
      w.int64(i);
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 9);
  if (m.strings) {
    for (const s of m.strings) {
      w.tag(9, LEN);
      w.bytes(s);
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 10);
  if (m.tensors) {
    for (const t of m.tensors) {
      w.tag(10, LEN);
      w.begin();
      encodeTensor(w, t);
      w.end();
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 11);
  if (m.graphs) {
    for (const g of m.graphs) {
      w.tag(11, LEN);
      w.begin();
      encodeGraph(w, g);
      w.end();
    }
  }
  if (uf) u = flushUnknown(w, uf, u, 13);
  if (m.docString !== undefined) {
    w.tag(13, LEN);
    w.string(m.docString);
  }
  if (uf) u = flushUnknown(w, uf, u, 20); // 14 tp, 15 type_protos
  if (!skipDefault(m, 'type', m.type === 0)) {
    w.tag(20, VARINT);
    w.int64(m.type);
  }
  if (uf) u = flushUnknown(w, uf, u, 21);
  if (m.refAttrName !== undefined) {
    w.tag(21, LEN);
    w.string(m.refAttrName);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY); // 22 sparse_tensor, 23 sparse_tensors
}

function encodeNode(w: ProtoSink, m: NodeProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  for (const s of m.input) {
    w.tag(1, LEN);
    w.string(s);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  for (const s of m.output) {
    w.tag(2, LEN);
    w.string(s);
  }
  if (uf) u = flushUnknown(w, uf, u, 3);
  if (m.name !== undefined) {
    w.tag(3, LEN);
    w.string(m.name);
  }
  if (uf) u = flushUnknown(w, uf, u, 4);
  if (!skipDefault(m, 'opType', m.opType === '')) {
    w.tag(4, LEN);
    w.string(m.opType);
  }
  if (uf) u = flushUnknown(w, uf, u, 5);
  for (const a of m.attribute) {
    w.tag(5, LEN);
    w.begin();
    encodeAttribute(w, a);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 6);
  if (m.docString !== undefined) {
    w.tag(6, LEN);
    w.string(m.docString);
  }
  if (uf) u = flushUnknown(w, uf, u, 7);
  if (m.domain !== undefined) {
    w.tag(7, LEN);
    w.string(m.domain);
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY);
}

function encodeValueInfos(w: ProtoSink, field: number, list: readonly ValueInfoProto[]): void {
  for (const v of list) {
    w.tag(field, LEN);
    w.begin();
    encodeValueInfo(w, v);
    w.end();
  }
}

function encodeGraph(w: ProtoSink, m: GraphProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  for (const n of m.node) {
    w.tag(1, LEN);
    w.begin();
    encodeNode(w, n);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (!skipDefault(m, 'name', m.name === '')) {
    w.tag(2, LEN);
    w.string(m.name);
  }
  if (uf) u = flushUnknown(w, uf, u, 5);
  for (const t of m.initializer) {
    w.tag(5, LEN);
    w.begin();
    encodeTensor(w, t);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 10);
  if (m.docString !== undefined) {
    w.tag(10, LEN);
    w.string(m.docString);
  }
  if (uf) u = flushUnknown(w, uf, u, 11);
  encodeValueInfos(w, 11, m.input);
  if (uf) u = flushUnknown(w, uf, u, 12);
  encodeValueInfos(w, 12, m.output);
  if (uf) u = flushUnknown(w, uf, u, 13);
  encodeValueInfos(w, 13, m.valueInfo);
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY); // 14 quantization_annotation, 15 sparse_initializer
}

function encodeModelFields(w: ProtoSink, m: ModelProto): void {
  const uf = orderedUnknown(m);
  let u = 0;
  if (!skipDefault(m, 'irVersion', m.irVersion === 0)) {
    w.tag(1, VARINT);
    w.int64(m.irVersion);
  }
  if (uf) u = flushUnknown(w, uf, u, 2);
  if (m.producerName !== undefined) {
    w.tag(2, LEN);
    w.string(m.producerName);
  }
  if (uf) u = flushUnknown(w, uf, u, 3);
  if (m.producerVersion !== undefined) {
    w.tag(3, LEN);
    w.string(m.producerVersion);
  }
  if (uf) u = flushUnknown(w, uf, u, 4);
  if (m.domain !== undefined) {
    w.tag(4, LEN);
    w.string(m.domain);
  }
  if (uf) u = flushUnknown(w, uf, u, 5);
  if (m.modelVersion !== undefined) {
    w.tag(5, VARINT);
    w.int64(m.modelVersion);
  }
  if (uf) u = flushUnknown(w, uf, u, 6);
  if (m.docString !== undefined) {
    w.tag(6, LEN);
    w.string(m.docString);
  }
  if (uf) u = flushUnknown(w, uf, u, 7);
  w.tag(7, LEN);
  w.begin();
  encodeGraph(w, m.graph);
  w.end();
  if (uf) u = flushUnknown(w, uf, u, 8);
  for (const o of m.opsetImport) {
    w.tag(8, LEN);
    w.begin();
    encodeOpset(w, o);
    w.end();
  }
  if (uf) u = flushUnknown(w, uf, u, 14);
  if (m.metadataProps) {
    for (const e of m.metadataProps) {
      w.tag(14, LEN);
      w.begin();
      encodeEntry(w, e);
      w.end();
    }
  }
  if (uf) flushUnknown(w, uf, u, Number.POSITIVE_INFINITY); // 20 training_info, 25 functions, ...
}

/**
 * Serialise a {@link ModelProto} to ONNX bytes (fields in field-number order, as python onnx writes them).
 * Raw tensor bytes are copied once, into an exactly sized output buffer.
 * @throws {OnnxModelError} for values the format cannot hold (non-integer dims, malformed unknown fields) and for
 * models over the 2 GiB protobuf limit (save those with external data).
 * @example
 * ```ts
 * const bytes = encodeModel(decodeModel(readFileSync('model.onnx'))); // identical bytes
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export function encodeModel(model: ModelProto): Uint8Array {
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof model.graph !== 'object' ||
    model.graph === null
  ) {
    throw new OnnxModelError('encodeModel needs a ModelProto with a graph (model.graph is missing).');
  }
  return encodeMessage(model, encodeModelFields);
}

/**
 * Serialise one TensorProto (e.g. to store or hash a tensor on its own).
 * @example
 * ```ts
 * const bytes = encodeTensorProto(tensorToProto('w', Tensor.zeros([2, 2])));
 * ```
 */
export function encodeTensorProto(tensor: TensorProto): Uint8Array {
  return encodeMessage(tensor, encodeTensor);
}

/**
 * Parse one serialized TensorProto (the format of ONNX's `.pb` test data files).
 * @throws {OnnxFormatError} for malformed bytes.
 * @example
 * ```ts
 * const proto = decodeTensorProto(readFileSync('test_data_set_0/input_0.pb'));
 * ```
 */
export function decodeTensorProto(bytes: Uint8Array, options: DecodeModelOptions = {}): TensorProto {
  const r = new ProtoReader(bytes, options);
  return decodeTensor(r, bytes.length);
}
