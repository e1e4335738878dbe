/**
 * Synthetic paraphrase pairs for training and testing tiny embedders. A fact is (person, object, colour);
 * the anchor states it in one vocabulary ("alice owns a red car"), the positive in another made of different
 * words ("the automobile of ally is crimson"): the two share no content word, so an untrained encoder is at
 * chance at matching them and only learning the word correspondences (from other facts) lifts retrieval.
 * Held-out facts are combinations never seen in training. Not part of the package's public API.
 */
import { Rng } from '@proj/runtime';

const PEOPLE: readonly (readonly [string, string])[] = [
  ['alice', 'ally'],
  ['bob', 'bobby'],
  ['carol', 'caz'],
  ['dave', 'davo'],
  ['erin', 'ez'],
  ['frank', 'frankie'],
  ['grace', 'gracie'],
  ['heidi', 'hei'],
  ['ivan', 'vanya'],
  ['judy', 'jude'],
  ['mallory', 'mal'],
  ['nick', 'nicky'],
  ['olga', 'olgi'],
  ['peggy', 'peg'],
  ['rupert', 'rupe'],
  ['sybil', 'syb'],
  ['trent', 'trenty'],
  ['victor', 'vic'],
  ['walter', 'wally'],
  ['zoe', 'zed'],
];
const OBJECTS: readonly (readonly [string, string])[] = [
  ['car', 'automobile'],
  ['house', 'dwelling'],
  ['bike', 'bicycle'],
  ['boat', 'vessel'],
  ['hat', 'cap'],
  ['coat', 'jacket'],
];
const COLOURS: readonly (readonly [string, string])[] = [
  ['red', 'crimson'],
  ['blue', 'azure'],
  ['green', 'emerald'],
  ['yellow', 'golden'],
  ['black', 'ebony'],
  ['white', 'ivory'],
  ['purple', 'violet'],
  ['orange', 'amber'],
  ['grey', 'ashen'],
  ['pink', 'rosy'],
  ['brown', 'umber'],
  ['silver', 'metallic'],
];
type Fact = readonly [number, number, number];
const ANCHOR_TEMPLATES: readonly ((p: string, o: string, c: string) => string)[] = [
  (p, o, c) => `${p} owns a ${c} ${o}`,
  (p, o, c) => `${p} has a ${c} ${o}`,
  (p, o, c) => `the ${o} that ${p} owns is ${c}`,
];
const POSITIVE_TEMPLATES: readonly ((p: string, o: string, c: string) => string)[] = [
  (p, o, c) => `the ${o} of ${p} is ${c}`,
  (p, o, c) => `${p} keeps one ${c} ${o}`,
  (p, o, c) => `one ${c} ${o} belongs to ${p}`,
];
const TEMPLATE_WORDS = 'owns a has the that is of keeps one belongs to'.split(' ');

/** One paraphrase pair. */
export interface ParaphrasePair {
  /** One phrasing of a fact. */
  anchor: string;
  /** Another phrasing of the same fact. */
  positive: string;
}

/** A paraphrase task: the vocabulary, training facts and held-out facts (disjoint), with seeded phrasing. */
export interface ParaphraseTask {
  /** Every word that occurs (for a word-level tokenizer). */
  words: string[];
  /** `n` pairs of distinct training facts, phrased with random templates. */
  trainBatch(n: number, rng: Rng): ParaphrasePair[];
  /** One pair per held-out fact (fixed phrasing for a given seed). */
  heldOut: ParaphrasePair[];
}

function pair(f: Fact, rng: Rng): ParaphrasePair {
  const [p, o, c] = f;
  const at = ANCHOR_TEMPLATES[Math.floor(rng.uniform() * ANCHOR_TEMPLATES.length)];
  const pt = POSITIVE_TEMPLATES[Math.floor(rng.uniform() * POSITIVE_TEMPLATES.length)];
  return {
    anchor: at(PEOPLE[p][0], OBJECTS[o][0], COLOURS[c][0]),
    positive: pt(PEOPLE[p][1], OBJECTS[o][1], COLOURS[c][1]),
  };
}

function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Build the task: `heldOut` facts (of 1440) are kept out of training. */
export function paraphraseTask(options: { seed: number; heldOut: number }): ParaphraseTask {
  const rng = new Rng(options.seed);
  const facts: Fact[] = [];
  for (let p = 0; p < PEOPLE.length; p++)
    for (let o = 0; o < OBJECTS.length; o++) for (let c = 0; c < COLOURS.length; c++) facts.push([p, o, c]);
  shuffle(facts, rng);
  const held = facts.slice(0, options.heldOut);
  const train = facts.slice(options.heldOut);
  const words = [
    ...new Set([...TEMPLATE_WORDS, ...[PEOPLE, OBJECTS, COLOURS].flatMap((list) => list.flat())]),
  ];
  return {
    words,
    trainBatch: (n, r) =>
      shuffle([...train], r)
        .slice(0, n)
        .map((f) => pair(f, r)),
    heldOut: held.map((f) => pair(f, rng)),
  };
}
