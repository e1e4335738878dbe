import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AnswerCounter,
  explorationAdvantages,
  grpoAdvantages,
  lensAdvantages,
  reinforcePlusPlusAdvantages,
  rlooAdvantages,
} from '@proj/rl-objectives';
import { afterAll, describe, expect, it } from 'vitest';
import { type Command, type CommandContext, helpText, parseCommandArgs, UsageError } from '../cli.js';
import { InputError, rlCommand } from './rl.js';

const advantages = rlCommand.subcommands?.find((c) => c.name === 'advantages') as Command;
const dir = mkdtempSync(join(tmpdir(), 'proj-rl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `proj rl advantages <argv>` the way main.ts does, with captured output. */
async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const parsed = parseCommandArgs(advantages, argv);
  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    interactive: false,
    readStdin: async () => stdin,
    signal: new AbortController().signal,
  };
  const code = (await advantages.run?.(ctx)) ?? 0;
  return { code, out, err };
}

function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

const groups = [
  { id: 'q1', rewards: [1, 0, 0, 0] },
  { id: 'q2', rewards: [1, 1, 0, 1] },
  { id: 'q3', rewards: [0, 0, 0, 0] },
];

describe('proj rl advantages', () => {
  it('GRPO from stdin equals the library, line by line', async () => {
    const { code, out, err } = await run([], jsonl(groups));
    expect(code).toBe(0);
    const rows = parseJsonl(out.join('\n'));
    const expected = grpoAdvantages(
      groups.flatMap((g) => g.rewards),
      4,
    );
    expect(rows.map((r) => r.id)).toEqual(['q1', 'q2', 'q3']);
    expect(rows.flatMap((r) => r.advantages as number[])).toEqual(Array.from(expected));
    // hand-derived: one right of four, eps 1e-6
    expect((rows[0].advantages as number[])[0]).toBeCloseTo(1.5, 5);
    expect(err.join('\n')).toMatch(/grpo: 3 groups, 12 samples; 1 groups with all-zero advantages/);
  });

  it('uneven groups from a file, RLOO and TRL eps; ids default to line numbers', async () => {
    const file = join(dir, 'uneven.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ rewards: [1, 0, 0] })}\n\n${JSON.stringify({ rewards: [0.5, 1] })}\n`,
    );
    const r1 = await run(['-e', 'rloo', file]);
    const rows = parseJsonl(r1.out.join('\n'));
    expect(rows.map((r) => r.id)).toEqual([1, 3]);
    expect(rows.flatMap((r) => r.advantages as number[])).toEqual(
      Array.from(rlooAdvantages([1, 0, 0, 0.5, 1], [0, 0, 0, 1, 1])),
    );
    const r2 = await run(['--eps', '1e-4', file]);
    expect(parseJsonl(r2.out.join('\n')).flatMap((r) => r.advantages as number[])).toEqual(
      Array.from(grpoAdvantages([1, 0, 0, 0.5, 1], [0, 0, 0, 1, 1], { eps: 1e-4 })),
    );
  });

  it('LENS from token log-probs, with the calibrated rewards and D in the output', async () => {
    const lines = [
      { id: 'a', rewards: [1, 0, 0], logprobs: [[-0.1, -0.3], [-0.2], [-2, -1, -0.5]] },
      { id: 'b', rewards: [0, 0, 0], confidence: [0.5, 0.2, 0.1] },
    ];
    const { out } = await run(['-e', 'lens', '--alpha', '0.5'], jsonl(lines));
    const rows = parseJsonl(out.join('\n'));
    const conf = [Math.exp(-0.2), Math.exp(-0.2), Math.exp(-3.5 / 3), 0.5, 0.2, 0.1];
    const lib = lensAdvantages([1, 0, 0, 0, 0, 0], conf, 3, { alpha: 0.5 });
    expect(rows.flatMap((r) => r.advantages as number[])).toEqual(Array.from(lib.advantages));
    expect(rows.flatMap((r) => r.calibratedRewards as number[])).toEqual(Array.from(lib.rewards));
    expect(rows.map((r) => r.D)).toEqual(Array.from(lib.D));
    expect(rows.map((r) => r.negativeGroup)).toEqual([false, true]);
  });

  it('REINFORCE++ weights by lengths; asymre and reinforce baselines', async () => {
    const lines = [
      { rewards: [1, 0], lengths: [3, 5] },
      { rewards: [0, 1], lengths: [2, 2] },
    ];
    const rpp = await run(['-e', 'reinforce-pp'], jsonl(lines));
    expect(parseJsonl(rpp.out.join('\n')).flatMap((r) => r.advantages as number[])).toEqual(
      Array.from(reinforcePlusPlusAdvantages([1, 0, 0, 1], { tokenCounts: [3, 5, 2, 2] })),
    );
    const as = await run(['-e', 'asymre', '--delta-v=-0.2'], jsonl(lines));
    const asAdv = parseJsonl(as.out.join('\n')).flatMap((r) => r.advantages as number[]);
    for (const [i, x] of [0.7, -0.3, -0.3, 0.7].entries()) expect(asAdv[i]).toBeCloseTo(x, 12);
    const rf = await run(['-e', 'reinforce', '--baseline', '0.25'], jsonl(lines));
    expect(parseJsonl(rf.out.join('\n')).flatMap((r) => r.advantages as number[])).toEqual([
      0.75, -0.25, -0.25, 0.75,
    ]);
  });

  it('UCB-Con with a persistent counter file; --out and --json summary', async () => {
    const counterFile = join(dir, 'counts.json');
    const outFile = join(dir, 'adv.jsonl');
    const lines = [
      { id: 'q1', rewards: [1, 0, 0, 0], answers: ['\\boxed{42}', 'so \\boxed{41}', '\\boxed{41.}', null] },
      { id: 'q2', rewards: [1, 1, 1, 1], answers: ['\\boxed{7}', '\\boxed{7}', '\\boxed 7', 'no box'] },
    ];
    const args = ['-e', 'ucb-con', '--counter', counterFile, '--extract-boxed', '--out', outFile, '--json'];
    const first = await run(args, jsonl(lines));
    const summary = JSON.parse(first.out[0]) as Record<string, unknown>;
    expect(summary).toMatchObject({
      estimator: 'ucb-con',
      groups: 2,
      samples: 8,
      out: outFile,
      counter: { questions: 2 },
    });
    // the same computation through the library
    const counter = new AnswerCounter();
    const ids = ['q1', 'q1', 'q1', 'q1', 'q2', 'q2', 'q2', 'q2'];
    const answers = ['42', '41', '41.', null, '7', '7', '7', null];
    const rewards = [1, 0, 0, 0, 1, 1, 1, 1];
    const lib = explorationAdvantages(rewards, ids, answers, { bonus: 'ucb-con', counter });
    const rows = parseJsonl(readFileSync(outFile, 'utf8'));
    expect(rows.flatMap((r) => r.advantages as number[])).toEqual(Array.from(lib.advantages));
    expect(rows.flatMap((r) => r.bonuses as number[])).toEqual(Array.from(lib.bonuses));
    expect(rows[1].bonuses).toEqual([0, 0, 0, 0]); // all-correct group zeroed
    const saved = JSON.parse(readFileSync(counterFile, 'utf8'));
    expect(saved).toEqual(JSON.parse(JSON.stringify(counter)));
    expect(saved.counts.q1).toEqual({ '42': 1, '41': 2 });
    // second run continues from the saved counts: '41' now has N = 4
    await run(args, jsonl(lines));
    const again = parseJsonl(readFileSync(outFile, 'utf8'));
    const lib2 = explorationAdvantages(rewards, ids, answers, { bonus: 'ucb-con', counter });
    expect(again.flatMap((r) => r.bonuses as number[])).toEqual(Array.from(lib2.bonuses));
    expect((again[0].bonuses as number[])[1]).toBeCloseTo(1 / Math.sqrt(4) - 0.5, 12);
  });

  it('batch-explore needs no counter', async () => {
    const { out } = await run(
      ['-e', 'batch-explore'],
      jsonl([{ id: 'q', rewards: [1, 0, 0, 0], answers: ['1', '2', '2', '2'] }]),
    );
    const row = parseJsonl(out.join('\n'))[0];
    expect(row.bonuses).toEqual([0, -0.5, -0.5, -0.5]);
  });

  it('reports bad input with typed errors naming the line', async () => {
    await expect(run([], '{"rewards": [1, 0]}\nnot json')).rejects.toThrow(InputError);
    await expect(run([], '{"rewards": [1, 0]}\nnot json')).rejects.toThrow(/stdin:2: not valid JSON/);
    await expect(run([], '{"rewards": [1, "x"]}')).rejects.toThrow(/"rewards"\[1\] is "x"/);
    await expect(run([], '{"rewards": []}')).rejects.toThrow(/empty/);
    await expect(run([], '')).rejects.toThrow(/no groups in stdin/);
    await expect(run(['-e', 'lens'], '{"rewards": [1, 0]}')).rejects.toThrow(/lens needs "logprobs"/);
    await expect(run(['-e', 'batch-explore'], '{"id": "q", "rewards": [1, 0]}')).rejects.toThrow(
      /needs "answers"/,
    );
    await expect(
      run(
        ['-e', 'batch-explore'],
        jsonl([
          { id: 'q', rewards: [1], answers: ['1'] },
          { id: 'q', rewards: [0], answers: ['2'] },
        ]),
      ),
    ).rejects.toThrow(/appears twice/);
    await expect(run([join(dir, 'missing.jsonl')])).rejects.toThrow(/cannot read/);
    // library errors come through with their own names
    await expect(run(['--singletons', 'error'], '{"rewards": [1]}')).rejects.toThrow(/single sample/);
  });

  it('rejects bad flags with usage errors', async () => {
    await expect(run(['-e', 'nope'], jsonl(groups))).rejects.toThrow(UsageError);
    await expect(run(['--json'], jsonl(groups))).rejects.toThrow(/add --out/);
    await expect(run(['--eps', 'abc'], jsonl(groups))).rejects.toThrow(/--eps needs a finite number/);
    await expect(run(['--scale', 'row'], jsonl(groups))).rejects.toThrow(/--scale must be one of/);
    await expect(run(['-e', 'ucb'], jsonl(groups))).rejects.toThrow(/needs --counter/);
    await expect(run(['--counter', 'x.json'], jsonl(groups))).rejects.toThrow(/ucb, ucb-mean and ucb-con/);
    expect(() => parseCommandArgs(advantages, ['--bogus'])).toThrow(UsageError);
  });

  it('help documents the JSONL format and every estimator', () => {
    const help = helpText(advantages, ['rl', 'advantages']);
    expect(help).toContain('proj rl advantages [options] [<file|->]');
    expect(help).toContain('"rewards"');
    for (const e of [
      'grpo',
      'dr-grpo',
      'rloo',
      'reinforce-pp',
      'best-only',
      'lens',
      'asymre',
      'ucb-con',
      'batch-explore',
    ]) {
      expect(help).toContain(e);
    }
    expect(helpText(rlCommand, ['rl'])).toContain('advantages');
  });
});
