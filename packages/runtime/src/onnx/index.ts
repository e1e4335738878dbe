/**
 * ONNX model files without a protobuf library: the ModelProto mirror types, a codec that round-trips real exports
 * byte for byte, file loading / atomic saving with external data, and Tensor <-> TensorProto conversion.
 *
 * @module
 */

export {
  type DecodeModelOptions,
  decodeModel,
  decodeTensorProto,
  encodeModel,
  encodeTensorProto,
} from './codec.js';
export { OnnxFileError, OnnxFormatError, OnnxModelError } from './errors.js';
export {
  type ExternalDataOptions,
  externalDataReader,
  inlineExternalData,
  type LoadedModel,
  type LoadModelOptions,
  loadModel,
  type ReadExternal,
  type SavedModel,
  type SaveModelOptions,
  saveModel,
} from './io.js';
export {
  type ModelSignature,
  modelInitializers,
  modelSignature,
  type OnnxElementType,
  onnxElementType,
  type ValueSignature,
} from './signature.js';
export { type TensorFromProtoOptions, tensorFromProto, tensorToProto } from './tensor-proto.js';
export * from './types.js';
