import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@proj/runtime';
import { TokenizerError } from './errors.js';

/** One entry of tokenizer.json's `added_tokens` (Hugging Face field names). */
export interface AddedTokenJson {
  /** Token id. */
  id: number;
  /** The token's text, e.g. `'<eos>'`. */
  content: string;
  /** Match only as a whole word. */
  single_word: boolean;
  /** Strip whitespace on its left when matching. */
  lstrip: boolean;
  /** Strip whitespace on its right when matching. */
  rstrip: boolean;
  /** Match against the normalised text (false for special tokens). */
  normalized: boolean;
  /** A special token (skipped by `decode(ids, { skipSpecialTokens: true })`). */
  special: boolean;
}

/**
 * The parts of a Hugging Face tokenizer.json that the builders write. Component configs are kept as plain
 * JSON objects (`null` when absent), as the format has them.
 */
export interface TokenizerJson {
  /** Format version (`'1.0'`). */
  version: string;
  /** Truncation settings: none (the {@link Tokenizer} truncates per call). */
  truncation: null;
  /** Padding settings: none (the {@link Tokenizer} pads per call). */
  padding: null;
  /** Special and added tokens. */
  added_tokens: AddedTokenJson[];
  /** Text normalisation (e.g. BertNormalizer), or null. */
  normalizer: Record<string, unknown> | null;
  /** Pre-tokenizer (e.g. ByteLevel, BertPreTokenizer), or null. */
  pre_tokenizer: Record<string, unknown> | null;
  /** Post-processor adding special tokens (e.g. TemplateProcessing), or null. */
  post_processor: Record<string, unknown> | null;
  /** Decoder turning tokens back into text, or null. */
  decoder: Record<string, unknown> | null;
  /** The model: BPE, WordPiece, ... with its vocabulary. */
  model: Record<string, unknown>;
}

/** tokenizer_config.json as the builders write it (read by transformers and by {@link Tokenizer}). */
export interface TokenizerConfigJson {
  /** transformers' tokenizer class, e.g. `'PreTrainedTokenizerFast'`. */
  tokenizer_class: string;
  /** Beginning-of-sequence token, or null. */
  bos_token: string | null;
  /** End-of-sequence token, or null. */
  eos_token: string | null;
  /** Padding token, or null. */
  pad_token: string | null;
  /** Unknown token, or null. */
  unk_token: string | null;
  /** More special tokens. */
  additional_special_tokens: string[];
  /** transformers' decode-time clean-up of spaces before punctuation. */
  clean_up_tokenization_spaces: boolean;
  /** Default padding side. */
  padding_side: 'left' | 'right';
  /** Default truncation side. */
  truncation_side: 'left' | 'right';
  /** The model's context length, when known. */
  model_max_length?: number;
  [key: string]: unknown;
}

/** The two files of a tokenizer folder, as parsed JSON. */
export interface TokenizerFiles {
  /** tokenizer.json. */
  tokenizerJson: TokenizerJson;
  /** tokenizer_config.json. */
  tokenizerConfig: TokenizerConfigJson;
}

/** Options shared by the byte- and char-level builders. */
export interface TokenizerBuildOptions {
  /** Padding token; `null` for none. Default `'<pad>'`. */
  pad?: string | null;
  /** Beginning-of-sequence token; `null` for none. Default `'<bos>'`. */
  bos?: string | null;
  /** End-of-sequence token; `null` for none. Default `'<eos>'`. */
  eos?: string | null;
  /** More special tokens (ids after pad / bos / eos / unk). */
  extraSpecialTokens?: readonly string[];
  /** Prepend the bos token when encoding with special tokens (a TemplateProcessing post-processor). Default false. */
  addBos?: boolean;
  /** Append the eos token when encoding with special tokens. Default false. */
  addEos?: boolean;
  /** `model_max_length` for tokenizer_config.json (the model's context length). */
  modelMaxLength?: number;
  /** Default padding side recorded in tokenizer_config.json. Default `'right'`. */
  paddingSide?: 'left' | 'right';
  /** Default truncation side recorded in tokenizer_config.json. Default `'right'`. */
  truncationSide?: 'left' | 'right';
}

/** Resolved special tokens, in id order. */
export interface SpecialTokenSet {
  /** Padding token, or null for none. */
  pad: string | null;
  /** Beginning-of-sequence token, or null. */
  bos: string | null;
  /** End-of-sequence token, or null. */
  eos: string | null;
  /** Unknown token, or null. */
  unk: string | null;
  /** All special token contents in id order. */
  all: string[];
}

/**
 * Check the special tokens: non-empty, distinct, not clashing with content tokens (they would share a vocab
 * key), and present when the template needs them.
 */
export function resolveSpecials(
  options: TokenizerBuildOptions,
  unk: string | null,
  isContentToken: (s: string) => boolean,
): SpecialTokenSet {
  const pad = options.pad === undefined ? '<pad>' : options.pad;
  const bos = options.bos === undefined ? '<bos>' : options.bos;
  const eos = options.eos === undefined ? '<eos>' : options.eos;
  const all = [pad, bos, eos, unk, ...(options.extraSpecialTokens ?? [])].filter(
    (s): s is string => s !== null,
  );
  const seen = new Set<string>();
  for (const s of all) {
    if (typeof s !== 'string' || s.length === 0) {
      throw new TokenizerError('Special tokens must be non-empty strings (use null to leave one out).');
    }
    if (seen.has(s))
      throw new TokenizerError(`Special token '${s}' is listed twice; give each role its own token.`);
    if (isContentToken(s)) {
      throw new TokenizerError(
        `Special token '${s}' is also an ordinary token of the vocabulary; pick a name that cannot occur as one (e.g. '<${s}>').`,
      );
    }
    seen.add(s);
  }
  if (options.addBos && bos === null)
    throw new TokenizerError('addBos needs a bos token; do not set bos: null.');
  if (options.addEos && eos === null)
    throw new TokenizerError('addEos needs an eos token; do not set eos: null.');
  for (const side of [options.paddingSide, options.truncationSide]) {
    if (side !== undefined && side !== 'left' && side !== 'right') {
      throw new TokenizerError(`Padding / truncation side must be 'left' or 'right', got '${String(side)}'.`);
    }
  }
  if (
    options.modelMaxLength !== undefined &&
    (!Number.isSafeInteger(options.modelMaxLength) || options.modelMaxLength <= 0)
  ) {
    throw new TokenizerError(`modelMaxLength must be a positive integer, got ${options.modelMaxLength}.`);
  }
  return { pad, bos, eos, unk, all };
}

/** `added_tokens` entries for special tokens (e.g. `specials.all`), ids starting at `firstId`. */
export function addedTokens(contents: readonly string[], firstId: number): AddedTokenJson[] {
  return contents.map((content, i) => ({
    id: firstId + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    // not normalized: special tokens match the raw text, whatever a normalizer would do to it
    normalized: false,
    special: true,
  }));
}

/**
 * A BPE model without merges: every vocabulary entry is one token and nothing is ever merged, so text maps to its
 * pre-tokenised pieces one to one (what the byte- and char-level builders need).
 */
export function mergelessBpeModel(
  vocab: Record<string, number>,
  unk: string | null,
): Record<string, unknown> {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: unk,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges: [],
  };
}

/** A TemplateProcessing post-processor adding bos / eos, or null when neither is asked for. */
export function templatePostProcessor(
  options: TokenizerBuildOptions,
  specials: SpecialTokenSet,
  idOf: (token: string) => number,
): Record<string, unknown> | null {
  const bos = options.addBos ? specials.bos : null;
  const eos = options.addEos ? specials.eos : null;
  if (bos === null && eos === null) return null;
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const single = [...(bos ? [special(bos, 0)] : []), seq('A', 0), ...(eos ? [special(eos, 0)] : [])];
  const pair = [...single, seq('B', 1), ...(eos ? [special(eos, 1)] : [])];
  const specialTokens = Object.fromEntries(
    [...new Set([bos, eos])]
      .filter((t) => t !== null)
      .map((t) => [t, { id: t, ids: [idOf(t)], tokens: [t] }]),
  );
  return { type: 'TemplateProcessing', single, pair, special_tokens: specialTokens };
}

/** tokenizer_config.json for a builder's tokenizer. */
export function configFor(options: TokenizerBuildOptions, specials: SpecialTokenSet): TokenizerConfigJson {
  const extra = options.extraSpecialTokens ?? [];
  const config: TokenizerConfigJson = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: specials.bos,
    eos_token: specials.eos,
    pad_token: specials.pad,
    unk_token: specials.unk,
    additional_special_tokens: [...extra],
    // The library's default (true) rewrites " ." to "." etc. when decoding, which breaks lossless round trips.
    clean_up_tokenization_spaces: false,
    padding_side: options.paddingSide ?? 'right',
    truncation_side: options.truncationSide ?? 'right',
  };
  if (options.modelMaxLength !== undefined) config.model_max_length = options.modelMaxLength;
  return config;
}

/**
 * Write `tokenizer.json` and `tokenizer_config.json` into `dir` (created if missing), each atomically
 * (temporary file + rename), and return their paths.
 *
 * @example
 * ```ts
 * await writeTokenizerFiles('models/tiny', ByteTokenizer.files({ addBos: true }));
 * ```
 */
export async function writeTokenizerFiles(
  dir: string,
  files: TokenizerFiles,
): Promise<{
  /** Path of the tokenizer.json written. */
  tokenizerPath: string;
  /** Path of the tokenizer_config.json written. */
  configPath: string;
}> {
  await mkdir(dir, { recursive: true });
  const tokenizerPath = join(dir, 'tokenizer.json');
  const configPath = join(dir, 'tokenizer_config.json');
  await writeFileAtomic(tokenizerPath, `${JSON.stringify(files.tokenizerJson, null, 2)}\n`);
  await writeFileAtomic(configPath, `${JSON.stringify(files.tokenizerConfig, null, 2)}\n`);
  return { tokenizerPath, configPath };
}
