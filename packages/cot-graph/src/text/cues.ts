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
  /\b(?:wrong|incorrect|mistakes?|errors?|miscalculat\w*|miscount\w*|misread\w*|misapplied|oops|messed up|scratch that|typo|slip(?:s|ped)?|flawed|over(?:stat|count)\w*|under(?:stat|count)\w*|double[- ]count\w*|forgot|forgotten|overlooked|neglected|ignor(?:ed|es|ing))\b|\bcan'?t be (?:right|correct)\b|\bcannot be (?:right|correct)\b|\bnot (?:right|correct)\b|\bdoes(?:n'?t| not) make sense\b|\bmakes no sense\b|\bsomething(?:'s| is) off\b|\b(?:looks|seems|is|feels) (?:off|suspicious|fishy)\b|\b(?:does(?:n'?t| not)|did(?:n'?t| not)) account for\b|^(?:(?:hmm+|hm+|wait|oh|but|ah|um+|well)[,.!]?\s+)*(?:no|nope|nah)(?:[.!,](?=\s|$)|\s*[—–]|\s+-\s)|^(?:no|nope),?\s+wait\b|\bcounted twice\b/i;

/**
 * Rejections that end an attempt or a candidate: it does not work, leads nowhere, contradicts the conditions.
 *
 * @example
 * ```ts
 * affirmedMatch('So x = 2 does not work.', DEAD_END_CUES)?.[0]; // 'does not work'
 * ```
 */
export const DEAD_END_CUES =
  /\b(?:does(?:n'?t| not)|won'?t|did(?:n'?t| not)) (?:work|help|lead anywhere|satisfy|hold|fit|match|check out|add up)\b|\bcontradict(?:ion|s)?\b|\bimpossible\b|\b(?:not|isn'?t) possible\b|\bno solutions?\b|\bdead end\b|\b(?:over|under)(?:shoot|shot)s?\b|\bdiscard\w*\b|\bthrow (?:it|that|this) (?:out|away)\b|\b(?:does(?:n'?t| not)|not) equal\b|≠|\b(?:not|isn'?t) (?:leading|getting) (?:anywhere|us anywhere)\b|\bgoing nowhere\b|\bleads nowhere\b|\btoo (?:big|small|large|long|short|high|low|much|many|few)\b|\b(?:not|isn'?t) (?:an integer|a whole number|valid|allowed)\b|\binvalid\b|\bundefined\b|\b(?:that|this)(?:'s| is) not it\b|\bno good\b|\b(?:not|isn'?t) (?:the|a) solution\b|\b(?:so|thus|hence),? (?:it|this|that) (?:isn'?t|is not|can'?t be|cannot be)\b|\bgive up on\b|\babandon\w*\b|\b(?:not|isn'?t) helpful\b|\bisn'?t helping\b|\bgetting (?:complicated|messy|nowhere)\b|\btoo (?:complicated|messy)\b|\brules? (?:it|this|that) out\b|\bruled out\b|\bcan'?t be (?:it|the answer|true)\b|\bcannot be (?:it|the answer|true)\b|\balready (?:counted|listed|have|found|covered|included)\b|\bjust\b[^.!?]{0,40}\bagain\b/i;

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
/** "the knave case led to a contradiction": a recap of an earlier rejection, not a new one. */
const RECAP_BEFORE = /\bled to (?:a |an )?$/i;
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
    if (!NEGATION_BEFORE.test(before) && !RECAP_BEFORE.test(before)) return m;
    if (m[0].length === 0) g.lastIndex++;
  }
  return null;
}

/**
 * A sentence that plugs a candidate value in ("Let me test n = 13:", "If a = 10, ...", "Try x = 6, y = 4"). Only
 * after such a trial does a comparison ({@link COMPARISON_CUES}) reject anything.
 *
 * @example
 * ```ts
 * TRIAL_CUES.test('Let me test n = 13: 13 * 14 * 15 = 2730.'); // true
 * ```
 */
export const TRIAL_CUES =
  /^(?:(?:hmm+|hm+|okay|ok|now|well|wait|but|and|or|maybe|perhaps)[,.!]?\s+)*(?:(?:if|for|with|say|try(?:ing)?|test(?:ing)?|guess(?:ing)?|take|pick|plug(?:ging)? in|let me (?:try|test|guess|plug in|take|pick)|let'?s (?:try|test|say|take|pick|plug in))[,:]?\s+)?[a-z][a-z0-9_]{0,2}\s*=\s*-?\d/i;

/**
 * A computed value that misses its target ("That's below 3360.", "still under", "Overshoots 58.", "23, not -1").
 * Read as a failed numeric check only right after a trial or a tentative attempt; elsewhere "less than 180" is
 * just a comparison.
 *
 * @example
 * ```ts
 * COMPARISON_CUES.test("That's below 3360."); // true
 * ```
 */
export const COMPARISON_CUES =
  /\b(?:below|above|short of|(?:a bit|a little|slightly|still|way|far|just|much|too) (?:short|under|over|high|low|big|small|large)|(?:less|more|greater|bigger|smaller|higher|lower|fewer) than (?:the |needed|required|\d)|exceeds?|off by|not enough)\b|-?\d+(?:\.\d+)?\s*,?\s*(?:not|instead of|rather than)\s+-?\d/i;

/**
 * A sentence that opens by interrupting ("Wait", "Hold on", "Hmm wait"). Followed by a negation or a contrast
 * ("Wait, no", "hold on, the days go forward, not back") it rejects what came before.
 *
 * @example
 * ```ts
 * WAIT_OPENERS.exec('Hmm, hold on, that goes the other way.')?.[0]; // 'Hmm, hold on'
 * ```
 */
export const WAIT_OPENERS =
  /^(?:(?:hmm+|hm+|oh|ah|but|okay|ok|well|no)[,.!]?\s+)*(?:wait|hold on|hang on|hmm+ wait|oh wait)\b/i;

/** Negation or contrast after a {@link WAIT_OPENERS} opener. */
const WAIT_CONTRAST =
  /\b(?:not|no|never|instead|rather|forgot|forgotten|shouldn'?t|should (?:be|have))\b|n'?t\b|^[\s,.!—–-]*but\b/i;
/** ... unless the sentence announces a check ("Wait, let me make sure I'm not ..."). */
const WAIT_CHECK =
  /\b(?:make sure|to be sure|be careful|double[- ]?check|check|verify|confirm|whether|re-?read|let me see)\b/i;

/**
 * The interrupting opener and the contrast word when `sentence` rejects what came before by "Wait" plus a
 * negation ("Wait, no — that would be with replacement."), or null. Questions and announced checks do not count.
 *
 * @example
 * ```ts
 * waitRejection('Hmm wait, a = 0 gives 09, which isn't a two-digit number.'); // "Hmm wait … n't"
 * waitRejection('Wait, let me double-check that.'); // null
 * ```
 */
export function waitRejection(sentence: string): string | null {
  const open = WAIT_OPENERS.exec(sentence);
  if (!open || /\?\s*$/.test(sentence)) return null;
  const rest = sentence.slice(open[0].length);
  if (WAIT_CHECK.test(rest)) return null;
  const c = WAIT_CONTRAST.exec(rest);
  return c ? `${open[0]} … ${c[0].replace(/^[\s,.!—–-]+/, '')}` : null;
}

/**
 * Opening of a step that abandons the line in progress for a cleaner method ("Let me do it properly.",
 * "Let me use Heron's formula instead.", "Rather than keep guessing, ..."). It fails the open tentative attempt, if
 * any; it is not a rejection of settled work.
 *
 * @example
 * ```ts
 * PIVOT_CUES.test('Let me set it up properly.'); // true
 * ```
 */
export const PIVOT_CUES =
  /^(?:(?:hmm+|hm+|okay|ok|so|well|alright|actually|ok)[,.!]?\s+)*(?:(?:let me|let's|let us|i(?:'ll| will| should| need to)|better to)\b[^.!?]{0,60}\b(?:instead|properly|more carefully|systematically)\b|rather than\b|instead(?: of)?\b)/i;

/**
 * Opening of a new attempt alongside the current one ("Alternatively", "Another way", "What about ...", "Let me
 * try ..."): whether it abandons the open attempt or verifies it is decided by whether that attempt's results are
 * used later.
 *
 * @example
 * ```ts
 * ALTERNATIVE_CUES.test('Alternatively, use the complement.'); // true
 * ```
 */
export const ALTERNATIVE_CUES =
  /^(?:(?:hmm+|hm+|okay|ok|so|well|or|but|alright|actually)[,.!]?\s+)*(?:alternatively|another (?:approach|way|idea|method|option)|a different (?:approach|way|idea|method)|what about|how about|let me try|let'?s try|let us try|or maybe)\b/i;
