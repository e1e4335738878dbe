import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * A PyTorch peer process for side-by-side benchmarks, started with the fair baseline of
 * ../shared/BENCHMARKING.md: Debian's torch on the OpenMP build of OpenBLAS (not the reference BLAS),
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, 2 threads; optionally with the glibc malloc tunables.
 */
export class TorchPeer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  private constructor(proc: ChildProcessWithoutNullStreams) {
    this.proc = proc;
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  /**
   * Start a peer script (a Python file answering one JSON command per stdin line with one JSON line);
   * `tunedMalloc` adds the GLIBC_TUNABLES that remove torch's page-fault churn.
   */
  static start(script: string, options: { tunedMalloc?: boolean; threads?: number } = {}): TorchPeer {
    const python = '/usr/bin/python3';
    if (!existsSync(python))
      throw new Error('Debian python3 not found: apt-get install python3-torch libopenblas0-openmp');
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_THREADS: String(options.threads ?? 2) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
    if (!existsSync(openblas))
      throw new Error(
        `${openblas} missing: apt-get install libopenblas0-openmp (else torch uses the 50x slower reference BLAS).`,
      );
    env.LD_LIBRARY_PATH = openblas;
    delete env.GLIBC_TUNABLES; // the default peer must not inherit a tuned environment from this process
    if (options.tunedMalloc) {
      env.GLIBC_TUNABLES =
        'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=268435456';
    }
    return new TorchPeer(spawn(python, [script], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Send one command and wait for its reply. */
  async send<T = Record<string, unknown>>(cmd: Record<string, unknown>): Promise<T> {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('torch peer exited');
    const reply = JSON.parse(value) as T & { error?: string };
    if (reply.error) throw new Error(`torch peer: ${reply.error}`);
    return reply;
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

/** Median of a list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
