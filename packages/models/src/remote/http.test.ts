import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './http.js';
import { Semaphore } from './semaphore.js';

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('Semaphore', () => {
  it('admits `limit` holders and serves waiters first come, first served', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    await s.acquire();
    const order: number[] = [];
    const w3 = s.acquire().then((r) => {
      order.push(3);
      return r;
    });
    const w4 = s.acquire().then((r) => {
      order.push(4);
      return r;
    });
    expect(s.inUse).toBe(2);
    r1();
    r1(); // releasing twice is harmless
    const r3 = await w3;
    expect(order).toEqual([3]);
    r3();
    await w4;
    expect(order).toEqual([3, 4]);
    expect(s.inUse).toBe(2);
  });

  it('drops a waiter whose signal aborts', async () => {
    const s = new Semaphore(1);
    const r = await s.acquire();
    const ctrl = new AbortController();
    const waiting = s.acquire(ctrl.signal);
    ctrl.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    r();
    expect(s.inUse).toBe(0);
    await expect(s.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
