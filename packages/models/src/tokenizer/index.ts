/** Tokenizers: a batching wrapper over @huggingface/tokenizers and builders for byte / char-level tokenizer.json. */
export { BatchEncoding, type TokenizerSide } from './batch.js';
export { BYTE_TO_UNICODE, ByteTokenizer, type ByteTokenizerOptions } from './byte-level.js';
export { CharTokenizer, type CharTokenizerOptions } from './char-level.js';
export { TokenizerError } from './errors.js';
export {
  type AddedTokenJson,
  type TokenizerBuildOptions,
  type TokenizerConfigJson,
  type TokenizerFiles,
  type TokenizerJson,
  writeTokenizerFiles,
} from './files.js';
export {
  type BatchEncodeOptions,
  type DecodeOptions,
  type EncodeOptions,
  type EncodePairOptions,
  longestFirst,
  type PairEncoding,
  Tokenizer,
} from './tokenizer.js';
export {
  BERT_SPECIALS,
  WordPieceTokenizer,
  type WordPieceTokenizerOptions,
  wordTokenizerFiles,
} from './wordpiece.js';
