import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { BatchEncoding, type TokenizerSide } from './batch.js';
import { TokenizerError } from './errors.js';
import type { TokenizerFiles } from './files.js';

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Apply the tokenizer's post-processor (e.g. prepend bos). Default true. */
  addSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens (pad, bos, eos, ...) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.encodePair}. */
export interface EncodePairOptions {
  /**
   * Longest row (special tokens included). Longer pairs are an error unless `truncation` is set, in which case
   * they are cut the way the tokenizers library's `longest_first` strategy cuts them: the shorter text keeps
   * what it can and the longer one takes the rest; when both are too long each keeps half (the longer text the
   * odd token). Tokens are removed from the end of each text.
   */
  maxLength?: number;
  /** Cut pairs longer than `maxLength` (special tokens are kept). Default false. */
  truncation?: boolean;
}

/** One encoded text pair: ids with the post-processor's special tokens, and each token's segment (type) id. */
export interface PairEncoding {
  /** Token ids, e.g. `[CLS] first [SEP] second [SEP]` for BERT. */
  ids: number[];
  /** Segment id of every token (BERT: 0 up to the first [SEP], 1 after; RoBERTa-style tokenizers: all 0). */
  typeIds: number[];
}

/** The special tokens a post-processor puts around and between the two texts of a pair. */
interface PairTemplate {
  prefix: number[];
  middle: number[];
  suffix: number[];
  /** Type ids of prefix, first text, middle, second text, suffix. */
  types: [number, number, number, number, number];
}

/** Options of {@link Tokenizer.encodeBatch}. */
export interface BatchEncodeOptions extends EncodeOptions {
  /** `'longest'` pads to the longest row, `'max_length'` to `maxLength`. Default `'longest'`. */
  padding?: 'longest' | 'max_length';
  /** Row length limit: the padding target for `'max_length'`, and the truncation length. */
  maxLength?: number;
  /** Cut rows longer than `maxLength` (special tokens are kept). Default false: such rows are an error. */
  truncation?: boolean;
  /** Where padding goes. Default: tokenizer_config.json's `padding_side`, else `'right'`. */
  paddingSide?: TokenizerSide;
  /** Which end truncation removes. Default: tokenizer_config.json's `truncation_side`, else `'right'`. */
  truncationSide?: TokenizerSide;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Pad with this id instead of the tokenizer's pad token. */
  padTokenId?: number;
}

const COMMON_NAMES = {
  bos: ['<bos>', '<s>', '<|begin_of_text|>', '<|startoftext|>', '[CLS]'],
  eos: ['<eos>', '</s>', '<|endoftext|>', '<|end_of_text|>', '<|eot_id|>', '[SEP]'],
  pad: ['<pad>', '[PAD]', '<|pad|>', '<|padding|>'],
  unk: ['<unk>', '[UNK]', '<|unk|>'],
} as const;
type Role = keyof typeof COMMON_NAMES;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A config token entry is a string, `{ content }` (transformers' AddedToken form) or null. */
function tokenContent(v: unknown, key: string, source: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  throw new TokenizerError(
    `${source}: '${key}' must be a string or {"content": string}, got ${JSON.stringify(v)}.`,
  );
}

function sideOf(v: unknown, key: string, source: string): TokenizerSide {
  if (v === undefined || v === null) return 'right';
  if (v === 'left' || v === 'right') return v;
  throw new TokenizerError(`${source}: '${key}' must be "left" or "right", got ${JSON.stringify(v)}.`);
}

function checkInt(v: number | undefined, name: string, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) {
    throw new TokenizerError(`${name} must be an integer >= ${min}, got ${v}.`);
  }
}

/**
 * A Hugging Face tokenizer.json tokenizer (via @huggingface/tokenizers) with what that library leaves out:
 * special token ids, batch encoding with padding (left / right, to the longest row or a fixed length),
 * truncation (left / right, keeping bos / eos), attention masks and `[batch, len]` Int32 / BigInt64 buffers.
 *
 * @example
 * ```ts
 * const tok = await Tokenizer.fromFile('models/tiny');           // folder or path to tokenizer.json
 * const ids = tok.encode('hello');
 * tok.decode(ids) === 'hello';
 * const batch = tok.encodeBatch(['a', 'abc'], { paddingSide: 'left', maxLength: 8, truncation: true });
 * batch.inputIdsInt64(); batch.attentionMask;
 * ```
 */
export class Tokenizer {
  /** Where the tokenizer came from (file path or builder name), quoted in errors. */
  readonly source: string;
  /** One more than the largest token id (model vocabulary plus added tokens). */
  readonly vocabSize: number;
  /** Id of the beginning-of-sequence token, if the tokenizer has one. */
  readonly bosTokenId: number | undefined;
  /** Id of the end-of-sequence token, if any. */
  readonly eosTokenId: number | undefined;
  /** Id of the padding token, if any. */
  readonly padTokenId: number | undefined;
  /** Id of the unknown token, if any. */
  readonly unkTokenId: number | undefined;
  /** Ids of all special added tokens, ascending. */
  readonly specialTokenIds: readonly number[];
  /** Context length from tokenizer_config.json (`model_max_length`), when it states a real one. */
  readonly modelMaxLength: number | undefined;
  /** Default padding side (tokenizer_config.json `padding_side`). */
  readonly paddingSide: TokenizerSide;
  /** Default truncation side (tokenizer_config.json `truncation_side`). */
  readonly truncationSide: TokenizerSide;

  private readonly hf: HfTokenizer;
  /** Special tokens the post-processor puts around one sequence (undefined when it cannot be told). */
  private readonly template: { prefix: number[]; suffix: number[] } | undefined;
  /** The pair layout, detected on first use (undefined: not yet; null: the tokenizer has no pair template). */
  private pairTemplate: PairTemplate | null | undefined;

  private constructor(
    hf: HfTokenizer,
    config: Record<string, unknown>,
    source: string,
    configSource: string,
  ) {
    this.hf = hf;
    this.source = source;
    const vocab = hf.get_vocab(true);
    let maxId = -1;
    for (const id of vocab.values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;
    const specials = [...hf.get_added_tokens_decoder().values()].filter((t) => t.special);
    this.specialTokenIds = specials.map((t) => t.id).sort((a, b) => a - b);
    const specialNames = new Set(specials.map((t) => t.content));
    const resolve = (role: Role): number | undefined => {
      const key = `${role}_token`;
      const named = tokenContent(config[key], key, configSource);
      if (named !== undefined) {
        const id = hf.token_to_id(named);
        if (id === undefined) {
          throw new TokenizerError(
            `${configSource} names ${key} '${named}', but ${source} has no such token; fix the config or add the token.`,
          );
        }
        return id;
      }
      if (key in config) return undefined; // explicitly null: the tokenizer has none
      for (const name of COMMON_NAMES[role]) if (specialNames.has(name)) return hf.token_to_id(name);
      if (role === 'unk') {
        const unk = (hf.model as { unk_token?: string } | null)?.unk_token;
        if (typeof unk === 'string') return hf.token_to_id(unk);
      }
      return undefined;
    };
    this.bosTokenId = resolve('bos');
    this.eosTokenId = resolve('eos');
    this.padTokenId = resolve('pad');
    this.unkTokenId = resolve('unk');
    const mml = config.model_max_length;
    // transformers writes a huge sentinel (1e30) for "no limit"
    this.modelMaxLength = typeof mml === 'number' && Number.isSafeInteger(mml) && mml > 0 ? mml : undefined;
    this.paddingSide = sideOf(config.padding_side, 'padding_side', configSource);
    this.truncationSide = sideOf(config.truncation_side, 'truncation_side', configSource);
    this.template = this.detectTemplate();
  }

  /**
   * Load `tokenizer.json` (a path to the file, or to a folder holding it) and the `tokenizer_config.json`
   * beside it when there is one.
   *
   * @throws {TokenizerError} naming the file when it cannot be read, is not JSON, or is not a tokenizer.
   * @example
   * ```ts
   * const tok = await Tokenizer.fromFile('models/tiny/tokenizer.json');
   * ```
   */
  static async fromFile(path: string): Promise<Tokenizer> {
    let file = path;
    try {
      if ((await stat(path)).isDirectory()) file = join(path, 'tokenizer.json');
    } catch (err) {
      throw new TokenizerError(`Cannot read tokenizer ${path}: ${(err as Error).message}`, { cause: err });
    }
    const tokenizerJson = await readJson(file, true);
    const configFile = join(dirname(file), 'tokenizer_config.json');
    const config = (await readJson(configFile, false)) ?? {};
    return Tokenizer.fromJSON(tokenizerJson, config, { source: file, configSource: configFile });
  }

  /**
   * Build from parsed tokenizer.json and tokenizer_config.json objects.
   *
   * @throws {TokenizerError} when `tokenizerJson` is not a tokenizer.json object or the library rejects it.
   * @example
   * ```ts
   * const tok = Tokenizer.fromJSON(JSON.parse(text), { eos_token: '</s>' });
   * ```
   */
  static fromJSON(
    tokenizerJson: unknown,
    config: unknown = {},
    names: { source?: string; configSource?: string } = {},
  ): Tokenizer {
    const source = names.source ?? 'tokenizer.json';
    const configSource = names.configSource ?? 'tokenizer_config.json';
    if (!isObject(tokenizerJson)) {
      throw new TokenizerError(
        `${source}: expected a JSON object (a Hugging Face tokenizer.json), got ${kindOf(tokenizerJson)}.`,
      );
    }
    if (!isObject(config)) {
      throw new TokenizerError(`${configSource}: expected a JSON object, got ${kindOf(config)}.`);
    }
    const model = tokenizerJson.model;
    if (!isObject(model) || !('vocab' in model)) {
      throw new TokenizerError(
        `${source}: no "model" object with a "vocab"; this is not a tokenizer.json (save one with tokenizer.save() or ByteTokenizer.write()).`,
      );
    }
    if (model.type !== undefined && !['BPE', 'WordPiece', 'Unigram'].includes(model.type as string)) {
      // the library would quietly fall back to a pass-through model and produce garbage ids
      throw new TokenizerError(
        `${source}: model type ${JSON.stringify(model.type)} is not supported (BPE, WordPiece or Unigram).`,
      );
    }
    const added = tokenizerJson.added_tokens ?? [];
    if (!Array.isArray(added)) {
      throw new TokenizerError(`${source}: "added_tokens" must be an array of {id, content} objects.`);
    }
    added.forEach((t, i) => {
      if (
        !isObject(t) ||
        !Number.isSafeInteger(t.id) ||
        (t.id as number) < 0 ||
        typeof t.content !== 'string'
      ) {
        throw new TokenizerError(
          `${source}: added_tokens[${i}] needs a non-negative integer "id" and a string "content".`,
        );
      }
    });
    // The library requires every component key to be present; null means "none" in tokenizer.json.
    const json: Record<string, unknown> = { ...tokenizerJson, added_tokens: added };
    for (const k of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) json[k] ??= null;
    let hf: HfTokenizer;
    try {
      hf = new HfTokenizer(json, { ...config });
    } catch (err) {
      throw new TokenizerError(
        `${source}: @huggingface/tokenizers cannot build it: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    return new Tokenizer(hf, config, source, configSource);
  }

  /**
   * Build from the files a builder returns ({@link ByteTokenizer.files}, {@link CharTokenizer.files}).
   * @example
   * ```ts
   * const tok = Tokenizer.fromFiles(ByteTokenizer.files());
   * ```
   */
  static fromFiles(files: TokenizerFiles, source = 'tokenizer.json'): Tokenizer {
    return Tokenizer.fromJSON(files.tokenizerJson, files.tokenizerConfig, {
      source,
      configSource: `${source} (tokenizer_config.json)`,
    });
  }

  /**
   * Text -> token ids. Special-token strings in the text (e.g. `<eos>`) encode to their special ids.
   * @example
   * ```ts
   * tok.encode('hello', { addSpecialTokens: false });
   * ```
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`encode() takes a string, got ${kindOf(text)}.`);
    if (text.length === 0 && options.addSpecialTokens === false) return [];
    return this.hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  /** Text -> token strings (no special tokens added), for inspection. */
  tokenize(text: string): string[] {
    return this.hf.tokenize(text);
  }

  /**
   * Token ids -> text.
   * @throws {TokenizerError} for ids that are not integers in [0, vocabSize) or name no token.
   * @example
   * ```ts
   * tok.decode(batch.row(0), { skipSpecialTokens: true });
   * ```
   */
  decode(ids: ArrayLike<number | bigint>, options: DecodeOptions = {}): string {
    const list: number[] = Array.from(ids as ArrayLike<number | bigint>, (v) => Number(v));
    for (const id of list) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.hf.id_to_token(id) === undefined) {
        throw new TokenizerError(
          `Token id ${id} is not in the vocabulary of ${this.source} (size ${this.vocabSize}).`,
        );
      }
    }
    if (list.length === 0) return ''; // the library throws on an empty list
    return this.hf.decode(list, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** Id of a token string (undefined when it is not in the vocabulary). */
  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  /** Token string of an id (undefined when out of range). */
  idToToken(id: number): string | undefined {
    return this.hf.id_to_token(id);
  }

  /**
   * Encode several texts into one padded `[batch, len]` batch.
   *
   * @throws {TokenizerError} when padding is needed but there is no pad token (set `pad_token` in
   *   tokenizer_config.json or pass `padTokenId`), when a row exceeds `maxLength` without `truncation`, or when
   *   `padding: 'max_length'` has no `maxLength`.
   * @example
   * ```ts
   * const b = tok.encodeBatch(texts, { padding: 'max_length', maxLength: 64, truncation: true, truncationSide: 'left' });
   * ```
   */
  encodeBatch(texts: readonly string[], options: BatchEncodeOptions = {}): BatchEncoding {
    if (!Array.isArray(texts))
      throw new TokenizerError(`encodeBatch() takes an array of strings, got ${kindOf(texts)}.`);
    const padding = options.padding ?? 'longest';
    if (padding !== 'longest' && padding !== 'max_length') {
      throw new TokenizerError(`padding must be 'longest' or 'max_length', got ${JSON.stringify(padding)}.`);
    }
    const { maxLength, padToMultipleOf } = options;
    checkInt(maxLength, 'maxLength', 1);
    checkInt(padToMultipleOf, 'padToMultipleOf', 1);
    checkInt(options.padTokenId, 'padTokenId', 0);
    if (padding === 'max_length' && maxLength === undefined) {
      throw new TokenizerError("padding: 'max_length' needs maxLength.");
    }
    const paddingSide = sideOf(options.paddingSide ?? this.paddingSide, 'paddingSide', 'encodeBatch options');
    const truncSide = sideOf(
      options.truncationSide ?? this.truncationSide,
      'truncationSide',
      'encodeBatch options',
    );
    const addSpecial = options.addSpecialTokens ?? true;
    const truncate = options.truncation === true && maxLength !== undefined;
    const rows = texts.map((text, i) => {
      if (typeof text !== 'string')
        throw new TokenizerError(`encodeBatch(): texts[${i}] is ${kindOf(text)}, not a string.`);
      if (!truncate) return this.encode(text, { addSpecialTokens: addSpecial });
      return this.encodeTruncated(text, addSpecial, maxLength, truncSide);
    });
    if (maxLength !== undefined) {
      const long = rows.findIndex((r) => r.length > maxLength);
      if (long >= 0) {
        throw new TokenizerError(
          `Row ${long} has ${rows[long].length} tokens, more than maxLength ${maxLength}; pass truncation: true to cut it.`,
        );
      }
    }
    let len =
      padding === 'max_length' ? (maxLength as number) : rows.reduce((m, r) => Math.max(m, r.length), 0);
    if (padToMultipleOf !== undefined) len = Math.ceil(len / padToMultipleOf) * padToMultipleOf;
    const padId = options.padTokenId ?? this.padTokenId;
    if (padId === undefined && rows.some((r) => r.length < len)) {
      throw new TokenizerError(
        `${this.source} has no pad token, so rows of different lengths cannot be padded; set pad_token in tokenizer_config.json or pass padTokenId.`,
      );
    }
    const ids = new Int32Array(rows.length * len).fill(padId ?? 0);
    const mask = new Int32Array(rows.length * len);
    rows.forEach((r, i) => {
      const start = i * len + (paddingSide === 'left' ? len - r.length : 0);
      ids.set(r, start);
      mask.fill(1, start, start + r.length);
    });
    return new BatchEncoding(
      ids,
      mask,
      rows.length,
      len,
      rows.map((r) => r.length),
      paddingSide,
    );
  }

  /**
   * Encode a text pair the way cross-encoders (NLI, rerankers) take it: the tokenizer's pair template (BERT:
   * `[CLS] first [SEP] second [SEP]`, types 0 then 1; RoBERTa: `<s> first </s></s> second </s>`) around both
   * texts, with optional `longest_first` truncation.
   *
   * @throws {TokenizerError} when the tokenizer's post-processor has no pair template, when the pair is longer than
   *   `maxLength` without `truncation`, or when `maxLength` leaves no room for the special tokens.
   * @example
   * ```ts
   * const { ids, typeIds } = tok.encodePair('A cat sat on the mat.', 'A cat sat.', { maxLength: 128, truncation: true });
   * ```
   */
  encodePair(first: string, second: string, options: EncodePairOptions = {}): PairEncoding {
    for (const [name, v] of [
      ['first', first],
      ['second', second],
    ] as const) {
      if (typeof v !== 'string')
        throw new TokenizerError(`encodePair(): ${name} is ${kindOf(v)}, not a string.`);
    }
    checkInt(options.maxLength, 'maxLength', 1);
    if (this.pairTemplate === undefined) this.pairTemplate = this.detectPairTemplate();
    const t = this.pairTemplate;
    if (t === null) {
      throw new TokenizerError(
        `${this.source} has no pair template (its post_processor does not join two texts), so it cannot encode text pairs; use the tokenizer of a cross-encoder.`,
      );
    }
    let a = this.encode(first, { addSpecialTokens: false });
    let b = this.encode(second, { addSpecialTokens: false });
    const { maxLength } = options;
    const specials = t.prefix.length + t.middle.length + t.suffix.length;
    if (maxLength !== undefined && a.length + b.length + specials > maxLength) {
      if (!options.truncation) {
        throw new TokenizerError(
          `The pair has ${a.length + b.length + specials} tokens, more than maxLength ${maxLength}; pass truncation: true to cut it.`,
        );
      }
      const budget = maxLength - specials;
      if (budget < 0) {
        throw new TokenizerError(
          `maxLength ${maxLength} leaves no room for the ${specials} special tokens of a pair.`,
        );
      }
      const [ka, kb] = longestFirst(a.length, b.length, budget);
      a = a.slice(0, ka);
      b = b.slice(0, kb);
    }
    const parts = [t.prefix, a, t.middle, b, t.suffix];
    return {
      ids: parts.flat(),
      typeIds: parts.flatMap((p, i) => new Array<number>(p.length).fill(t.types[i])),
    };
  }

  /**
   * Find the pair layout by encoding two probe texts as a pair, with and without special tokens: with =
   * prefix + first + middle + second + suffix. null when the post-processor does not join pairs that way.
   */
  private detectPairTemplate(): PairTemplate | null {
    const probes = ['a', 'b', 'hello', 'world', '0', '1', '.'];
    const bare = probes
      .map((p) => ({ p, ids: this.hf.encode(p, { add_special_tokens: false }).ids }))
      .filter((x) => x.ids.length > 0);
    if (bare.length < 2) return null;
    const [x, y] = bare;
    let full: { ids: number[]; token_type_ids?: number[] };
    try {
      full = this.hf.encode(x.p, { text_pair: y.p, add_special_tokens: true, return_token_type_ids: true });
    } catch {
      return null;
    }
    const at = (seq: number[], from: number) => {
      for (let k = from; k + seq.length <= full.ids.length; k++)
        if (seq.every((id, j) => full.ids[k + j] === id)) return k;
      return -1;
    };
    const i = at(x.ids, 0);
    const j = i < 0 ? -1 : at(y.ids, i + x.ids.length);
    if (j < 0) return null;
    const iEnd = i + x.ids.length;
    const jEnd = j + y.ids.length;
    const type = (k: number, fallback: number) => full.token_type_ids?.[k] ?? fallback;
    return {
      prefix: full.ids.slice(0, i),
      middle: full.ids.slice(iEnd, j),
      suffix: full.ids.slice(jEnd),
      types: [type(0, 0), type(i, 0), type(iEnd, type(i, 0)), type(j, 1), type(jEnd, type(j, 1))],
    };
  }

  /** Truncate the text's tokens to `maxLength` while keeping the post-processor's special tokens. */
  private encodeTruncated(
    text: string,
    addSpecial: boolean,
    maxLength: number,
    side: TokenizerSide,
  ): number[] {
    const cut = (ids: number[], n: number) =>
      ids.length <= n ? ids : side === 'left' ? ids.slice(ids.length - n) : ids.slice(0, n);
    if (!addSpecial || this.template === undefined)
      return cut(this.encode(text, { addSpecialTokens: addSpecial }), maxLength);
    const { prefix, suffix } = this.template;
    const budget = maxLength - prefix.length - suffix.length;
    if (budget < 0) {
      throw new TokenizerError(
        `maxLength ${maxLength} leaves no room for the ${prefix.length + suffix.length} special tokens the tokenizer adds.`,
      );
    }
    return [...prefix, ...cut(this.encode(text, { addSpecialTokens: false }), budget), ...suffix];
  }

  /**
   * Find the special tokens the post-processor adds around a single sequence by encoding a probe text with
   * and without them (with = prefix + without + suffix for template-style processors).
   */
  private detectTemplate(): { prefix: number[]; suffix: number[] } | undefined {
    for (const probe of ['a', 'hello', '0', ' ', '.']) {
      const bare = this.hf.encode(probe, { add_special_tokens: false }).ids;
      if (bare.length === 0) continue;
      const full = this.hf.encode(probe, { add_special_tokens: true }).ids;
      for (let k = 0; k + bare.length <= full.length; k++) {
        if (bare.every((id, j) => full[k + j] === id)) {
          return { prefix: full.slice(0, k), suffix: full.slice(k + bare.length) };
        }
      }
      return undefined;
    }
    return undefined;
  }
}

/**
 * Lengths the tokenizers library's `longest_first` strategy keeps of two texts of n1 and n2 tokens under a budget:
 * the shorter keeps what it can, the longer takes the rest; when both exceed half, each keeps half (the longer
 * text the odd token).
 */
export function longestFirst(n1: number, n2: number, budget: number): [number, number] {
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let [short, long] = swap ? [n2, n1] : [n1, n2];
  long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

async function readJson(path: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerError(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(
      `${path} is not valid JSON (${(err as Error).message}); re-export the tokenizer files.`,
      {
        cause: err,
      },
    );
  }
}
