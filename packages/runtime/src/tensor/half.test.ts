import { expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from './dtype.js';

it('toHalfBits rounds doubles to the nearest half (ties to even), with no double rounding', () => {
  // every half value round-trips; midpoints round to even; random doubles match a brute-force nearest search
  for (let h = 0; h < 0x10000; h++) {
    const v = fromHalfBits(h);
    if (Number.isNaN(v)) continue;
    expect(toHalfBits(v)).toBe(h === 0x8000 ? 0x8000 : h);
  }
  const positives: number[] = [];
  for (let h = 0; h < 0x7c00; h++) positives.push(fromHalfBits(h));
  let seed = 1;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let k = 0; k < 2000; k++) {
    const v = rnd() ** 8 * 70000 * (rnd() < 0.5 ? 1 : 1e-4);
    let best = 0;
    for (let h = 1; h < positives.length; h++) {
      const d = Math.abs(positives[h] - v),
        db = Math.abs(positives[best] - v);
      if (d < db || (d === db && h % 2 === 0)) best = h;
    }
    const got = toHalfBits(v);
    if (v >= 65520) expect(got).toBe(0x7c00);
    else expect(got).toBe(best);
  }
  // a double-rounding case: just above a half-way point that float32 rounds down to the tie
  const lo = fromHalfBits(0x3c00),
    hi = fromHalfBits(0x3c01);
  const mid = (lo + hi) / 2;
  const v = mid + 2 ** -40;
  expect(toHalfBits(v)).toBe(0x3c01);
});
