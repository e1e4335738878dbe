/**
 * BERT-style WordPiece tokenizers over a vocabulary you choose (tokenizer.json with BertNormalizer,
 * BertPreTokenizer and a WordPiece model): whole words for small synthetic tasks (one token per word keeps tiny
 * training runs fast), plus `##` continuation pieces if you list them. The files are what BERT checkpoints ship,
 * so @huggingface/tokenizers and transformers.js load them too.
 */
import { addedTokens, type TokenizerFiles, writeTokenizerFiles } from './files.js';
import { Tokenizer } from './tokenizer.js';

/**
 * Special tokens, ids 0..4 as in BERT vocabularies.
 * @example BERT_SPECIALS.indexOf('[CLS]') // 2
 */
export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Options of the WordPiece builder. */
export interface WordPieceTokenizerOptions {
  /** Encoding adds `[CLS] ... [SEP]` like BERT (default true). */
  clsSep?: boolean;
  /** `model_max_length` for tokenizer_config.json. */
  modelMaxLength?: number;
}

/**
 * tokenizer.json + tokenizer_config.json for a vocabulary of `words` (lower-cased; ids from 5 on, after the specials
 * [PAD] [UNK] [CLS] [SEP] [MASK]; entries starting with `##` are continuation pieces). Words outside it become [UNK].
 * @example await saveEncoderFolder(dir, { config, weights, tokenizer: wordTokenizerFiles(['the', 'cat', 'sat']) })
 */
export function wordTokenizerFiles(
  words: readonly string[],
  options: WordPieceTokenizerOptions = {},
): TokenizerFiles {
  const all = [...new Set([...BERT_SPECIALS, ...words])];
  const vocab: Record<string, number> = Object.fromEntries(all.map((w, i) => [w, i]));
  const added = addedTokens(BERT_SPECIALS, 0);
  const tok = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const seq = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const post =
    options.clsSep === false
      ? null
      : {
          type: 'TemplateProcessing',
          single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
          pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
          special_tokens: {
            '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
            '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
          },
        };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: post,
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab,
      },
    },
    tokenizerConfig: {
      tokenizer_class: 'BertTokenizer',
      bos_token: null,
      eos_token: null,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
      do_lower_case: true,
      additional_special_tokens: [],
      clean_up_tokenization_spaces: true,
      padding_side: 'right',
      truncation_side: 'right',
      ...(options.modelMaxLength !== undefined ? { model_max_length: options.modelMaxLength } : {}),
    },
  };
}

/**
 * Builders for WordPiece tokenizers over your own vocabulary.
 * @example
 * ```ts
 * const tok = WordPieceTokenizer.create(['the', 'cat', 'sat', '##s']);
 * tok.tokenize('The cats sat'); // ['the', 'cat', '##s', 'sat']
 * tok.encode('The cats sat'); // [2, 5, 6, 8, 7, 3]: [CLS] ... [SEP]
 * ```
 */
export const WordPieceTokenizer = {
  /** The two files as JSON objects. */
  files: wordTokenizerFiles,
  /** Write tokenizer.json + tokenizer_config.json into `dir` (atomically) and return the files. */
  async write(
    dir: string,
    words: readonly string[],
    options: WordPieceTokenizerOptions = {},
  ): Promise<TokenizerFiles> {
    const files = wordTokenizerFiles(words, options);
    await writeTokenizerFiles(dir, files);
    return files;
  },
  /** A ready {@link Tokenizer} over the same files, in memory. */
  create(words: readonly string[], options: WordPieceTokenizerOptions = {}): Tokenizer {
    return Tokenizer.fromFiles(wordTokenizerFiles(words, options), 'WordPieceTokenizer');
  },
} as const;
