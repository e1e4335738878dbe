/**
 * The phrase lexicon behind the heuristic extractor and the heuristic review labeller. Every pattern is matched
 * case-insensitively against one sentence (or a step's opening), and a match is ignored when a negation stands
 * just before it ("I didn't make a mistake", "no contradiction") or the sentence is a question ("Is that wrong?").
 */

/**
 * Rejections that blame a computation or a reading: the step(s) just before are wrong.
 *
 * @example
 * ```ts
 * affirmedMatch('Wait, that is wrong.', ERROR_CUES)?.[0]; // 'wrong'
 * ```
 */
export const ERROR_CUES =
  /\b(?:wrong|incorrect|mistakes?|errors?|miscalculat\w*|miscount\w*|misread\w*|misapplied|oops|messed up|scratch that|typo|slip|flawed|forgot|forgotten|overlooked|neglected|ignor(?:ed|es|ing))\b|\bcan'?t be (?:right|correct)\b|\bcannot be (?:right|correct)\b|\bnot (?:right|correct)\b|\bdoes(?:n'?t| not) make sense\b|\bmakes no sense\b|\bsomething(?:'s| is) off\b|\b(?:looks|seems|is|feels) (?:off|suspicious|fishy)\b|\b(?:does(?:n'?t| not)|did(?:n'?t| not)) account for\b|^(?:(?:hmm+|hm+|wait|oh|but|ah|um+|well)[,.!]?\s+)*(?:no|nope|nah)[.!,](?=\s|$)/i;

/**
 * Rejections that end an attempt or a candidate: it does not work, leads nowhere, contradicts the conditions.
 *
 * @example
 * ```ts
 * affirmedMatch('So x = 2 does not work.', DEAD_END_CUES)?.[0]; // 'does not work'
 * ```
 */
export const DEAD_END_CUES =
  /\b(?:does(?:n'?t| not)|won'?t|did(?:n'?t| not)) (?:work|help|lead anywhere|satisfy|hold|fit|match|check out|add up)\b|\bcontradict(?:ion|s)?\b|\bimpossible\b|\b(?:not|isn'?t) possible\b|\bno solutions?\b|\bdead end\b|\b(?:not|isn'?t) (?:leading|getting) (?:anywhere|us anywhere)\b|\bgoing nowhere\b|\bleads nowhere\b|\btoo (?:big|small|large|long|short|high|low|much|many|few)\b|\b(?:not|isn'?t) (?:an integer|a whole number|valid|allowed)\b|\binvalid\b|\bundefined\b|\b(?:that|this)(?:'s| is) not it\b|\bno good\b|\b(?:not|isn'?t) (?:the|a) solution\b|\b(?:so|thus|hence),? (?:it|this|that) (?:isn'?t|is not|can'?t be|cannot be)\b|\bgive up on\b|\babandon\w*\b|\b(?:not|isn'?t) helpful\b|\bisn'?t helping\b|\bgetting (?:complicated|messy|nowhere)\b|\btoo (?:complicated|messy)\b|\brules? (?:it|this|that) out\b|\bruled out\b|\bcan'?t be (?:it|the answer|true)\b|\bcannot be (?:it|the answer|true)\b|\balready (?:counted|listed|have|found|covered|included)\b|\bjust\b[^.!?]{0,40}\bagain\b/i;

/**
 * Opening of a step that starts a tentative attempt (a hypothesis, a guess, a method to try).
 *
 * @example
 * ```ts
 * OPENER_CUES.test('Hmm, let me try x = 3.'); // true
 * ```
 */
export const OPENER_CUES =
  /^(?:(?:hmm+|hm+|okay|ok|so|now|well|wait|but|and|alright|right|first)[,.!]?\s+)*(?:let me (?:try|guess|test|plug|consider|assume|suppose|see (?:if|whether|what happens)|think (?:about|of) (?:it|this) as)|let'?s (?:try|guess|test|plug|consider|assume|suppose|say|see if)|let us (?:try|consider|assume|suppose)|try(?:ing)?\b|suppose\b|assume\b|assuming\b|what if\b|what about\b|how about\b|maybe\b|perhaps\b|my first (?:thought|idea|guess|instinct)|first idea|one (?:approach|idea|way|option)|another (?:approach|idea|way|option|method)|alternatively|could it be|is it possible|guess\b|case \d|if (?:we|i) (?:assume|try|set|take|let|guess))/i;

/**
 * Opening of a step that abandons the current attempt for a new one ("Let me try a different approach").
 *
 * @example
 * ```ts
 * SWITCH_CUES.test('Let me try a different approach.'); // true
 * ```
 */
export const SWITCH_CUES =
  /^(?:(?:hmm+|hm+|okay|ok|so|well|wait|but|no|alright|actually)[,.!]?\s+)*(?:let me|let's|let us|i(?:'ll| will| should)|maybe i should)\s+(?:try|take|use|consider)\s+(?:a |an )?(?:different|another|new|other|fresh)\s+(?:approach|way|method|tack|strategy|idea|angle)|^(?:(?:hmm+|okay|ok|so|well|wait|but|no|alright|actually)[,.!]?\s+)*(?:let me|let's|let us|i(?:'ll| will| should))\s+(?:start over|start again|rethink (?:this|it)|approach (?:this|it) differently)|^(?:(?:hmm+|okay|ok|so|well)[,.!]?\s+)*(?:scrap that|forget (?:that|this|it)|never mind)\b/i;

/**
 * Opening of a verification step.
 *
 * @example
 * ```ts
 * VERIFY_CUES.test('Let me double-check: 3 * 4 = 12.'); // true
 * ```
 */
export const VERIFY_CUES =
  /^(?:(?:hmm+|okay|ok|so|now|well|wait|but|and|alright|first)[,.!]?\s+)*(?:(?:let me|let's|let us|i(?:'ll| will)|to|now)\s+)?(?:double[- ]?check|check|verify|confirm|make sure|sanity[- ]check|re-?check|test (?:it|this|that))|^(?:checking|verification|verifying)\b/i;

/**
 * Confirmation that something holds (closes the innermost open attempt).
 *
 * @example
 * ```ts
 * SUCCESS_CUES.test('Yes, that works.'); // true
 * ```
 */
export const SUCCESS_CUES =
  /\b(?:that|this|it) (?:works|checks out|holds)\b|\bchecks out\b|\bconsistent\b|\b(?:correct|good|confirmed|yes)[.!]|✓|\bboth (?:conditions|equations) hold\b|\bmatches\b|\b(?:both methods|they) agree\b/i;

/**
 * A final-answer statement.
 *
 * @example
 * ```ts
 * ANSWER_CUES.test('So the answer is 12.'); // true
 * ```
 */
export const ANSWER_CUES =
  /\b(?:the )?(?:final )?answer(?: is\b|:)|\\boxed\{|\*\*answer|^answer\b|<\/think>/i;

/**
 * A new attempt that names an earlier point it returns to.
 *
 * @example
 * ```ts
 * GO_BACK_CUES.test('Going back to the first equation, ...'); // true
 * ```
 */
export const GO_BACK_CUES =
  /\b(?:go(?:ing)? back to|back to the|return(?:ing)? to|revisit(?:ing)?|recall(?:ing)? (?:that|the)|start(?:ing)? over|from scratch|from the (?:beginning|start|top)|start again|reconsider the (?:original|problem))\b/i;

/**
 * A new attempt that returns to the very beginning (the problem).
 *
 * @example
 * ```ts
 * RESTART_CUES.test('Let me start over.'); // true
 * ```
 */
export const RESTART_CUES =
  /\b(?:start(?:ing)? over|from scratch|from the (?:beginning|start|top)|start again)\b/i;

/**
 * Openings of review chunks: re-reading, checking, restating, rewinding.
 *
 * @example
 * ```ts
 * REVIEW_OPENERS.test('Wait, let me re-read the problem.'); // true
 * ```
 */
export const REVIEW_OPENERS =
  /^(?:wait|hmm+|hm+|hold on|on second thought|let me (?:re-?read|recap|reconsider|rethink|re-?examine|go back|look again|see again)|re-?reading|to recap|so far|recall|again|going back|looking back|the problem (?:says|states|asks)|so the problem|let me make sure)(?=[\s,.:;!?-]|$)/i;

const NEGATION_BEFORE =
  /\b(?:no|not|nothing|without|never|avoid|whether|if|make sure|ensure|check)\s+(?:\w+\s+){0,3}$|n't\s+(?:\w+\s+){0,2}$/i;
const GLOBAL = new Map<RegExp, RegExp>();

/**
 * First match of `re` in `sentence` that is not negated and not inside a question, or null.
 *
 * @example
 * ```ts
 * affirmedMatch('Wait, that is wrong.', ERROR_CUES)?.[0];        // 'wrong'
 * affirmedMatch("I didn't make a mistake.", ERROR_CUES);         // null
 * ```
 */
export function affirmedMatch(sentence: string, re: RegExp): RegExpExecArray | null {
  if (/\?\s*$/.test(sentence)) return null;
  let g = GLOBAL.get(re);
  if (!g) {
    g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    GLOBAL.set(re, g);
  }
  g.lastIndex = 0;
  for (let m = g.exec(sentence); m !== null; m = g.exec(sentence)) {
    const before = sentence.slice(Math.max(0, m.index - 40), m.index);
    if (!NEGATION_BEFORE.test(before)) return m;
    if (m[0].length === 0) g.lastIndex++;
  }
  return null;
}
