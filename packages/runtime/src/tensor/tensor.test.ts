import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from './dtype.js';
import { Rng } from './rng.js';
import { Tensor } from './tensor.js';

describe('Tensor', () => {
  it('builds from nested arrays and reads back', () => {
    const t = Tensor.fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.get(1, 2)).toBe(6);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('infers int64 from bigints and converts numbers for int64', () => {
    expect(Tensor.fromArray([1n, 2n]).dtype).toBe('int64');
    const t = Tensor.fromArray([1, 2, 3], { dtype: 'int64' });
    expect(t.data).toEqual(new BigInt64Array([1n, 2n, 3n]));
  });

  it('rejects ragged arrays and mismatched data', () => {
    expect(() => Tensor.fromArray([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(/needs 6/);
    expect(() => new Tensor('int64', new Float32Array(6) as never, [2, 3])).toThrow(
      /BigInt64Array|typed array/,
    );
  });

  it('arange / full / reshape', () => {
    expect(Tensor.arange(5).toNumbers()).toEqual([0, 1, 2, 3, 4]);
    expect(Tensor.arange(1, 2, 0.25).toNumbers()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Tensor.full([2], 7, 'int32').toNumbers()).toEqual([7, 7]);
    expect(Tensor.arange(6).reshape([2, -1]).shape).toEqual([2, 3]);
    expect(() => Tensor.arange(6).reshape([4, -1])).toThrow(/reshape/);
  });

  it('seeded rand/randn are reproducible and have the right moments', () => {
    const a = Tensor.randn([20000], { seed: 3 });
    const b = Tensor.randn([20000], { seed: 3 });
    expect(a.data).toEqual(b.data);
    const xs = a.toNumbers();
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
    const u = Tensor.rand([10000], { seed: 1, low: -2, high: 2 }).toNumbers();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(2);
  });

  it('converts to and from onnxruntime tensors without copying', () => {
    const t = Tensor.fromArray([1, 2, 3, 4], { shape: [2, 2] });
    const o = t.toOrt();
    expect(o.dims).toEqual([2, 2]);
    expect(o.data).toBe(t.data);
    const back = Tensor.fromOrt(o);
    expect(back.data).toBe(t.data);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const sa = [a.nextUint32(), a.nextUint32()];
    expect([b.nextUint32(), b.nextUint32()]).toEqual(sa);
    expect([c.nextUint32(), c.nextUint32()]).not.toEqual(sa);
  });

  it('int(n) is unbiased enough and in range', () => {
    const r = new Rng(9);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });
});

describe('float16', () => {
  it('round-trips representable values and rounds to nearest', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24]) {
      expect(fromHalfBits(toHalfBits(v))).toBe(v);
    }
    expect(fromHalfBits(toHalfBits(1 + 1 / 4096))).toBe(1); // below half-ulp
    expect(fromHalfBits(toHalfBits(70000))).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN)))).toBe(true);
  });
});
