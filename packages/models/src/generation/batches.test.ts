import { describe, expect, it } from 'vitest';
import { decodeStepBatch, maskRowsOf, padBatch } from './batches.js';

describe('padBatch', () => {
  it('aligns rows at the right edge and counts positions over real tokens only', () => {
    const b = padBatch([[5, 6, 7], [8]], 0);
    expect(b.width).toBe(3);
    expect(b.inputIds.shape).toEqual([2, 3]);
    expect([...b.inputIds.data].map(Number)).toEqual([5, 6, 7, 0, 0, 8]);
    expect([...b.attentionMask.data].map(Number)).toEqual([1, 1, 1, 0, 0, 1]);
    expect([...b.positionIds.data].map(Number)).toEqual([0, 1, 2, 0, 0, 0]);
  });

  it('fills padding with the given pad id', () => {
    const b = padBatch([[1], [2, 3]], 9);
    expect([...b.inputIds.data].map(Number)).toEqual([9, 1, 2, 3]);
  });

  it("'right' starts every row at position 0", () => {
    const b = padBatch([[5, 6, 7], [8]], 0, 'right');
    expect([...b.inputIds.data].map(Number)).toEqual([5, 6, 7, 8, 0, 0]);
    expect([...b.attentionMask.data].map(Number)).toEqual([1, 1, 1, 1, 0, 0]);
    expect([...b.positionIds.data].map(Number)).toEqual([0, 1, 2, 0, 0, 0]);
  });
});

describe('decodeStepBatch', () => {
  it("extends each row's mask by the new token and feeds it at the row's next position", () => {
    const prefill = padBatch([[5, 6, 7], [8]], 0);
    const step = decodeStepBatch(maskRowsOf(prefill), [11, 12], [3, 1]);
    expect(step.batch.inputIds.shape).toEqual([2, 1]);
    expect([...step.batch.inputIds.data].map(Number)).toEqual([11, 12]);
    expect([...step.batch.positionIds.data].map(Number)).toEqual([3, 1]);
    expect([...step.batch.attentionMask.data].map(Number)).toEqual([1, 1, 1, 1, 0, 0, 1, 1]);
    expect(step.maskRows.map((m) => [...m].map(Number))).toEqual([
      [1, 1, 1, 1],
      [0, 0, 1, 1],
    ]);
  });
});
