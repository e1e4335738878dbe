import {
  addedTokens,
  configFor,
  mergelessBpeModel,
  resolveSpecials,
  type TokenizerBuildOptions,
  type TokenizerFiles,
  templatePostProcessor,
  writeTokenizerFiles,
} from './files.js';
import { Tokenizer } from './tokenizer.js';

/**
 * GPT-2's byte -> printable character table (the one the ByteLevel pre-tokenizer and decoder use): printable
 * Latin-1 bytes map to themselves, the other 68 bytes to U+0100 upwards, so every byte is one visible char.
 * @example BYTE_TO_UNICODE[0x20] // 'Ġ' (the space byte, as in GPT-2 vocabularies)
 */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const direct: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) direct.push(b);
  for (let b = 0xa1; b <= 0xac; b++) direct.push(b);
  for (let b = 0xae; b <= 0xff; b++) direct.push(b);
  const table = new Array<string>(256);
  for (const b of direct) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  return Object.freeze(table);
})();

const BYTE_CHARS = new Set(BYTE_TO_UNICODE);

/** Options of the byte-level builder: see {@link TokenizerBuildOptions}; `unk` is off by default (every byte has a token). */
export interface ByteTokenizerOptions extends TokenizerBuildOptions {
  /** Unknown token; never produced by byte-level encoding, kept for tools that expect one. Default null. */
  unk?: string | null;
}

function byteFiles(options: ByteTokenizerOptions = {}): TokenizerFiles {
  const specials = resolveSpecials(options, options.unk ?? null, (s) => BYTE_CHARS.has(s));
  // a Map, turned into an object at the end: keys like "__proto__" must stay ordinary vocabulary entries
  const ids = new Map<string, number>();
  BYTE_TO_UNICODE.forEach((c, b) => {
    ids.set(c, b);
  });
  const added = addedTokens(specials.all, 256);
  for (const t of added) ids.set(t.content, t.id);
  const vocab: Record<string, number> = Object.fromEntries(ids);
  // use_regex false: no GPT-2 word splitting, the whole text becomes one run of byte characters, and BPE with
  // no merges maps each byte character to its own id, so token id == byte value.
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: templatePostProcessor(options, specials, (t) => ids.get(t) as number),
      decoder: byteLevel,
      model: mergelessBpeModel(vocab, specials.unk),
    },
    tokenizerConfig: configFor(options, specials),
  };
}

/**
 * Byte-level tokenizer for the project's own small models: token id = byte value (0..255) of the UTF-8
 * encoding, then the special tokens (default `<pad>`=256, `<bos>`=257, `<eos>`=258). Encodes any text and
 * decodes it back exactly. The files are standard Hugging Face tokenizer.json / tokenizer_config.json (BPE
 * with the 256 GPT-2 byte characters and no merges, ByteLevel pre-tokenizer and decoder).
 *
 * @example
 * ```ts
 * await ByteTokenizer.write('models/tiny', { addBos: true, modelMaxLength: 256 });
 * const tok = ByteTokenizer.create();
 * tok.encode('hé');            // [104, 195, 169]
 * tok.decode([104, 195, 169]); // 'hé'
 * ```
 */
export const ByteTokenizer = {
  /** The two files as JSON objects. */
  files: byteFiles,
  /** Write tokenizer.json + tokenizer_config.json into `dir` (atomically) and return the files. */
  async write(dir: string, options: ByteTokenizerOptions = {}): Promise<TokenizerFiles> {
    const files = byteFiles(options);
    await writeTokenizerFiles(dir, files);
    return files;
  },
  /** A ready {@link Tokenizer} over the same files, in memory. */
  create(options: ByteTokenizerOptions = {}): Tokenizer {
    return Tokenizer.fromFiles(byteFiles(options), 'ByteTokenizer');
  },
} as const;
