/**
 * @proj/runtime: tensors, eager CPU kernels, an ONNX graph builder with autodiff, and execution on ONNX Runtime.
 *
 * @packageDocumentation
 */
export * from './tensor/dtype.js';
export { Tensor, shapeSize, stridesOf, type NestedArray } from './tensor/tensor.js';
export { Rng } from './tensor/rng.js';
export { TensorError } from './tensor/errors.js';
export * from './onnx/index.js';
export { Graph, type GraphOptions, type ParamEntry, type ParamInit, type ParamOptions } from './graph/graph.js';
export { Value, type ValueKind } from './graph/value.js';
export { type Attr, type Node, attr } from './graph/node.js';
export { GraphBuildError } from './graph/errors.js';
export { type Dim, type Shape, broadcastShapes, fmtShape, mulDims } from './graph/shape.js';
export * as ops from './graph/ops/index.js';
export { type ValueLike } from './graph/ops/util.js';
export { toModel, type ToModelOptions } from './graph/to-model.js';
export {
  compile,
  validateFeeds,
  type CompileOptions,
  type CompiledGraph,
  type Feeds,
  type IOSpec,
} from './exec/compile.js';
export {
  availableExecutionProviders,
  type ExecutionProvider,
  type OptimizationLevel,
  type SessionOptions,
} from './exec/session.js';
export { WorkerPool, type PooledModel, type WorkerPoolOptions } from './exec/pool.js';
export { ExecutionProviderError, FeedError, SessionError } from './exec/errors.js';
export { grad, valueAndGrad, type GradOptions } from './graph/autodiff/grad.js';
export { registerGradient, type GradRule } from './graph/autodiff/rules.js';
export * from './train/index.js';
export { crossEntropy, mse, reduceWithMask, type CrossEntropyOptions } from './graph/losses.js';
export * from './kernels/index.js';
export * from './io/index.js';
