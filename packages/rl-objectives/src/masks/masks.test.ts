import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import fixture from '../losses/fixtures/losses.json' with { type: 'json' };
import {
  broadcastToTokens,
  lengthsToMask,
  maskedMean,
  maskedSum,
  maskedWhiten,
  maskLengths,
  padRagged,
  rowsOf,
  spanMask,
} from './masks.js';

describe('mask helpers', () => {
  it('padRagged / lengthsToMask / maskLengths agree', () => {
    const p = padRagged([[-0.1, -0.2], [-0.3], []]);
    expect(p.batch).toBe(3);
    expect(p.seqLen).toBe(2);
    expect([...p.values]).toEqual([-0.1, -0.2, -0.3, 0, 0, 0]);
    expect([...p.mask]).toEqual([1, 1, 1, 0, 0, 0]);
    expect([...lengthsToMask([2, 1, 0], 2)]).toEqual([...p.mask]);
    expect([...maskLengths(p.mask, 2)]).toEqual([2, 1, 0]);
    expect([...padRagged([[1]], { seqLen: 3, padValue: -1 }).values]).toEqual([1, -1, -1]);
    expect(() => padRagged([[1, 2]], { seqLen: 1 })).toThrow(ShapeError);
    expect(() => padRagged([])).toThrow(ShapeError);
    expect(() => padRagged([[Number.NaN]])).toThrow(InvalidValueError);
    expect(() => lengthsToMask([3], 2)).toThrow(InvalidValueError);
  });

  it('spanMask and broadcastToTokens', () => {
    expect([...spanMask(4, [2, 1], [4, 2])]).toEqual([0, 0, 1, 1, 0, 1, 0, 0]);
    expect([...spanMask(2, [1], [9])]).toEqual([0, 1]);
    expect(() => spanMask(2, [2], [1])).toThrow(InvalidValueError);
    expect([...broadcastToTokens([0.5, -1], [1, 1, 0, 1, 0, 0], 3)]).toEqual([0.5, 0.5, 0, -1, 0, 0]);
    expect(() => broadcastToTokens([1], [1, 1, 0, 1], 2)).toThrow(ShapeError);
  });

  it('maskedSum / maskedMean', () => {
    expect(maskedSum([1, 2, 3], [1, 0, 1])).toBe(4);
    expect(maskedMean([1, 2, 3], [1, 0, 1])).toBe(2);
    // NaN in padding is ignored (padding often holds garbage), NaN in a token is not
    expect(maskedSum([1, Number.NaN], [1, 0])).toBe(1);
    expect(() => maskedSum([1, Number.NaN], [1, 1])).toThrow(InvalidValueError);
    expect(() => maskedMean([1, 2], [0, 0])).toThrow(/all zero/);
    expect(() => maskedMean([1, 2], [0, 0.5])).toThrow(/mask\[1\] is 0.5/);
  });

  it('maskedWhiten matches verl masked_whiten (torch fixture)', () => {
    const mw = fixture.maskedWhiten;
    expectClose(maskedWhiten(mw.values, fixture.mask), mw.whitened, 1e-12);
    expectClose(maskedWhiten(mw.values, fixture.mask, { shiftMean: false }), mw.unshifted, 1e-12);
    expectClose(maskedWhiten([1, 3, 99], [1, 1, 0]), [-1 / Math.sqrt(2 + 1e-8), 1 / Math.sqrt(2 + 1e-8), 0]);
    expect(() => maskedWhiten([1, 2], [1, 0])).toThrow(/at least 2/);
  });

  it('rowsOf validates the layout', () => {
    expect(rowsOf(new Float64Array(6), new Uint8Array(6).fill(1), 3, 'x')).toBe(2);
    expect(() => rowsOf(new Float64Array(5), new Uint8Array(5), 3, 'x')).toThrow(
      /not a positive multiple of seqLen 3/,
    );
    expect(() => rowsOf(new Float64Array(6), new Uint8Array(5), 3, 'x')).toThrow(ShapeError);
    expect(() => rowsOf(new Float64Array(6), new Uint8Array(6), 0, 'x')).toThrow(ShapeError);
  });
});
