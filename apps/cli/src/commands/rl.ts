import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  ADVANTAGE_ESTIMATORS,
  type AdvantageEstimatorName,
  AnswerCounter,
  asymreAdvantages,
  bestOnlyAdvantages,
  type ExplorationBonus,
  explorationAdvantages,
  extractBoxed,
  type GroupSpec,
  grpoAdvantages,
  lensAdvantages,
  lensConfidence,
  padRagged,
  reinforceAdvantages,
  reinforcePlusPlusAdvantages,
  rlooAdvantages,
  VERL_GRPO_EPS,
} from '@proj/rl-objectives';
import { type Command, type CommandContext, UsageError } from '../cli.js';

/**
 * Raised for malformed JSONL input (bad JSON, missing or wrong fields); names the line and the fix.
 * @example
 * ```ts
 * throw new InputError('groups.jsonl:3: "rewards" is empty; a group needs at least one sample.');
 * ```
 */
export class InputError extends Error {
  /** `'InputError'` (printed before the message). */
  override name = 'InputError';
}

// The same estimator names as the RL trainer's.
const ESTIMATORS = ADVANTAGE_ESTIMATORS;
type Estimator = AdvantageEstimatorName;
const EXPLORATION: Record<string, ExplorationBonus> = {
  ucb: 'ucb',
  'ucb-mean': 'ucb-mean',
  'ucb-con': 'ucb-con',
  'batch-explore': 'batch',
};

/** One input line: the samples of one prompt. */
interface GroupLine {
  line: number;
  id: string | number;
  rewards: number[];
  logprobs?: number[][];
  confidence?: number[];
  answers?: (string | null)[];
  lengths?: number[];
}

const FORMAT = `Input: JSON Lines, one group (the samples of one prompt) per line:
  {"id": "q17", "rewards": [1, 0, 0, 1],
   "logprobs": [[-0.1, -0.5], [-2.0], [-0.3, -0.2, -1.1], [-0.4]],   (lens: token log-probs per sample)
   "confidence": [0.7, 0.1, 0.4, 0.6],                               (lens: instead of logprobs)
   "answers": ["42", "41", null, "42"],                              (ucb*, batch-explore: final answers)
   "lengths": [2, 1, 3, 1]}                                          (reinforce-pp: tokens per sample)
  Only "rewards" is always required; "id" (string or number) defaults to the line number and is the
  question key of the exploration counter (there it is required and must be unique).
Output: JSON Lines in the same order, {"id": ..., "advantages": [...]} plus, for lens,
  "calibratedRewards", "confidence", "D", "negativeGroup", and for the exploration estimators
  "baseAdvantages" (GRPO) and "bonuses" (before the coefficient c).

Estimators (peer semantics):
  grpo           (r - group mean) / (group std + eps); Bessel std as torch.std; eps 1e-6 (verl), --eps 1e-4 = TRL
  dr-grpo        r - group mean (Dr.GRPO)
  rloo           r - mean of the other samples of the group (TRL RLOO / verl)
  reinforce      r - baseline (--baseline <number> | batch-mean)
  reinforce-pp   REINFORCE++ batch whitening (verl), token-weighted by "lengths" or logprobs rows when given;
                 --baseline group-mean subtracts the group mean first
  best-only      only the best sample: (r_max - r_second) / (std + eps) (verl grpo_passk); --scale none
  lens           LENS: GRPO on mixed groups, alpha * centred calibrated rewards on all-wrong groups
  asymre         AsymRE: r - (group mean + delta-v), or r - V with --value V
  ucb, ucb-mean, ucb-con, batch-explore
                 GRPO + c * outcome-exploration bonus; UCB counts persist in --counter <file>

Groups of one sample: --singletons zero (advantage 0, default) | verl (mean 0, std 1) | error.
Negative flag values need '=': --delta-v=-0.2.

Examples:
  proj rl advantages groups.jsonl > advantages.jsonl
  proj rl advantages --estimator rloo --out adv.jsonl --json groups.jsonl
  cat groups.jsonl | proj rl advantages -e ucb-con --counter counts.json --extract-boxed`;

const advantagesCommand: Command = {
  name: 'advantages',
  summary: 'Compute group advantages (GRPO, RLOO, LENS, AsymRE, exploration, ...) for JSONL groups.',
  usage: '[options] [<file|->]',
  description: `Read groups of sampled completions' rewards as JSON Lines (file, or stdin with '-' or no file) and
write one line of advantages per group, so any trainer (e.g. a Python one) can use these estimators.

${FORMAT}`,
  options: {
    estimator: {
      type: 'string',
      short: 'e',
      default: 'grpo',
      valueName: 'name',
      description: `One of ${ESTIMATORS.join(', ')}.`,
    },
    out: {
      type: 'string',
      short: 'o',
      valueName: 'file',
      description: 'Write the JSONL here (atomically) instead of stdout.',
    },
    eps: {
      type: 'string',
      valueName: 'x',
      description: 'Std epsilon of grpo / best-only / lens / exploration (default 1e-6, TRL: 1e-4).',
    },
    scale: {
      type: 'string',
      valueName: 'group|batch|none',
      description: "Std used by grpo (TRL scale_rewards); best-only takes group|none. Default 'group'.",
    },
    population: { type: 'boolean', description: 'Population std (no Bessel correction).' },
    singletons: {
      type: 'string',
      valueName: 'zero|verl|error',
      description: "Groups of one sample. Default 'zero'.",
    },
    baseline: {
      type: 'string',
      valueName: 'b',
      description:
        "reinforce: a number or 'batch-mean' (default); reinforce-pp: 'none' (default) or 'group-mean'.",
    },
    alpha: {
      type: 'string',
      valueName: 'x',
      description: 'lens: weight of all-wrong groups (default 0.25).',
    },
    'd-estimator': {
      type: 'string',
      valueName: 'paper|max-confidence',
      description: "lens: how D(q) is estimated (default 'paper').",
    },
    'delta-v': {
      type: 'string',
      valueName: 'x',
      description: 'asymre: V = group mean + delta-v (default -0.1).',
    },
    value: {
      type: 'string',
      valueName: 'V',
      description: 'asymre: a fixed baseline V instead of the group mean.',
    },
    counter: {
      type: 'string',
      valueName: 'file',
      description: 'ucb*: answer-counter JSON, read if present and written back (atomically) after the run.',
    },
    c: { type: 'string', valueName: 'x', description: 'Exploration bonus coefficient (default 0.2).' },
    b0: { type: 'string', valueName: 'x', description: 'ucb-con: constant baseline b0 (default 0.5).' },
    'counts-from': {
      type: 'string',
      valueName: 'after-batch|before-batch',
      description: 'ucb*: counts including this batch (default) or history only.',
    },
    'extract-boxed': {
      type: 'boolean',
      description: 'Take the last \\boxed{...} of each answer as the answer (no box: a missing answer).',
    },
    'keep-all-correct': {
      type: 'boolean',
      description: 'Do not zero exploration bonuses in all-correct groups.',
    },
  },
  run: runAdvantages,
};

/**
 * `proj rl`: RL objectives for LLM post-training. Subcommand `advantages` turns JSONL groups of rewards into
 * advantages with any estimator of @proj/rl-objectives.
 *
 * @example
 * ```ts
 * import { rlCommand } from './commands/rl.js';
 * export const commands: Command[] = [demoCommand, rlCommand];
 * ```
 */
export const rlCommand: Command = {
  name: 'rl',
  summary: 'RL objectives for LLM post-training (advantages over JSONL groups).',
  description:
    'RL objectives for LLM post-training: group advantages, LENS, AsymRE and exploration bonuses as a tool.',
  subcommands: [advantagesCommand],
};

async function runAdvantages(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const estimator = String(v.estimator ?? 'grpo') as Estimator;
  if (!(ESTIMATORS as readonly string[]).includes(estimator)) {
    throw new UsageError(`unknown estimator '${estimator}'; use one of ${ESTIMATORS.join(', ')}.`);
  }
  if (ctx.positionals.length > 1)
    throw new UsageError(`expected one input file, got ${ctx.positionals.length}.`);
  const outFile = typeof v.out === 'string' ? v.out : undefined;
  if (v.json && outFile === undefined) {
    throw new UsageError(
      '--json prints the summary on stdout, which already carries the JSONL; add --out <file>.',
    );
  }
  const isExploration = estimator in EXPLORATION;
  if (v.counter !== undefined && !estimator.startsWith('ucb')) {
    throw new UsageError('--counter applies to the ucb, ucb-mean and ucb-con estimators only.');
  }
  if (estimator.startsWith('ucb') && typeof v.counter !== 'string') {
    throw new UsageError(
      `${estimator} needs --counter <file>: the answer counts must persist across training steps.`,
    );
  }

  const source = ctx.positionals[0] ?? '-';
  const text = source === '-' ? await ctx.readStdin() : await readInput(source);
  const groups = parseGroups(text, source === '-' ? 'stdin' : source, estimator);

  // Flatten; uniform group sizes take the fast path, others go by line index.
  const sizes = groups.map((g) => g.rewards.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  const rewards = new Float64Array(n);
  const lineOf = new Int32Array(n);
  let k = 0;
  groups.forEach((g, gi) => {
    for (const r of g.rewards) {
      rewards[k] = r;
      lineOf[k++] = gi;
    }
  });
  const spec: GroupSpec = sizes.every((s) => s === sizes[0]) ? sizes[0] : lineOf;

  const eps = numberFlag(v.eps, 'eps', VERL_GRPO_EPS);
  const bessel = !v.population;
  const singletons = enumFlag(v.singletons, 'singletons', ['zero', 'verl', 'error'] as const, 'zero');
  const extras: Record<string, (number | boolean)[] | null> = {};
  let advantages: Float64Array;
  let counter: AnswerCounter | null = null;

  switch (estimator) {
    case 'grpo':
    case 'dr-grpo': {
      const scale =
        estimator === 'dr-grpo'
          ? 'none'
          : enumFlag(v.scale, 'scale', ['group', 'batch', 'none'] as const, 'group');
      advantages = grpoAdvantages(rewards, spec, { eps, scale, bessel, singletons });
      break;
    }
    case 'rloo':
      advantages = rlooAdvantages(rewards, spec, { singletons });
      break;
    case 'reinforce': {
      const b =
        v.baseline === undefined || v.baseline === 'batch-mean'
          ? 'batch-mean'
          : numberFlag(v.baseline, 'baseline', 0);
      advantages = reinforceAdvantages(rewards, { baseline: b });
      break;
    }
    case 'reinforce-pp': {
      const baseline = enumFlag(v.baseline, 'baseline', ['none', 'group-mean'] as const, 'none');
      const tokenCounts = tokenCountsOf(groups);
      advantages = reinforcePlusPlusAdvantages(rewards, {
        baseline,
        groups: spec,
        singletons,
        tokenCounts: tokenCounts ?? undefined,
      });
      break;
    }
    case 'best-only': {
      const scale = enumFlag(v.scale, 'scale', ['group', 'none'] as const, 'group');
      advantages = bestOnlyAdvantages(rewards, spec, { scale: scale === 'group', eps, bessel });
      break;
    }
    case 'lens': {
      const confidence = confidenceOf(groups);
      const res = lensAdvantages(rewards, confidence, spec, {
        alpha: numberFlag(v.alpha, 'alpha', 0.25),
        estimator: enumFlag(v['d-estimator'], 'd-estimator', ['paper', 'max-confidence'] as const, 'paper'),
        eps,
        bessel,
        singletons,
      });
      advantages = res.advantages;
      extras.calibratedRewards = Array.from(res.rewards);
      extras.confidence = Array.from(confidence);
      extras.D = Array.from(res.D);
      extras.negativeGroup = Array.from(res.negativeGroup, (x) => x === 1);
      break;
    }
    case 'asymre':
      advantages =
        v.value !== undefined
          ? asymreAdvantages(rewards, { value: numberFlag(v.value, 'value', 0) })
          : asymreAdvantages(rewards, { groups: spec, deltaV: numberFlag(v['delta-v'], 'delta-v', -0.1) });
      break;
    default: {
      // Exploration: groups are questions, keyed by id in the persistent counter.
      counter = typeof v.counter === 'string' ? await loadCounter(v.counter) : null;
      const questionIds: string[] = new Array(n);
      const answers: (string | null)[] = new Array(n);
      let j = 0;
      for (const g of groups) {
        for (let i = 0; i < g.rewards.length; i++, j++) {
          questionIds[j] = String(g.id);
          const a = (g.answers as (string | null)[])[i];
          answers[j] = v['extract-boxed'] && typeof a === 'string' ? extractBoxed(a) : a;
        }
      }
      const res = explorationAdvantages(rewards, questionIds, answers, {
        bonus: EXPLORATION[estimator],
        counter: counter ?? undefined,
        c: numberFlag(v.c, 'c', 0.2),
        b0: numberFlag(v.b0, 'b0', 0.5),
        countsFrom: enumFlag(
          v['counts-from'],
          'counts-from',
          ['after-batch', 'before-batch'] as const,
          'after-batch',
        ),
        zeroAllCorrect: !v['keep-all-correct'],
        grpo: { eps, bessel, singletons },
      });
      advantages = res.advantages;
      extras.baseAdvantages = Array.from(res.baseAdvantages);
      extras.bonuses = Array.from(res.bonuses);
    }
  }

  // Re-split per line; per-group extras (D, negativeGroup) index by line, the rest by sample.
  const lines: string[] = [];
  let zeroGroups = 0;
  let absSum = 0;
  let start = 0;
  groups.forEach((g, gi) => {
    const size = g.rewards.length;
    const row: Record<string, unknown> = {
      id: g.id,
      advantages: Array.from(advantages.subarray(start, start + size)),
    };
    let allZero = true;
    for (let i = start; i < start + size; i++) {
      absSum += Math.abs(advantages[i]);
      if (advantages[i] !== 0) allZero = false;
    }
    if (allZero) zeroGroups++;
    for (const [key, values] of Object.entries(extras)) {
      if (values === null) continue;
      row[key] = key === 'D' || key === 'negativeGroup' ? values[gi] : values.slice(start, start + size);
    }
    lines.push(JSON.stringify(row));
    start += size;
  });

  const summary: Record<string, unknown> = {
    estimator,
    groups: groups.length,
    samples: n,
    zeroAdvantageGroups: zeroGroups,
    meanAbsAdvantage: absSum / n,
  };
  if (estimator === 'lens') {
    summary.negativeGroups = (extras.negativeGroup as boolean[]).filter(Boolean).length;
  }
  if (counter !== null && typeof v.counter === 'string') {
    await writeAtomic(v.counter, `${JSON.stringify(counter)}\n`);
    summary.counter = { file: v.counter, questions: counter.questionCount };
  }
  if (isExploration) summary.meanAbsBonus = meanAbs(extras.bonuses as number[]);

  if (outFile !== undefined) {
    await writeAtomic(outFile, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    summary.out = outFile;
    ctx.out(v.json ? JSON.stringify(summary) : humanSummary(summary));
  } else {
    ctx.out(lines.join('\n'));
    ctx.err(humanSummary(summary));
  }
  return 0;
}

function parseGroups(text: string, source: string, estimator: Estimator): GroupLine[] {
  const groups: GroupLine[] = [];
  const seen = new Set<string>();
  const rawLines = text.split('\n');
  for (let li = 0; li < rawLines.length; li++) {
    const raw = rawLines[li].trim();
    if (raw === '') continue;
    const where = `${source}:${li + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      throw new InputError(
        `${where}: not valid JSON (${(e as Error).message}); each line must be one JSON object.`,
      );
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new InputError(`${where}: expected a JSON object like {"id": "q1", "rewards": [1, 0]}.`);
    }
    const o = obj as Record<string, unknown>;
    const rewards = numberArray(o.rewards, `${where}: "rewards"`);
    if (rewards.length === 0)
      throw new InputError(`${where}: "rewards" is empty; a group needs at least one sample.`);
    const size = rewards.length;
    const g: GroupLine = { line: li + 1, id: li + 1, rewards };
    if (o.id !== undefined) {
      if (typeof o.id !== 'string' && typeof o.id !== 'number') {
        throw new InputError(`${where}: "id" must be a string or a number.`);
      }
      g.id = o.id;
    }
    if (o.logprobs !== undefined) {
      if (!Array.isArray(o.logprobs) || o.logprobs.length !== size) {
        throw new InputError(
          `${where}: "logprobs" must be an array with one array of token log-probs per reward (${size}).`,
        );
      }
      g.logprobs = o.logprobs.map((row, i) => numberArray(row, `${where}: "logprobs"[${i}]`));
    }
    if (o.confidence !== undefined) {
      g.confidence = numberArray(o.confidence, `${where}: "confidence"`);
      if (g.confidence.length !== size)
        throw new InputError(`${where}: "confidence" needs ${size} values, one per reward.`);
    }
    if (o.lengths !== undefined) {
      g.lengths = numberArray(o.lengths, `${where}: "lengths"`);
      if (g.lengths.length !== size)
        throw new InputError(`${where}: "lengths" needs ${size} values, one per reward.`);
    }
    if (o.answers !== undefined) {
      if (!Array.isArray(o.answers) || o.answers.length !== size) {
        throw new InputError(
          `${where}: "answers" must be an array with one answer (string or null) per reward (${size}).`,
        );
      }
      g.answers = o.answers.map((a, i) => {
        if (a !== null && typeof a !== 'string') {
          throw new InputError(
            `${where}: "answers"[${i}] must be a string or null, got ${JSON.stringify(a)}.`,
          );
        }
        return a;
      });
    }
    if (estimator === 'lens' && g.logprobs === undefined && g.confidence === undefined) {
      throw new InputError(
        `${where}: lens needs "logprobs" (token log-probs per sample) or "confidence" per sample.`,
      );
    }
    if (estimator in EXPLORATION) {
      if (g.answers === undefined)
        throw new InputError(`${where}: ${estimator} needs "answers" (final answer per sample, or null).`);
      if (o.id === undefined)
        throw new InputError(`${where}: ${estimator} needs an "id" (the question key of the answer counts).`);
      const key = String(g.id);
      if (seen.has(key))
        throw new InputError(
          `${where}: id ${JSON.stringify(g.id)} appears twice; give each question one line.`,
        );
      seen.add(key);
    }
    groups.push(g);
  }
  if (groups.length === 0) {
    throw new InputError(
      `no groups in ${source}; pass a JSONL file (or pipe one into stdin). Run with --help for the format.`,
    );
  }
  return groups;
}

function numberArray(x: unknown, what: string): number[] {
  if (!Array.isArray(x)) throw new InputError(`${what} must be an array of numbers.`);
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
      throw new InputError(`${what}[${i}] is ${JSON.stringify(x[i])}; expected a finite number.`);
    }
  }
  return x as number[];
}

/** Per-sample confidences: given directly, or pbar = exp(mean token log-prob) from "logprobs". */
function confidenceOf(groups: GroupLine[]): Float64Array {
  const out: number[] = [];
  for (const g of groups) {
    if (g.confidence !== undefined) out.push(...g.confidence);
    else {
      const rows = g.logprobs as number[][];
      const { values, mask, seqLen } = padRagged(rows);
      out.push(...lensConfidence(values, mask, seqLen));
    }
  }
  return Float64Array.from(out);
}

/** Token counts for REINFORCE++ weighting: "lengths", else the logprobs row lengths; null when no line has either. */
function tokenCountsOf(groups: GroupLine[]): Float64Array | null {
  const any = groups.some((g) => g.lengths !== undefined || g.logprobs !== undefined);
  if (!any) return null;
  const out: number[] = [];
  for (const g of groups) {
    if (g.lengths !== undefined) out.push(...g.lengths);
    else if (g.logprobs !== undefined) out.push(...g.logprobs.map((r) => r.length));
    else {
      throw new InputError(
        `line ${g.line}: some lines give "lengths"/"logprobs" and this one does not; REINFORCE++ token weighting needs them on every line.`,
      );
    }
  }
  return Float64Array.from(out);
}

function numberFlag(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(x)) {
    throw new UsageError(`--${name} needs a finite number, got '${String(raw)}'.`);
  }
  return x;
}

function enumFlag<T extends string>(raw: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(allowed as readonly unknown[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${String(raw)}'.`);
  }
  return raw as T;
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

async function loadCounter(path: string): Promise<AnswerCounter> {
  if (!existsSync(path)) return new AnswerCounter();
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `counter file ${path} is not valid JSON (${(e as Error).message}); delete it to start fresh.`,
    );
  }
  return AnswerCounter.fromJSON(json);
}

/** Write via a temporary file and rename, so readers never see a half-written file. */
async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, 'utf8');
  await rename(tmp, path);
}

function meanAbs(xs: number[]): number {
  return xs.reduce((s, x) => s + Math.abs(x), 0) / Math.max(xs.length, 1);
}

function humanSummary(s: Record<string, unknown>): string {
  const parts = [
    `${s.estimator}: ${s.groups} groups, ${s.samples} samples`,
    `${s.zeroAdvantageGroups} groups with all-zero advantages`,
    `mean |A| ${(s.meanAbsAdvantage as number).toPrecision(4)}`,
  ];
  if (s.negativeGroups !== undefined) parts.push(`${s.negativeGroups} all-wrong groups`);
  if (s.meanAbsBonus !== undefined) parts.push(`mean |bonus| ${(s.meanAbsBonus as number).toPrecision(4)}`);
  if (s.counter !== undefined) {
    const c = s.counter as { file: string; questions: number };
    parts.push(`counter ${c.file} (${c.questions} questions)`);
  }
  if (s.out !== undefined) parts.push(`wrote ${s.out}`);
  return parts.join('; ');
}
