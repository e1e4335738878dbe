import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * Exit codes, following common CLI conventions.
 * @example return failed ? ExitCode.failure : ExitCode.ok;
 */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The command failed (bad input data, an endpoint that failed for good, ...). */
  failure: 1,
  /** Bad command line: unknown command or flag, bad flag value. */
  usage: 2,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
} as const;

/**
 * Raised for bad flags or arguments: printed with the command's usage, exit code 2.
 * @example if (n < 1) throw new UsageError(`--samples must be a positive integer, got '${raw}'.`);
 */
export class UsageError extends Error {
  /** `'UsageError'`. */
  override name = 'UsageError';
}

/** Option specs in node:util parseArgs form, plus a description for --help. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  description: string;
  valueName?: string;
};

/** What a command's `run` receives. */
export interface CommandContext {
  /** Parsed flag values (strings / booleans / arrays, as parseArgs returns them). */
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  /** Positional arguments after the command path. */
  positionals: string[];
  /** Write a line to stdout. */
  out: (text: string) => void;
  /** Write a line to stderr (progress, warnings). */
  err: (text: string) => void;
  /** Whether stderr is a TTY (progress bars only then). */
  interactive: boolean;
  /** Read all of stdin as text (for `-` or piped input). */
  readStdin: () => Promise<string>;
  /** Aborted on SIGINT. */
  signal: AbortSignal;
}

/**
 * A leaf command (`proj demo`) or a group of subcommands (`proj cot analyze`). Register top-level commands in
 * `commands/index.ts`.
 * @example
 * ```ts
 * const hello: Command = {
 *   name: 'hello',
 *   summary: 'Say hello.',
 *   options: { name: { type: 'string', description: 'Who to greet.', default: 'world' } },
 *   run: (ctx) => { ctx.out(`hello ${ctx.values.name}`); return ExitCode.ok; },
 * };
 * ```
 */
export interface Command {
  /** The word on the command line. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Longer help text (usage, examples). */
  description?: string;
  /** Usage line after `proj <path>`, e.g. '[options] <file|->'. */
  usage?: string;
  /** Flags besides the global `--help`, `--json`, `--quiet`. */
  options?: Record<string, OptionSpec>;
  /** Runs the command; returns the exit code (default 0). */
  run?: (ctx: CommandContext) => Promise<number | undefined> | number | undefined;
  /** The commands of a group (a group has no `run`). */
  subcommands?: Command[];
}

/**
 * Options every command accepts.
 * @example if (ctx.values.json) ctx.out(JSON.stringify(result));
 */
export const globalOptions: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show help for the command.' },
  json: { type: 'boolean', description: 'Print machine-readable JSON on stdout.' },
  quiet: { type: 'boolean', short: 'q', description: 'No progress output on stderr.' },
};

/**
 * Render --help text for a command at `path`.
 * @example helpText(demoCommand, ['demo']) // 'proj demo [options]\n\nRuns the whole stack ...'
 */
export function helpText(cmd: Command, path: string[]): string {
  const lines: string[] = [];
  const full = ['proj', ...path].join(' ');
  lines.push(
    `${full}${cmd.usage ? ` ${cmd.usage}` : cmd.subcommands ? ' <command> [options]' : ' [options]'}`,
  );
  lines.push('');
  lines.push(cmd.description ?? cmd.summary);
  if (cmd.subcommands?.length) {
    lines.push('', 'Commands:');
    const w = Math.max(...cmd.subcommands.map((c) => c.name.length));
    for (const c of cmd.subcommands) lines.push(`  ${c.name.padEnd(w)}  ${c.summary}`);
    lines.push('', `Run '${full} <command> --help' for a command's options.`);
  }
  // At the top level only --help and --version mean anything.
  const opts: Record<string, OptionSpec> =
    path.length === 0
      ? {
          help: globalOptions.help,
          version: { type: 'boolean', short: 'V', description: 'Print the version.' },
        }
      : { ...(cmd.options ?? {}), ...globalOptions };
  lines.push('', 'Options:');
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    const def = o.default !== undefined ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`] as const;
  });
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(w)}  ${d}`);
  return lines.join('\n');
}

/**
 * Parse argv for a leaf command. @throws {UsageError} on unknown or malformed flags.
 * @example parseCommandArgs(demoCommand, ['--steps', '100']).values.steps // '100'
 */
export function parseCommandArgs(
  cmd: Command,
  argv: string[],
): { values: CommandContext['values']; positionals: string[] } {
  const options: ParseArgsConfig['options'] = {};
  for (const [k, o] of Object.entries({ ...(cmd.options ?? {}), ...globalOptions })) {
    const { description: _d, valueName: _v, ...spec } = o;
    options[k] = spec;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as CommandContext['values'], positionals };
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}
