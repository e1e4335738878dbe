/**
 * Abbreviations after which a period does not end a sentence (lower-cased, without the final period).
 * Months and "No." only count before a number ("Jan. 5", "No. 7"), since "in Jan." and "No." also end
 * sentences.
 */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'vs',
  'cf',
  'inc',
  'ltd',
  'co',
  'corp',
  'mt',
  'ft',
  'gen',
  'col',
  'lt',
  'sgt',
  'capt',
  'rev',
  'hon',
  'approx',
  'fig',
  'vol',
  'pp',
  'al',
  'ca',
]);
const BEFORE_NUMBER = new Set([
  'no',
  'nos',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

function isAbbreviation(before: string, next: string): boolean {
  const word = /([\p{L}.]+)$/u.exec(before)?.[1];
  if (!word) return false;
  if (word.includes('.')) return true; // e.g, i.e, U.S, Ph.D
  if (word.length === 1 && /\p{Lu}/u.test(word)) return true; // an initial: J. R. R. Tolkien
  const w = word.toLowerCase();
  return ABBREVIATIONS.has(w) || (BEFORE_NUMBER.has(w) && /\p{N}/u.test(next));
}

/**
 * Split a long-form answer into sentences, the units LUQ checks against the other samples. Line breaks always
 * end a sentence (paragraphs, list items); within a line a sentence ends at `.`, `!`, `?` or `…` (possibly
 * repeated and followed by closing quotes or brackets) before whitespace, unless the next word starts with a
 * lower-case letter or the period closes an abbreviation ("Dr.", "e.g.", "U.S.", an initial, "No. 7").
 * Fragments without a letter or digit (bullets, rules) are dropped; sentences are trimmed.
 *
 * This is a dependency-free approximation of the NLTK / spaCy splitters the LUQ authors used; pass your own
 * `split` to {@link luq} (e.g. an LLM's atomic facts, for LUQ-Atomic) when it matters.
 *
 * @example
 * ```ts
 * splitSentences('Dr. Smith was born in 1950. He moved to the U.S. in 1970! Really?');
 * // ['Dr. Smith was born in 1950.', 'He moved to the U.S. in 1970!', 'Really?']
 * ```
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const push = (s: string) => {
    const t = s.trim();
    if (/[\p{L}\p{N}]/u.test(t)) out.push(t);
  };
  for (const line of String(text).split(/\r?\n|\r/)) {
    let start = 0;
    for (const m of line.matchAll(/[.!?…]+["'”’»)\]]*(?=\s|$)/gu)) {
      const end = (m.index as number) + m[0].length;
      const rest = line.slice(end).trimStart();
      if (rest.length > 0) {
        if (/\p{Ll}/u.test(rest[0])) continue; // "e.g. this", "... and then"
        if (m[0] === '.' && isAbbreviation(line.slice(start, m.index), rest[0])) continue;
      }
      push(line.slice(start, end));
      start = end;
    }
    push(line.slice(start));
  }
  return out;
}
