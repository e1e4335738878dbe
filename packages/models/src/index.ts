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
export * from './remote/index.js';
export * from './tokenizer/index.js';
export { GenerationError, sampleToken, logSoftmaxRow, checkSampling, type SamplingParams } from './generation/sampling.js';
export { runGeneration, type GenerationRequest, type GenerationEnv } from './generation/generate.js';
export { OnnxDecoderRunner, selectBatchRows, type DecoderRunner, type ForwardBatch, type KvCache } from './generation/runner.js';
export { LocalLanguageModel, plainChatFormat, type LocalLanguageModelOptions } from './generation/local-lm.js';
export { ModelFolderError } from './folder/errors.js';
export {
  saveDecoderFolder,
  loadDecoderFolder,
  isProjDecoderFolder,
  decoderConfigJson,
  PROJ_DECODER_FORMAT,
  type DecoderFolderContents,
} from './folder/decoder-folder.js';
export { loadLanguageModel, DECODER_ONNX_CANDIDATES, type LoadLanguageModelOptions } from './folder/load-lm.js';
