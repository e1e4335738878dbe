/** Remote OpenAI-compatible endpoints (vLLM, llama.cpp server, Ollama, OpenAI) as LanguageModel / Embedder. */
export { RemoteEmbedder, type RemoteEmbedderOptions } from './embedder.js';
export {
  EndpointError,
  type EndpointErrorCode,
  type EndpointErrorInit,
  RemoteOptionsError,
} from './errors.js';
export type { EndpointOptions } from './http.js';
export {
  type RemoteGenerateOptions,
  RemoteLanguageModel,
  type RemoteLanguageModelOptions,
} from './language-model.js';
export type { RemoteProgress } from './progress.js';
