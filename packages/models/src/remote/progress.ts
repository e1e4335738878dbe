/** Requests finished so far and requests planned so far (the total grows when `n` has to be fanned out). */
export interface RemoteProgress {
  /** Requests finished so far. */
  done: number;
  /** Requests planned so far (grows when `n` is fanned out into single-sample requests). */
  total: number;
}

/** Counts planned and finished requests of one call and reports each finish. */
export class ProgressCounter {
  /** Requests finished so far. */
  done = 0;
  constructor(
    /** Requests planned so far. */
    public total: number,
    private readonly onProgress?: (p: RemoteProgress) => void,
  ) {}

  /** Plan `k` more requests. */
  plan(k: number): void {
    this.total += k;
  }

  /** Count one finished request and report the progress. */
  finish(): void {
    this.done++;
    this.onProgress?.({ done: this.done, total: this.total });
  }
}

/**
 * Run one task per item; on the first failure abort the others (through the signal they get) and reject with
 * that failure, so a broken endpoint does not keep receiving requests.
 */
export async function allOrAbort<T, R>(
  items: readonly T[],
  signal: AbortSignal | undefined,
  task: (item: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const ctrl = new AbortController();
  const combined = signal ? AbortSignal.any([signal, ctrl.signal]) : ctrl.signal;
  return Promise.all(
    items.map((item, i) =>
      task(item, i, combined).catch((err: unknown) => {
        ctrl.abort();
        throw err;
      }),
    ),
  );
}
