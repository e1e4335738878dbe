/** Encoder embedders (BERT family): config, graphs (inference and InfoNCE training), model folders, LocalEmbedder. */
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
export { meanPoolNormalize, normalizeRow } from './pooling.js';
