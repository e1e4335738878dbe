import { TokenizerError } from './errors.js';
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

/** Split an alphabet into code points and check it. */
function alphabetChars(alphabet: string | Iterable<string>): string[] {
  const chars = typeof alphabet === 'string' ? Array.from(alphabet) : [...alphabet];
  if (chars.length === 0) throw new TokenizerError('The alphabet of a CharTokenizer must not be empty.');
  const seen = new Set<string>();
  for (const c of chars) {
    if (typeof c !== 'string' || Array.from(c).length !== 1) {
      throw new TokenizerError(
        `Alphabet entry ${JSON.stringify(c)} is not a single character (one Unicode code point); split it up.`,
      );
    }
    if (seen.has(c)) throw new TokenizerError(`Alphabet has '${c}' twice; list each character once.`);
    seen.add(c);
  }
  return chars;
}

/** Options of the char-level builder; `unk` must stay set so characters outside the alphabet are not dropped. */
export interface CharTokenizerOptions extends TokenizerBuildOptions {
  /** Token for characters outside the alphabet. Default `'<unk>'`. */
  unk?: string;
}

function charFiles(alphabet: string | Iterable<string>, options: CharTokenizerOptions = {}): TokenizerFiles {
  const chars = alphabetChars(alphabet);
  const unk = options.unk === undefined ? '<unk>' : options.unk;
  if (unk === null) {
    throw new TokenizerError(
      'A CharTokenizer needs an unk token: without one, characters outside the alphabet would vanish silently.',
    );
  }
  const charSet = new Set(chars);
  const specials = resolveSpecials(options, unk, (s) => charSet.has(s));
  // a Map, turned into an object at the end: keys like "__proto__" must stay ordinary vocabulary entries
  const ids = new Map<string, number>();
  chars.forEach((c, i) => {
    ids.set(c, i);
  });
  const added = addedTokens(specials.all, chars.length);
  for (const t of added) ids.set(t.content, t.id);
  const vocab: Record<string, number> = Object.fromEntries(ids);
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: null,
      // No pre-tokenizer: BPE without merges splits the text into code points, each its own token; Fuse
      // joins decoded tokens with nothing in between (the library's default joins with spaces).
      pre_tokenizer: null,
      post_processor: templatePostProcessor(options, specials, (t) => ids.get(t) as number),
      decoder: { type: 'Fuse' },
      model: mergelessBpeModel(vocab, unk),
    },
    tokenizerConfig: configFor(options, specials),
  };
}

/**
 * Character-level tokenizer over a fixed alphabet (Unicode code points, ids 0..n-1 in alphabet order), then
 * the special tokens (default `<pad>`, `<bos>`, `<eos>`, `<unk>`). Characters outside the alphabet encode to
 * `<unk>`; text made of alphabet characters round-trips exactly.
 *
 * @example
 * ```ts
 * const tok = CharTokenizer.create('abc ');
 * tok.encode('cab');   // [2, 0, 1]
 * tok.decode([2, 0]);  // 'ca'
 * await CharTokenizer.write('models/char', 'abcdefghijklmnopqrstuvwxyz ', { addEos: true });
 * ```
 */
export const CharTokenizer = {
  /** The two files as JSON objects. */
  files: charFiles,
  /** Write tokenizer.json + tokenizer_config.json into `dir` (atomically) and return the files. */
  async write(
    dir: string,
    alphabet: string | Iterable<string>,
    options: CharTokenizerOptions = {},
  ): Promise<TokenizerFiles> {
    const files = charFiles(alphabet, options);
    await writeTokenizerFiles(dir, files);
    return files;
  },
  /** A ready {@link Tokenizer} over the same files, in memory. */
  create(alphabet: string | Iterable<string>, options: CharTokenizerOptions = {}): Tokenizer {
    return Tokenizer.fromFiles(charFiles(alphabet, options), 'CharTokenizer');
  },
} as const;
