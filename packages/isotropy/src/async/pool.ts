import { AbortError } from '../errors.js';

/**
 * The error to reject with once `signal` has aborted: an {@link AbortError} naming `what`, with the signal's
 * reason as `cause` (the reason itself when it already is an AbortError of this package).
 */
export function abortErrorOf(signal: AbortSignal, what: string): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  return new AbortError(`${what} was cancelled.`, { cause: reason });
}

/** Throws an {@link AbortError} when `signal` has aborted, so no new model call starts after cancellation. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortErrorOf(signal, what);
}

/**
 * `err`, unless `signal` has aborted, in which case the failure is a consequence of the cancellation (model
 * clients reject with the signal's reason or their own abort errors) and an {@link AbortError} is returned.
 */
export function asAbortError(err: unknown, signal: AbortSignal | undefined, what: string): unknown {
  return signal?.aborted ? abortErrorOf(signal, what) : err;
}

/** Options of {@link mapPool}. */
export interface MapPoolOptions<R> {
  /** Cancels the whole map: no new task starts and the promise rejects with an AbortError at once. */
  signal?: AbortSignal;
  /** Called after each task succeeds, with its index, its result and the count done so far. */
  onResult?: (index: number, result: R, done: number) => void;
  /** Names the work in abort messages. */
  what?: string;
}

/**
 * Run `task` on every item with at most `limit` in flight, resolving to the results in input order.
 * On the first failure (or cancellation) no further task starts, the tasks still in flight see their signal
 * abort, and the promise rejects with that failure (an {@link AbortError} for cancellation) without waiting
 * for them: a caller that cancels gets control back immediately.
 */
export function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  options: MapPoolOptions<R> = {},
): Promise<R[]> {
  const { signal: outer, onResult, what = 'scoring' } = options;
  return new Promise<R[]>((resolve, reject) => {
    const inner = new AbortController();
    const signal = outer ? AbortSignal.any([outer, inner.signal]) : inner.signal;
    const results = new Array<R>(items.length);
    let next = 0;
    let active = 0;
    let done = 0;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      outer?.removeEventListener('abort', onAbort);
      inner.abort(err);
      reject(err);
    };
    const onAbort = (): void => fail(abortErrorOf(outer as AbortSignal, what));
    if (outer?.aborted) return onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    const launch = (): void => {
      while (!settled && active < limit && next < items.length) {
        const i = next++;
        active++;
        Promise.resolve()
          .then(() => task(items[i], i, signal))
          .then(
            (r) => {
              active--;
              if (settled) return;
              results[i] = r;
              done++;
              try {
                onResult?.(i, r, done);
              } catch (err) {
                fail(err);
                return;
              }
              if (done === items.length) {
                settled = true;
                outer?.removeEventListener('abort', onAbort);
                resolve(results);
              } else launch();
            },
            (err: unknown) => {
              active--;
              fail(asAbortError(err, outer, what));
            },
          );
      }
    };
    if (items.length === 0) {
      settled = true;
      outer?.removeEventListener('abort', onAbort);
      resolve(results);
      return;
    }
    launch();
  });
}

/**
 * `promise`, or an {@link AbortError} as soon as `signal` aborts, whichever comes first: a model call that
 * ignores its signal cannot hold a cancelled caller. A rejection after the abort is absorbed; other rejections
 * pass through (as an AbortError when the signal has aborted by then).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortErrorOf(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortErrorOf(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asAbortError(err, signal, what));
      },
    );
  });
}
