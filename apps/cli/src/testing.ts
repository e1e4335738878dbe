import { type CliIO, runCli } from './main.js';

/**
 * In-memory I/O for CLI tests: captured stdout/stderr lines, a fixed stdin.
 * @example const { io, out } = fakeIO('{"rewards": [1, 0]}'); await runCli(['rl', 'advantages'], io);
 */
export function fakeIO(stdin = '', interactive = false, signal: AbortSignal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: async () => stdin,
    interactive,
    signal,
  };
  return { io, out, err };
}

/**
 * Run `proj <argv>` as the binary would, returning the exit code and the captured output.
 * @example const { code, out } = await runProj(['cot', 'analyze', '--json'], jsonl);
 */
export async function runProj(
  argv: string[],
  stdin = '',
  interactive = false,
): Promise<{ code: number; out: string; err: string; outLines: string[]; errLines: string[] }> {
  const { io, out, err } = fakeIO(stdin, interactive);
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n'), outLines: out, errLines: err };
}
