import { describe, expect, it } from 'vitest';
import { AbortError } from '../errors.js';
import { abortable, mapPool } from './pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapPool', () => {
  it('keeps input order, caps concurrency and reports each result', async () => {
    let active = 0;
    let peak = 0;
    const seen: [number, number][] = [];
    const out = await mapPool(
      [30, 5, 20, 1, 10, 2],
      2,
      async (ms, i) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(ms);
        active--;
        return i * 10;
      },
      { onResult: (i, _r, done) => seen.push([i, done]) },
    );
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
    expect(seen.map((s) => s[1])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((s) => s[0]).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await mapPool([], 3, async () => 1)).toEqual([]);
  });

  it('stops starting tasks and rejects at once on abort; in-flight tasks see their signal abort', async () => {
    const ctrl = new AbortController();
    const started: number[] = [];
    const aborted: number[] = [];
    const run = mapPool(
      [0, 1, 2, 3, 4, 5],
      2,
      (i, _, signal) =>
        new Promise<number>((resolve) => {
          started.push(i);
          signal.addEventListener('abort', () => aborted.push(i));
          setTimeout(() => resolve(i), 1000); // would finish long after the abort
        }),
      { signal: ctrl.signal, what: 'test batch' },
    );
    await sleep(5);
    const t0 = performance.now();
    ctrl.abort();
    const err = await run.catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe('test batch was cancelled.');
    expect(started).toEqual([0, 1]);
    expect(aborted).toEqual([0, 1]);
  });

  it('fails fast on the first error and cancels the others', async () => {
    const started: number[] = [];
    const err = await mapPool([0, 1, 2, 3], 2, async (i, _, signal) => {
      started.push(i);
      if (i === 1) throw new Error('boom');
      await new Promise((r) => signal.addEventListener('abort', r));
      return i;
    }).catch((e) => e);
    expect(err.message).toBe('boom');
    expect(started).toEqual([0, 1]);
  });

  it('rejects immediately with an AbortError when already aborted', async () => {
    let calls = 0;
    const err = await mapPool([1], 1, async () => calls++, { signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(calls).toBe(0);
  });
});

describe('abortable', () => {
  it('rejects as soon as the signal aborts, even when the promise never settles', async () => {
    const ctrl = new AbortController();
    const never = new Promise<number>(() => {});
    const p = abortable(never, ctrl.signal, 'call');
    setTimeout(() => ctrl.abort(new Error('user')), 5);
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe('call was cancelled.');
    expect((err.cause as Error).message).toBe('user');
  });

  it('passes results and errors through, and absorbs a rejection after the abort', async () => {
    expect(await abortable(Promise.resolve(3), new AbortController().signal, 'x')).toBe(3);
    expect(await abortable(Promise.resolve(4), undefined, 'x')).toBe(4);
    await expect(
      abortable(Promise.reject(new Error('boom')), new AbortController().signal, 'x'),
    ).rejects.toThrow('boom');
    const late = new Promise<number>((_, reject) => setTimeout(() => reject(new Error('late')), 5));
    await expect(abortable(late, AbortSignal.abort(), 'x')).rejects.toThrow(AbortError);
    await sleep(10); // the late rejection must not surface as unhandled
  });
});
