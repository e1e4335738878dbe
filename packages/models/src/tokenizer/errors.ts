/**
 * Raised for tokenizer files that cannot be loaded or built (unreadable or malformed tokenizer.json /
 * tokenizer_config.json, special tokens that are missing or clash), and for bad tokenizer calls (token ids out
 * of range, padding without a pad token, rows longer than `maxLength` without truncation). The message names
 * the file (when there is one), the problem and the fix.
 *
 * @example
 * ```ts
 * try { await Tokenizer.fromFile('model/tokenizer.json'); }
 * catch (e) { if (e instanceof TokenizerError) console.error(e.message); }
 * ```
 */
export class TokenizerError extends Error {
  /** `'TokenizerError'`. */
  override name = 'TokenizerError';
}
