import { type Command, UsageError } from '../cli.js';
import { runDemo } from '../demo/pipeline.js';

/**
 * `proj demo`: every package on one small self-made task, end to end, in well under a minute on 2 cores.
 * @example await runCli(['demo', '--steps', '200', '--json'], io) // the report as JSON on io.stdout
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run every package end to end on a tiny model the demo trains itself.',
  description: `Runs the whole stack on this machine, with nothing downloaded:
  1. runtime    an MLP built with the graph builder, run on ONNX Runtime
  2. models     a tiny GPT trained on a small knowledge base of random facts (some held out), saved and reloaded
  3. rl         sampled answers rewarded by a verifier: accuracy, pass@k, GRPO advantages
  4. isotropy   semantic isotropy of each prompt's answers vs whether the model knows the fact
  5. cot-graph  a reasoning trace turned into a graph, its Failed-Step Fraction, SVG

Examples:
  proj demo
  proj demo --out demo-run --json > summary.json`,
  options: {
    steps: { type: 'string', description: 'Training steps of the tiny LM.', default: '400', valueName: 'n' },
    samples: { type: 'string', description: 'Samples per prompt.', default: '8', valueName: 'n' },
    'held-out': {
      type: 'string',
      description: 'Facts (of 64) held out from training.',
      default: '16',
      valueName: 'n',
    },
    seed: { type: 'string', description: 'Seed of everything random.', default: '1', valueName: 'n' },
    out: {
      type: 'string',
      description: 'Keep the model folder, SVG and report.json here.',
      valueName: 'dir',
    },
  },
  async run(ctx) {
    const steps = positiveInt(ctx.values.steps, 'steps');
    const samples = positiveInt(ctx.values.samples, 'samples');
    const heldOut = positiveInt(ctx.values['held-out'], 'held-out');
    const seed = nonNegativeInt(ctx.values.seed, 'seed');
    if (heldOut > 32) throw new UsageError('--held-out must be at most 32 (of the 64 facts).');
    const json = Boolean(ctx.values.json);
    if (!json) ctx.out('proj demo: every package end to end on a tiny model trained here\n');
    const report = await runDemo({
      seed,
      steps,
      samples,
      heldOut,
      out: typeof ctx.values.out === 'string' ? ctx.values.out : undefined,
      log: json ? ctx.err : ctx.out,
      signal: ctx.signal,
    });
    if (json) ctx.out(JSON.stringify(report, null, 2));
    else
      ctx.out(
        `\ndone in ${report.seconds} s. 'proj --help' lists the commands for your own models and data.`,
      );
    return 0;
  },
};

function nonNegativeInt(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${name} must be an integer >= 0, got '${String(v)}'.`);
  return n;
}

function positiveInt(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got '${String(v)}'.`);
  return n;
}
