/**
 * Fact checking in the synthetic world: split an answer into sentences, read the claims each template sentence
 * makes, and compare them with the truth. This plays the role of the paper's LLM judge (which checks every
 * atomic statement against a reference document), but exactly: a sentence the parser cannot read counts as one
 * unsupported statement, as a judge would find nothing in the reference that supports gibberish.
 */
import type { Attribute, FactSet } from './world.js';

/** One atomic statement: an attribute and the value the answer gives it. */
export interface Claim {
  attribute: Attribute;
  value: string;
}

/** What {@link parseAnswer} reads from an answer. */
export interface ParsedAnswer {
  /** The sentences, in order (trimmed, each ending with its period unless the answer was cut off). */
  sentences: string[];
  /** Claims of the sentences that follow a template, in order. */
  claims: Claim[];
  /** Sentences that follow no template. */
  unparsed: string[];
  /** The name in the opening sentence, when there is one. */
  subjects: string[];
}

/** One claim with its verdict. */
export interface CheckedClaim extends Claim {
  true: boolean;
}

/** The factuality of one answer. */
export interface AnswerFactuality {
  /** Claims with their verdicts. */
  claims: CheckedClaim[];
  /** Sentences that follow no template (each counts as one unsupported statement). */
  unparsed: string[];
  /** Statements: claims + unparsed sentences. */
  statements: number;
  /** True claims. */
  supported: number;
  /** supported / statements; 0 for an answer that states nothing. */
  factuality: number;
  /** Whether every opening sentence names the person asked about (diagnostic; not a claim). */
  subjectMatches: boolean;
}

const WORD = '([A-Za-z]+)';
const NUMBER = '([0-9]+)';

/** Sentence templates and the claims they make (group index per attribute). */
const TEMPLATES: readonly { re: RegExp; subject?: number; groups: readonly [Attribute, number][] }[] = [
  {
    re: new RegExp(`^(.+) was born in ${WORD} in ${NUMBER}\\.$`),
    subject: 1,
    groups: [
      ['birthCity', 2],
      ['birthYear', 3],
    ],
  },
  {
    re: new RegExp(`^(.+) was born in ${NUMBER} in ${WORD}\\.$`),
    subject: 1,
    groups: [
      ['birthYear', 2],
      ['birthCity', 3],
    ],
  },
  { re: new RegExp(`^They work as a ${WORD}\\.$`), groups: [['job', 1]] },
  { re: new RegExp(`^By trade they are a ${WORD}\\.$`), groups: [['job', 1]] },
  { re: new RegExp(`^(?:Today they|They) live in ${WORD}\\.$`), groups: [['homeCity', 1]] },
  { re: new RegExp(`^(?:In their free time they|They) enjoy ${WORD}\\.$`), groups: [['hobby', 1]] },
];

/**
 * Split an answer into sentences: a sentence ends at a period followed by whitespace or the end of the text;
 * a trailing fragment without a period (an answer cut off by the token limit) is a sentence too. Whitespace
 * runs (including line breaks) count as one space.
 *
 * @example
 * ```ts
 * splitAnswerSentences('A b. C d.\nE'); // ['A b.', 'C d.', 'E']
 * ```
 */
export function splitAnswerSentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return [];
  return flat
    .split(/(?<=\.) /)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Read the claims of an answer sentence by sentence (see {@link ParsedAnswer}).
 *
 * @example
 * ```ts
 * parseAnswer('Mira Kolat was born in Oslo in 1957. They enjoy chess.').claims;
 * // [{ attribute: 'birthCity', value: 'Oslo' }, { attribute: 'birthYear', value: '1957' },
 * //  { attribute: 'hobby', value: 'chess' }]
 * ```
 */
export function parseAnswer(text: string): ParsedAnswer {
  const sentences = splitAnswerSentences(text);
  const claims: Claim[] = [];
  const unparsed: string[] = [];
  const subjects: string[] = [];
  for (const s of sentences) {
    let matched = false;
    for (const t of TEMPLATES) {
      const m = t.re.exec(s);
      if (!m) continue;
      matched = true;
      if (t.subject !== undefined) subjects.push(m[t.subject]);
      for (const [attribute, g] of t.groups) claims.push({ attribute, value: m[g] });
      break;
    }
    if (!matched) unparsed.push(s);
  }
  return { sentences, claims, unparsed, subjects };
}

/**
 * Check an answer against the true facts of the person asked about: factuality = true claims / statements,
 * where statements are the template claims plus the sentences that follow no template. Omitted attributes do
 * not count (factuality is a precision, as FActScore's is). The subject's name is not a claim.
 *
 * @example
 * ```ts
 * const truth = { name: 'Mira Kolat', birthCity: 'Oslo', birthYear: '1957', job: 'baker', homeCity: 'Lima', hobby: 'chess' };
 * scoreAnswer('Mira Kolat was born in Oslo in 1961. They enjoy chess.', truth).factuality; // 2 / 3
 * ```
 */
export function scoreAnswer(text: string, truth: FactSet): AnswerFactuality {
  const parsed = parseAnswer(text);
  const claims = parsed.claims.map((c) => ({ ...c, true: truth[c.attribute] === c.value }));
  const supported = claims.filter((c) => c.true).length;
  const statements = claims.length + parsed.unparsed.length;
  return {
    claims,
    unparsed: parsed.unparsed,
    statements,
    supported,
    factuality: statements === 0 ? 0 : supported / statements,
    subjectMatches: parsed.subjects.every((s) => s === truth.name),
  };
}

/**
 * Exact entailment between two answers of the synthetic world, for the NLI baselines (LUQ, discrete semantic
 * entropy): 1 when every claim of the hypothesis is also a claim of the premise and every hypothesis sentence
 * follows a template, else 0; a hypothesis with no sentences is entailed by nothing. This is what a perfect NLI
 * model would say here; the truth is not consulted.
 *
 * @example
 * ```ts
 * exactEntailment('X was born in Oslo in 1957. They enjoy chess.', 'They enjoy chess.'); // 1
 * exactEntailment('They enjoy chess.', 'They enjoy tennis.'); // 0
 * ```
 */
export function exactEntailment(premise: string, hypothesis: string): number {
  const h = parseAnswer(hypothesis);
  if (h.sentences.length === 0 || h.unparsed.length > 0) return 0;
  const p = new Set(parseAnswer(premise).claims.map((c) => `${c.attribute}\u0000${c.value}`));
  return h.claims.every((c) => p.has(`${c.attribute}\u0000${c.value}`)) ? 1 : 0;
}
