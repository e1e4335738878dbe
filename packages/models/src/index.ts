/**
 * @proj/models: transformer families, tokenizers, generation, and local / remote model endpoints.
 *
 * @packageDocumentation
 */

export {
  ConfigError,
  type DecoderConfig,
  type DecoderSizes,
  gpt2Config,
  headDim,
  llamaConfig,
  validateConfig,
} from './decoder/config.js';
export { DecoderEmbedder, type DecoderEmbedderOptions } from './decoder/embedder.js';
export {
  buildDecoderGraph,
  buildLmTrainingGraph,
  type DecoderGraph,
  type DecoderGraphOptions,
  type LmTrainingOptions,
} from './decoder/graph.js';
export * from './encoder/index.js';
export {
  type DecoderFolderContents,
  decoderConfigJson,
  generationConfigJson,
  isProjDecoderFolder,
  loadDecoderFolder,
  PROJ_DECODER_FORMAT,
  saveDecoderFolder,
} from './folder/decoder-folder.js';
export { ModelFolderError } from './folder/errors.js';
export {
  DECODER_ONNX_CANDIDATES,
  type LoadLanguageModelOptions,
  loadLanguageModel,
  readChatTemplate,
  readEosTokenIds,
} from './folder/load-lm.js';
export { type ChatRenderOptions, ChatTemplate, ChatTemplateError } from './generation/chat-template.js';
export { type GenerationEnv, type GenerationRequest, rowSeed, runGeneration } from './generation/generate.js';
export {
  LocalLanguageModel,
  type LocalLanguageModelOptions,
  plainChatFormat,
  specialTokenStrings,
} from './generation/local-lm.js';
export { type LogitsCombiner, ReferenceLogitsProcessor } from './generation/reference-processor.js';
export {
  type DecoderRunner,
  type ForwardBatch,
  type KvCache,
  OnnxDecoderRunner,
  selectBatchRows,
} from './generation/runner.js';
export {
  checkSampling,
  GenerationError,
  logSoftmaxRow,
  type SamplingParams,
  sampleToken,
} from './generation/sampling.js';
export { buildStaticCacheDecoder, StaticCacheRunner } from './generation/static-cache.js';
export type * from './interfaces.js';
export { type BuildContext, embedding, layerNorm, linear, mlp, rmsNorm, silu, swiglu } from './nn/layers.js';
export { type InitSpec, ParameterError, ParameterStore } from './nn/params.js';
export * from './remote/index.js';
export * from './tokenizer/index.js';
