/**
 * @proj/runtime: tensors, eager CPU kernels, an ONNX graph builder with autodiff, and execution on ONNX Runtime.
 *
 * @packageDocumentation
 */

export {
  type CompiledGraph,
  type CompileOptions,
  compile,
  type Feeds,
  type IOSpec,
  type RunOptions,
  validateFeeds,
} from './exec/compile.js';
export { ExecutionProviderError, FeedError, SessionError } from './exec/errors.js';
export { type PooledModel, WorkerPool, type WorkerPoolOptions } from './exec/pool.js';
export { type OpProfile, type ProfileSummary, summarizeProfile } from './exec/profile.js';
export {
  availableExecutionProviders,
  type ExecutionProvider,
  type OptimizationLevel,
  type SessionOptions,
} from './exec/session.js';
export { type GradOptions, grad, valueAndGrad } from './graph/autodiff/grad.js';
export {
  type GradCheckBuild,
  GradCheckError,
  type GradCheckOptions,
  type GradCheckReference,
  type GradCheckResult,
  type GradCheckWorst,
  gradCheck,
  relativeError,
} from './graph/autodiff/gradcheck.js';
export { type GradRule, registerGradient } from './graph/autodiff/rules.js';
export { type CompositeGradient, defineCompositeGradient } from './graph/composite.js';
export { GraphBuildError } from './graph/errors.js';
export {
  Graph,
  type GraphOptions,
  type ParamEntry,
  type ParamInit,
  type ParamOptions,
} from './graph/graph.js';
export { type CrossEntropyOptions, crossEntropy, mse, reduceWithMask } from './graph/losses.js';
export { type Attr, attr, type Node } from './graph/node.js';
export * as ops from './graph/ops/index.js';
export type { ValueLike } from './graph/ops/util.js';
export { broadcastShapes, type Dim, fmtShape, mulDims, type Shape } from './graph/shape.js';
export { type ToModelOptions, toModel } from './graph/to-model.js';
export { Value, type ValueKind } from './graph/value.js';
export * from './io/index.js';
export * from './kernels/index.js';
export * from './onnx/index.js';
export * from './tensor/dtype.js';
export { TensorError } from './tensor/errors.js';
export { Rng } from './tensor/rng.js';
export { type NestedArray, shapeSize, stridesOf, Tensor } from './tensor/tensor.js';
export * from './train/index.js';
