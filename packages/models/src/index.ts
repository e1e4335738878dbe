/**
 * @proj/models: transformer families, tokenizers, generation, and local / remote model endpoints.
 *
 * @packageDocumentation
 */
export type * from './interfaces.js';
export { ParameterStore, ParameterError, type InitSpec } from './nn/params.js';
export { type BuildContext, linear, embedding, layerNorm, rmsNorm, silu, mlp, swiglu } from './nn/layers.js';
export {
  type DecoderConfig,
  ConfigError,
  gpt2Config,
  llamaConfig,
  validateConfig,
  headDim,
} from './decoder/config.js';
export {
  buildDecoderGraph,
  buildLmTrainingGraph,
  type DecoderGraph,
  type DecoderGraphOptions,
  type LmTrainingOptions,
} from './decoder/graph.js';
