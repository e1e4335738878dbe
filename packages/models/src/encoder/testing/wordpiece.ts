/**
 * A word-level BERT tokenizer (tokenizer.json with BertNormalizer, BertPreTokenizer and a WordPiece model whose
 * vocabulary is whole words) for the encoder's tests, learning test and benchmark: short sequences (one token
 * per word) keep tiny training runs fast, and the files are what BERT checkpoints ship, so
 * @huggingface/transformers loads them too. Not part of the package's public API.
 */
import type { TokenizerFiles } from '../../tokenizer/files.js';

/** Special tokens, ids 0..4 as in BERT vocabularies. */
export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * tokenizer.json + tokenizer_config.json for a vocabulary of `words` (ids from 5 on, after the specials).
 * With `clsSep` (default true) encoding adds `[CLS] ... [SEP]` like BERT.
 */
export function wordTokenizerFiles(
  words: readonly string[],
  options: { clsSep?: boolean; modelMaxLength?: number } = {},
): TokenizerFiles {
  const all = [...new Set([...BERT_SPECIALS, ...words])];
  const vocab: Record<string, number> = Object.fromEntries(all.map((w, i) => [w, i]));
  const added = BERT_SPECIALS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
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
