import {
  type Command,
  type CommandContext,
  ExitCode,
  helpText,
  parseCommandArgs,
  UsageError,
} from './cli.js';
import { commands } from './commands/index.js';
import { cliVersion } from './version.js';

/** I/O the CLI runs against; tests pass fakes. */
export interface CliIO {
  /** Write one line to stdout. */
  stdout: (text: string) => void;
  /** Write one line to stderr. */
  stderr: (text: string) => void;
  /** Read all of stdin (empty when it is a terminal). */
  stdin: () => Promise<string>;
  /** Whether stderr is a terminal (progress output only then). */
  interactive: boolean;
  /** Aborted on SIGINT: commands stop and the CLI exits 130. */
  signal: AbortSignal;
}

const root: Command = {
  name: 'proj',
  summary: 'LLM research methods for Node.js on ONNX Runtime.',
  description:
    'proj: trust scores, reasoning-graph metrics, RL objectives and more, on one ONNX Runtime tensor backend.',
  subcommands: commands,
};

/**
 * Run the CLI with `argv` (without `node` and the script). Resolves to the exit code (0 ok, 1 failure, 2 usage,
 * 130 interrupted); never calls process.exit.
 * @example
 * ```ts
 * const code = await runCli(['rl', 'advantages', 'groups.jsonl'], {
 *   stdout: console.log, stderr: console.error, stdin: async () => '', interactive: false,
 *   signal: new AbortController().signal,
 * });
 * ```
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(cliVersion());
    return ExitCode.ok;
  }
  let cmd = root;
  const path: string[] = [];
  let rest = [...argv];
  while (cmd.subcommands && rest.length > 0 && !rest[0].startsWith('-')) {
    const next = cmd.subcommands.find((c) => c.name === rest[0]);
    if (!next) {
      io.stderr(
        `proj: unknown command '${[...path, rest[0]].join(' ')}'. Run 'proj ${path.join(' ')} --help'.`.replace(
          '  ',
          ' ',
        ),
      );
      return ExitCode.usage;
    }
    cmd = next;
    path.push(rest[0]);
    rest = rest.slice(1);
  }
  if (!cmd.run) {
    const wantsHelp = rest.includes('--help') || rest.includes('-h') || rest.length === 0;
    (wantsHelp ? io.stdout : io.stderr)(helpText(cmd, path));
    return wantsHelp ? ExitCode.ok : ExitCode.usage;
  }
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(cmd, rest);
  } catch (e) {
    io.stderr(`proj ${path.join(' ')}: ${(e as Error).message}\n\n${helpText(cmd, path)}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    io.stdout(helpText(cmd, path));
    return ExitCode.ok;
  }
  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    out: io.stdout,
    err: parsed.values.quiet ? () => {} : io.stderr,
    interactive: io.interactive && !parsed.values.quiet,
    readStdin: io.stdin,
    signal: io.signal,
  };
  try {
    return (await cmd.run(ctx)) ?? ExitCode.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`proj ${path.join(' ')}: ${e.message}\nRun 'proj ${path.join(' ')} --help' for usage.`);
      return ExitCode.usage;
    }
    if (io.signal.aborted) {
      io.stderr('proj: interrupted');
      return ExitCode.interrupted;
    }
    const err = e as Error;
    io.stderr(
      `proj ${path.join(' ')}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`,
    );
    if (process.env.PROJ_DEBUG) io.stderr(err.stack ?? '');
    return ExitCode.failure;
  }
}
