import { describe, expect, it } from 'vitest';
import { leftPad } from './padding.js';

describe('leftPad', () => {
  it('aligns rows at the right edge and counts positions over real tokens only', () => {
    const b = leftPad([[5, 6, 7], [8]], 0);
    expect(b.width).toBe(3);
    expect(b.inputIds.shape).toEqual([2, 3]);
    expect([...b.inputIds.data].map(Number)).toEqual([5, 6, 7, 0, 0, 8]);
    expect([...b.attentionMask.data].map(Number)).toEqual([1, 1, 1, 0, 0, 1]);
    expect([...b.positionIds.data].map(Number)).toEqual([0, 1, 2, 0, 0, 0]);
  });

  it('fills padding with the given pad id', () => {
    const b = leftPad([[1], [2, 3]], 9);
    expect([...b.inputIds.data].map(Number)).toEqual([9, 1, 2, 3]);
  });
});
