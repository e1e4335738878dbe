/**
 * @proj/runtime: tensors, eager CPU kernels, an ONNX graph builder with autodiff, and execution on ONNX Runtime.
 *
 * @packageDocumentation
 */
export * from './tensor/dtype.js';
export { Tensor, shapeSize, stridesOf, type NestedArray } from './tensor/tensor.js';
export { Rng } from './tensor/rng.js';
export { TensorError } from './tensor/errors.js';
export * from './onnx/types.js';
export { tensorToProto, tensorFromProto, type TensorFromProtoOptions } from './onnx/tensor-proto.js';
