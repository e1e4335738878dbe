import { CotInputError } from '../errors.js';

/**
 * Anything that counts tokens: a function, or an object whose `encode` returns ids (an array) or an object with
 * `ids` (as `@huggingface/tokenizers`' `Tokenizer` does).
 */
export type TokenCounter =
  | ((text: string) => number)
  | {
      /** Tokenize `text`: the token ids, or an encoding object holding them. */
      encode(text: string):
        | ArrayLike<number>
        | {
            /** The token ids; only their count is used. */
            ids: ArrayLike<number>;
          };
    };

/** Length of a trace. */
export interface TraceLength {
  /** UTF-16 code units, as `string.length` counts. */
  characters: number;
  /** Tokens, when a tokenizer was given; otherwise null. */
  tokens: number | null;
}

/**
 * Count tokens with any {@link TokenCounter}. @throws {CotInputError} on a non-count result.
 *
 * @example
 * ```ts
 * countTokens('a b c', (t) => t.split(' ').length); // 3
 * ```
 */
export function countTokens(text: string, tokenizer: TokenCounter): number {
  let n: number;
  if (typeof tokenizer === 'function') {
    n = tokenizer(text);
  } else {
    const enc = tokenizer.encode(text);
    n = 'ids' in enc && typeof enc.ids === 'object' ? enc.ids.length : (enc as ArrayLike<number>).length;
  }
  if (!Number.isInteger(n) || n < 0) {
    throw new CotInputError(
      `The tokenizer returned ${n} tokens; it must return a non-negative integer count or ids.`,
    );
  }
  return n;
}

/**
 * Length of a trace in characters, and in tokens when a tokenizer is given.
 *
 * @example
 * ```ts
 * traceLength('Let x = 2.');                                  // { characters: 10, tokens: null }
 * traceLength('Let x = 2.', (t) => t.split(/\s+/).length);    // { characters: 10, tokens: 3 }
 * ```
 */
export function traceLength(trace: string, tokenizer?: TokenCounter): TraceLength {
  if (typeof trace !== 'string') throw new CotInputError(`The trace must be a string, got ${typeof trace}.`);
  return { characters: trace.length, tokens: tokenizer ? countTokens(trace, tokenizer) : null };
}
