/**
 * `npm run lab:isotropy [-- --quick] [--seed N] [--out DIR] [--retrain]`: the miniature reproduction of the
 * semantic-isotropy paper from one command. Progress goes to stderr; the report to `--out`
 * (default apps/lab/reports/isotropy/<mode>).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabInputError } from './errors.js';
import { runExperiment } from './experiment.js';
import { readingOf, writeReport } from './report.js';
import { type ExperimentSettings, PRESETS } from './settings.js';

/** Parsed command line. */
export interface RunArgs {
  mode: 'quick' | 'full';
  seed?: number;
  outDir?: string;
  retrain: boolean;
  help: boolean;
}

/** The command's help text. */
export const USAGE = `Usage: npm run lab:isotropy -- [--quick | --full] [--seed N] [--out DIR] [--retrain]

Miniature reproduction of semantic isotropy (arXiv 2510.21891) with the project's own language model and embedder.
  --quick      small world and short training (a few minutes on 2 cores)
  --full       the reported run (default)
  --seed N     seed of everything (default 1)
  --out DIR    output folder (default apps/lab/reports/isotropy/<quick|full>); trained models are cached in DIR/models
  --retrain    train both models again even when DIR/models holds ones trained with the same settings
`;

/**
 * Parse the command line.
 *
 * @throws {LabInputError} for an unknown flag or a bad value.
 * @example
 * ```ts
 * parseRunArgs(['--quick', '--seed', '3']); // { mode: 'quick', seed: 3, retrain: false, help: false }
 * ```
 */
export function parseRunArgs(argv: readonly string[]): RunArgs {
  const args: RunArgs = { mode: 'full', retrain: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new LabInputError(`${a} needs a value.\n\n${USAGE}`);
      return v;
    };
    if (a === '--quick') args.mode = 'quick';
    else if (a === '--full') args.mode = 'full';
    else if (a === '--retrain') args.retrain = true;
    else if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--out') args.outDir = value();
    else if (a === '--seed') {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
        throw new LabInputError(`--seed must be an integer >= 0, got ${v}.`);
      args.seed = n;
    } else throw new LabInputError(`Unknown argument ${a}.\n\n${USAGE}`);
  }
  return args;
}

/**
 * The settings a parsed command line asks for.
 *
 * @example
 * ```ts
 * settingsFor(parseRunArgs(['--quick', '--seed', '2'])).seed; // 2
 * ```
 */
export function settingsFor(args: RunArgs): ExperimentSettings {
  const preset = PRESETS[args.mode];
  return args.seed === undefined ? preset : { ...preset, seed: args.seed };
}

async function main(): Promise<void> {
  const args = parseRunArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const labRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  // npm runs workspace scripts in the workspace folder; INIT_CWD is where the user typed the command.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const outDir = args.outDir ? resolve(cwd, args.outDir) : join(labRoot, 'reports', 'isotropy', args.mode);
  const start = performance.now();
  const log = (m: string) =>
    process.stderr.write(`[${((performance.now() - start) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);
  const settings = settingsFor(args);
  log(`isotropy lab: ${settings.mode} run, seed ${settings.seed}, output ${relative(cwd, outDir) || '.'}`);
  const result = await runExperiment(settings, { outDir, retrain: args.retrain, log });
  const flags = [
    ...(args.mode === 'quick' ? ['--quick'] : []),
    ...(args.seed !== undefined ? ['--seed', String(args.seed)] : []),
  ];
  const command = `npm run lab:isotropy${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
  const json = await writeReport(outDir, result, command);
  log(`report: ${join(outDir, 'report.md')}`);
  for (const line of readingOf(json.main)) process.stderr.write(`  ${line}\n`);
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((err: unknown) => {
    if (err instanceof LabInputError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
