import { ResponseInputError } from '../errors.js';

/**
 * Split text into ROUGE tokens: lower-cased maximal runs of Unicode letters and digits; everything else
 * (spaces, punctuation, symbols) separates tokens. This is the default tokenizer of Google's `rouge_score`
 * (lower-case, non-alphanumerics to spaces, no stemming) made Unicode-aware, so accented and non-Latin words
 * count instead of being dropped.
 *
 * @example
 * ```ts
 * rougeTokens("Marie Curie's prize (1903)"); // ['marie', 'curie', 's', 'prize', '1903']
 * ```
 */
export function rougeTokens(text: string): string[] {
  if (typeof text !== 'string') {
    throw new ResponseInputError(`rougeTokens: expected a string, got ${typeof text}.`);
  }
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Length of the longest common subsequence of two token lists (dynamic programme, two rows of memory).
 *
 * @example
 * ```ts
 * lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd']); // 3
 * ```
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  // Iterate over the shorter list in the inner loop to keep the rows small.
  const [outer, inner] = a.length >= b.length ? [a, b] : [b, a];
  const m = inner.length;
  if (m === 0) return 0;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let i = 0; i < outer.length; i++) {
    const t = outer[i];
    for (let j = 1; j <= m; j++) {
      cur[j] = inner[j - 1] === t ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    const tmp = prev;
    prev = cur;
    cur = tmp;
  }
  return prev[m];
}

function f1FromTokens(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const lcs = lcsLength(a, b);
  if (lcs === 0) return 0;
  const precision = lcs / a.length;
  const recall = lcs / b.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * ROUGE-L F1 between two texts: with L = LCS length over {@link rougeTokens}, P = L / |a|, R = L / |b|,
 * F1 = 2PR / (P + R) (symmetric in a and b). 0 when either text has no tokens, as `rouge_score` does.
 *
 * @example
 * ```ts
 * rougeL('the cat sat on the mat', 'the cat lay on the mat'); // 5/6
 * ```
 */
export function rougeL(a: string, b: string): number {
  return f1FromTokens(rougeTokens(a), rougeTokens(b));
}

/**
 * Mean ROUGE-L F1 over all unordered pairs of responses: lexical similarity of the samples, the "lexical
 * similarity" baseline of Lin et al. (2023). Higher = more lexically consistent (more trustworthy).
 *
 * @throws {ResponseInputError} with fewer than 2 texts or a non-string entry.
 * @example
 * ```ts
 * meanPairwiseRougeL(['Paris is the capital.', 'The capital is Paris.', 'It is Lyon.']);
 * ```
 */
export function meanPairwiseRougeL(texts: readonly string[]): number {
  if (!Array.isArray(texts) || texts.length < 2) {
    throw new ResponseInputError(
      `meanPairwiseRougeL: needs at least 2 responses, got ${Array.isArray(texts) ? texts.length : typeof texts}; sample more answers.`,
    );
  }
  const tokens = texts.map((t, i) => {
    if (typeof t !== 'string') {
      throw new ResponseInputError(`meanPairwiseRougeL: texts[${i}] is ${typeof t}, not a string.`);
    }
    return rougeTokens(t);
  });
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j < tokens.length; j++) {
      sum += f1FromTokens(tokens[i], tokens[j]);
      pairs++;
    }
  }
  return sum / pairs;
}

/**
 * Lexical dispersion `1 - meanPairwiseRougeL(texts)`, in [0, 1]. Direction: higher = less trustworthy
 * (the samples share fewer word sequences).
 *
 * @throws {ResponseInputError} as {@link meanPairwiseRougeL}.
 * @example
 * ```ts
 * lexicalDispersion(['a b c', 'a b c']); // 0
 * lexicalDispersion(['a b c', 'x y z']); // 1
 * ```
 */
export function lexicalDispersion(texts: readonly string[]): number {
  return 1 - meanPairwiseRougeL(texts);
}
