/** Bag-of-words similarity between steps, used when no Embedder is given. */

const STOP = new Set(
  "a an the and or but so of to in on at for with by is are was were be been it this that these those i we you let me us our my as if then than there here do does did not no can could would should will just also which what when how its it's".split(
    ' ',
  ),
);

/**
 * Lower-cased word and number tokens without stop words; numbers and symbols such as `x^2` count as words.
 *
 * @example
 * ```ts
 * contentTokens('So x^2 = 9'); // ['x^2', '9']
 * ```
 */
export function contentTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[a-z][a-z0-9_^']*|\d+(?:\.\d+)?/g)) {
    if (!STOP.has(m[0])) out.push(m[0]);
  }
  return out;
}

/**
 * Token -> count.
 *
 * @example
 * ```ts
 * termCounts('x = 3, x = 3').get('x'); // 2
 * ```
 */
export function termCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of contentTokens(text)) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/**
 * Cosine similarity of two term-count vectors (0 when either is empty).
 *
 * @example
 * ```ts
 * lexicalCosine(termCounts('x = 3'), termCounts('so x = 3')); // 1
 * ```
 */
export function lexicalCosine(a: Map<string, number>, b: Map<string, number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, c] of a) {
    na += c * c;
    const d = b.get(t);
    if (d !== undefined) dot += c * d;
  }
  for (const c of b.values()) nb += c * c;
  return dot / Math.sqrt(na * nb);
}

/**
 * Dot product of two equal-length vectors (cosine for unit vectors).
 *
 * @example
 * ```ts
 * dot(new Float32Array([1, 0]), new Float32Array([0.6, 0.8])); // 0.6
 * ```
 */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
