/**
 * The synthetic world of the isotropy reproduction: people with five attributes whose truth is known, a Zipf-like
 * popularity that decides how often each person appears in the language model's training corpus, and the
 * sentence templates in which biographies are written. Everything is drawn from a seeded {@link Rng}.
 */
import { Rng } from '@proj/runtime';
import { LabInputError } from './errors.js';

/** Cities (birth place and home), jobs and hobbies; every value is a single word, so parsing stays exact. */
export const CITIES: readonly string[] = [
  'Lisbon',
  'Oslo',
  'Cairo',
  'Lima',
  'Dublin',
  'Prague',
  'Vienna',
  'Kyoto',
  'Quito',
  'Nairobi',
  'Athens',
  'Berlin',
  'Madrid',
  'Seoul',
  'Hanoi',
  'Tunis',
  'Riga',
  'Bergen',
  'Porto',
  'Perth',
];
/** Jobs, all starting with a consonant so the article is always "a". */
export const JOBS: readonly string[] = [
  'baker',
  'teacher',
  'pilot',
  'nurse',
  'farmer',
  'painter',
  'lawyer',
  'carpenter',
  'doctor',
  'singer',
  'writer',
  'tailor',
  'dentist',
  'plumber',
  'sailor',
  'chemist',
  'potter',
  'banker',
  'poet',
  'judge',
];
/** Hobbies, one word each. */
export const HOBBIES: readonly string[] = [
  'chess',
  'tennis',
  'painting',
  'hiking',
  'fishing',
  'gardening',
  'cooking',
  'swimming',
  'cycling',
  'knitting',
  'sailing',
  'dancing',
  'running',
  'reading',
  'climbing',
];
/** Birth years are drawn from this inclusive range. */
export const YEAR_RANGE: readonly [number, number] = [1920, 1999];

/** The attributes a biography states, in canonical order. */
export const ATTRIBUTES = ['birthCity', 'birthYear', 'job', 'homeCity', 'hobby'] as const;
/** One of {@link ATTRIBUTES}. */
export type Attribute = (typeof ATTRIBUTES)[number];

/** The facts about one person: what a biography states. Years are kept as strings (the text form). */
export interface FactSet {
  name: string;
  birthCity: string;
  birthYear: string;
  job: string;
  homeCity: string;
  hobby: string;
}

/** A person of the world: the true facts plus popularity. */
export interface Entity extends FactSet {
  /** Index in {@link World.entities}; also the popularity rank minus one (0 = most popular). */
  id: number;
  /** Probability that a corpus document is about this person (Zipf weight, normalised). */
  weight: number;
}

/** A generated world. */
export interface World {
  seed: number;
  zipfExponent: number;
  entities: Entity[];
}

/** Options of {@link makeWorld}. */
export interface WorldOptions {
  /** Number of people (at least 2). */
  entities: number;
  /** Seed of every random choice. */
  seed: number;
  /** Popularity of the person at rank r (1-based) is proportional to r^-zipfExponent. Default 1.1. */
  zipfExponent?: number;
}

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

function capitalise(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

/**
 * A random two-word name: a first name of two consonant-vowel syllables and a last name of two syllables and a
 * final consonant ("Mira Kolat"). Names are pronounceable and single words, which keeps the parser exact.
 *
 * @example
 * ```ts
 * randomName(new Rng(1)); // e.g. 'Tavo Rimek'
 * ```
 */
export function randomName(rng: Rng): string {
  const c = () => CONSONANTS[rng.int(CONSONANTS.length)];
  const v = () => VOWELS[rng.int(VOWELS.length)];
  return `${capitalise(c() + v() + c() + v())} ${capitalise(c() + v() + c() + v() + c())}`;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/**
 * Random facts for a name: every attribute drawn uniformly and independently.
 *
 * @example
 * ```ts
 * randomFacts(new Rng(3), 'Mira Kolat').birthYear; // e.g. '1957'
 * ```
 */
export function randomFacts(rng: Rng, name: string): FactSet {
  const [y0, y1] = YEAR_RANGE;
  return {
    name,
    birthCity: pick(rng, CITIES),
    birthYear: String(y0 + rng.int(y1 - y0 + 1)),
    job: pick(rng, JOBS),
    homeCity: pick(rng, CITIES),
    hobby: pick(rng, HOBBIES),
  };
}

/**
 * Zipf weights `w_r = r^-s / sum_k k^-s` for ranks 1..n.
 *
 * @example
 * ```ts
 * zipfWeights(2, 1); // [2/3, 1/3]
 * ```
 */
export function zipfWeights(n: number, exponent: number): number[] {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new LabInputError(`zipfWeights: n must be a positive integer, got ${n}.`);
  if (!(Number.isFinite(exponent) && exponent >= 0)) {
    throw new LabInputError(`zipfWeights: exponent must be a finite number >= 0, got ${exponent}.`);
  }
  const raw = Array.from({ length: n }, (_, r) => (r + 1) ** -exponent);
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

/**
 * Generate a world: `entities` people with distinct names and uniformly drawn facts, ranked by popularity with
 * Zipf weights (person 0 is the most popular). The same options always give the same world.
 *
 * @throws {LabInputError} for fewer than 2 people or a bad exponent.
 * @example
 * ```ts
 * const world = makeWorld({ entities: 200, seed: 1 });
 * world.entities[0].weight > world.entities[199].weight; // true
 * ```
 */
export function makeWorld(options: WorldOptions): World {
  const { entities: n, seed } = options;
  const zipfExponent = options.zipfExponent ?? 1.1;
  if (!Number.isSafeInteger(n) || n < 2) {
    throw new LabInputError(`makeWorld: entities must be an integer >= 2, got ${n}.`);
  }
  if (n > 10_000) throw new LabInputError(`makeWorld: at most 10000 entities are supported, got ${n}.`);
  const rng = new Rng(seed);
  const weights = zipfWeights(n, zipfExponent);
  const names = new Set<string>();
  const entities: Entity[] = [];
  while (entities.length < n) {
    const name = randomName(rng);
    if (names.has(name)) continue;
    names.add(name);
    const id = entities.length;
    entities.push({ ...randomFacts(rng, name), id, weight: weights[id] });
  }
  return { seed, zipfExponent, entities };
}

/**
 * The prompt asking about a person. The model is trained on `prompt + answer`, and asked the prompt alone.
 *
 * @example
 * ```ts
 * promptFor('Mira Kolat'); // 'Tell me about Mira Kolat.\n'
 * ```
 */
export function promptFor(name: string): string {
  return `Tell me about ${name}.\n`;
}

/** The opening sentence (name, birth city and year): two word orders. */
const OPENINGS: readonly ((f: FactSet) => string)[] = [
  (f) => `${f.name} was born in ${f.birthCity} in ${f.birthYear}.`,
  (f) => `${f.name} was born in ${f.birthYear} in ${f.birthCity}.`,
];
/** The other sentences, each with two paraphrases; their order is shuffled per rendering. */
const BODY: readonly (readonly ((f: FactSet) => string)[])[] = [
  [(f) => `They work as a ${f.job}.`, (f) => `By trade they are a ${f.job}.`],
  [(f) => `They live in ${f.homeCity}.`, (f) => `Today they live in ${f.homeCity}.`],
  [(f) => `They enjoy ${f.hobby}.`, (f) => `In their free time they enjoy ${f.hobby}.`],
];

/**
 * Write a biography of a fact set: the opening sentence (one of two word orders), then the job, home and hobby
 * sentences in a random order, each in one of two wordings. Different renderings of the same facts therefore
 * differ in words and order but not in content, which is what a semantic embedder should see through.
 *
 * @example
 * ```ts
 * renderAnswer(facts, new Rng(1));
 * // 'Mira Kolat was born in Oslo in 1957. They enjoy chess. Today they live in Lima. They work as a baker.'
 * ```
 */
export function renderAnswer(facts: FactSet, rng: Rng): string {
  const opening = pick(rng, OPENINGS)(facts);
  const order = rng.shuffle([0, 1, 2]);
  return [opening, ...order.map((i) => pick(rng, BODY[i])(facts))].join(' ');
}

/**
 * Every sentence variant the templates can write about a fact set (both openings, both wordings of each body
 * sentence): the vocabulary source of the embedder's tokenizer.
 *
 * @example
 * ```ts
 * sentenceVariants(facts).length; // 8
 * ```
 */
export function sentenceVariants(facts: FactSet): string[] {
  return [...OPENINGS.map((o) => o(facts)), ...BODY.flatMap((variants) => variants.map((v) => v(facts)))];
}

/**
 * Every character the world's texts can contain (prompts, answers, names), sorted: the alphabet of the
 * language model's character tokenizer.
 *
 * @example
 * ```ts
 * worldAlphabet().includes('\n'); // true
 * ```
 */
export function worldAlphabet(): string {
  const chars = new Set<string>();
  const add = (s: string) => {
    for (const ch of s) chars.add(ch);
  };
  add('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,\n');
  const sample: FactSet = { name: 'Zz', birthCity: 'x', birthYear: '1', job: 'x', homeCity: 'x', hobby: 'x' };
  add(promptFor(sample.name));
  for (const sentence of sentenceVariants(sample)) add(sentence);
  return [...chars].sort().join('');
}

/** One training document: a person and a fresh rendering of their biography. */
export interface CorpusDocument {
  entity: number;
  text: string;
}

/**
 * Draw the language model's training corpus: `documents` biographies, each about a person drawn with the Zipf
 * weights and rendered afresh (random sentence order and wording). Returns the documents and how many each
 * person got (the exposure count reported next to factuality).
 *
 * @example
 * ```ts
 * const { docs, counts } = makeCorpus(world, 5000, 2);
 * counts[0] > counts[100]; // the most popular person is written about far more often
 * ```
 */
export function makeCorpus(
  world: World,
  documents: number,
  seed: number,
): { docs: CorpusDocument[]; counts: number[] } {
  if (!Number.isSafeInteger(documents) || documents < 1) {
    throw new LabInputError(`makeCorpus: documents must be a positive integer, got ${documents}.`);
  }
  const rng = new Rng(seed);
  const cumulative: number[] = [];
  let acc = 0;
  for (const e of world.entities) {
    acc += e.weight;
    cumulative.push(acc);
  }
  const counts = new Array<number>(world.entities.length).fill(0);
  const docs: CorpusDocument[] = [];
  for (let i = 0; i < documents; i++) {
    const u = rng.uniform() * acc;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
    const e = world.entities[lo];
    docs.push({ entity: lo, text: promptFor(e.name) + renderAnswer(e, rng) });
  }
  return { docs, counts };
}
