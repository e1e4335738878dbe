/** Reason to reject with when `signal` aborts: its own reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * A counting semaphore: at most `limit` holders at once, waiters served first-come first-served. Used to cap
 * the requests one client has in flight, across all of its calls.
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: {
    grant: () => void;
    reject: (e: unknown) => void;
    signal?: AbortSignal;
    onAbort?: () => void;
  }[] = [];

  constructor(
    /** Most holders at once. */
    readonly limit: number,
  ) {}

  /** Holders right now. */
  get inUse(): number {
    return this.active;
  }

  /** Wait for a slot; resolves to the function that frees it. Rejects if `signal` aborts while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = {
        grant: () => {
          if (waiter.onAbort) signal?.removeEventListener('abort', waiter.onAbort);
          resolve(this.releaser());
        },
        reject,
        signal,
      };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      // hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue
      if (next) next.grant();
      else this.active--;
    };
  }
}
