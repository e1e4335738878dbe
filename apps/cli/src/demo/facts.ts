/**
 * The demo's toy world: a tiny knowledge base of random facts "key=value." (keys are two letters, values random
 * numbers), so a fact can only be known by having seen it. Some facts are held out from training: for those the
 * model can only guess, which is what trust scores should notice.
 */
export interface Fact {
  /** Two letters, e.g. `'ab'`. */
  key: string;
  /** What the model is asked: `'ab='`. */
  prompt: string;
  /** The value, a number 0-99 as text. */
  answer: string;
}

/**
 * Letters of the keys; the tokenizer's alphabet is these plus digits and '=' '.'.
 * @example CharTokenizer.create(`${KEY_LETTERS}0123456789=.`)
 */
export const KEY_LETTERS = 'abcdefgh';

/**
 * All 64 two-letter facts with seeded random values 0-99, split into trained and held-out facts.
 * @example const { train, test } = makeFacts(16, 1); // 48 facts to train on, 16 held out
 */
export function makeFacts(heldOut: number, seed: number): { train: Fact[]; test: Fact[] } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const all: (Fact & { k: number })[] = [];
  for (const a of KEY_LETTERS) {
    for (const b of KEY_LETTERS) {
      const key = `${a}${b}`;
      all.push({ key, prompt: `${key}=`, answer: String(next() % 100), k: next() });
    }
  }
  all.sort((x, y) => x.k - y.k);
  const facts = all.map(({ k: _k, ...f }) => f);
  return { test: facts.slice(0, heldOut), train: facts.slice(heldOut) };
}

/**
 * The verifier: 1 when the completion's number (up to the first '.') is the fact's value.
 * @example factReward({ key: 'ab', prompt: 'ab=', answer: '38' }, '38.') // 1
 */
export function factReward(fact: Fact, completion: string): number {
  return completion.split('.')[0].trim() === fact.answer ? 1 : 0;
}

/**
 * A short reasoning trace with an abandoned attempt, for the chain-of-thought stage.
 * @example failedStepFraction(extractHeuristicGraph(SAMPLE_TRACE).graph) // 0.25
 */
export const SAMPLE_TRACE = `We need two numbers whose sum is 20 and whose product is 96.

Let me try a = 10 and b = 10. Then the product is 100, not 96. That doesn't work.

Alternatively, maybe a = 12 and b = 8. The sum is 20. The product is 12 * 8 = 96. That works.

Let me verify: 12 + 8 = 20 and 12 * 8 = 96. Both conditions hold.

So the numbers are 12 and 8.`;
