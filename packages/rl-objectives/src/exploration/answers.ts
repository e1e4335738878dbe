/**
 * Maps a raw final answer to its equivalence class key for counting. Must be deterministic.
 * @example
 * ```ts
 * const mathNormaliser: AnswerNormaliser = (a) => normaliseAnswer(a).replace(/^\$|\$$/g, '');
 * ```
 */
export type AnswerNormaliser = (answer: string) => string;

/**
 * The default answer normaliser: trim, lowercase, collapse runs of whitespace to one space, strip trailing
 * periods. Answers that normalise to '' count as "no answer".
 * @example
 * ```ts
 * normaliseAnswer('  The   Answer is 42. '); // 'the answer is 42'
 * ```
 */
export function normaliseAnswer(answer: string): string {
  return answer.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\.+$/, '').trimEnd();
}

/**
 * The content of the LAST `\boxed{...}` (or `\fbox{...}`) in a completion, with nested braces balanced,
 * trimmed; `\boxed 5` (no braces) gives the following token. `null` when there is none or its braces never
 * close (a truncated completion).
 * @example
 * ```ts
 * extractBoxed('so x = \\boxed{\\frac{1}{2}}.'); // '\\frac{1}{2}'
 * extractBoxed('no box here');                  // null
 * ```
 */
export function extractBoxed(text: string): string | null {
  const re = /\\(?:boxed|fbox)/g;
  const starts: number[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) starts.push(m.index + m[0].length);
  for (let k = starts.length - 1; k >= 0; k--) {
    const found = readBoxArgument(text, starts[k]);
    if (found !== null) return found;
  }
  return null;
}

function readBoxArgument(text: string, at: number): string | null {
  let i = at;
  if (text[i] === '{') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (ch === '\\') {
        j++; // an escaped brace (\{ or \}) does not open or close the argument
        continue;
      }
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) return text.slice(i + 1, j).trim();
      }
    }
    return null;
  }
  // `\boxed 5` form: one whitespace, then a token up to whitespace or `$`.
  if (text[i] !== ' ') return null;
  while (text[i] === ' ') i++;
  let j = i;
  while (j < text.length && !/[\s$]/.test(text[j])) j++;
  return j > i ? text.slice(i, j) : null;
}
