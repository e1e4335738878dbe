/**
 * Encoders (BERT family): config, graphs (embedding, InfoNCE training, sequence classification), model folders,
 * LocalEmbedder and LocalSequenceClassifier.
 */

export {
  type Classification,
  ClassifierError,
  type ClassifierInput,
  type LoadedClassifierFolder,
  LocalSequenceClassifier,
  type LocalSequenceClassifierFolderOptions,
  type LocalSequenceClassifierOptions,
  loadClassifierFolder,
  type SaveClassifierFolderOptions,
  saveClassifierFolder,
} from './classifier.js';
export {
  buildClassifierGraph,
  buildClassifierTrainingGraph,
  type ClassifierGraph,
  type ClassifierGraphOptions,
  type ClassifierTrainingGraph,
  classifierParameterShapes,
  classifyBatch,
} from './classifier-graph.js';
export {
  bertConfig,
  type EncoderConfig,
  type EncoderSizes,
  encoderConfigFromHf,
  type HfBertConfigJson,
  hfBertConfig,
  validateEncoderConfig,
} from './config.js';
export { LocalEmbedder, type LocalEmbedderFolderOptions, type LocalEmbedderOptions } from './embedder.js';
export { EmbedderError, EncoderFolderError } from './errors.js';
export {
  checkWeights,
  type EncoderTokenizerFiles,
  encoderParameterShapes,
  type LoadedEncoderFolder,
  loadEncoderFolder,
  PROJ_ENCODER_KEY,
  type SaveEncoderFolderOptions,
  saveEncoderFolder,
} from './folder.js';
export {
  buildEncoderGraph,
  buildInfoNceGraph,
  type EncoderGraph,
  type EncoderGraphOptions,
  type EncoderInputs,
  encodeBatch,
  type InfoNceGraph,
  type InfoNceOptions,
} from './graph.js';
export type { EncoderRunOptions } from './onnx-folder.js';
export { meanPoolNormalize, normalizeRow } from './pooling.js';
