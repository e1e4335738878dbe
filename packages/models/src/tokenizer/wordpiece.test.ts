import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './wordpiece.js';

describe('WordPieceTokenizer', () => {
  const tok = WordPieceTokenizer.create(['the', 'cat', 'sat', '##s']);

  it('splits words into vocabulary pieces with [CLS] / [SEP] and lower-casing', () => {
    expect(tok.tokenize('The cats sat')).toEqual(['the', 'cat', '##s', 'sat']);
    expect(tok.encode('The cats sat')).toEqual([2, 5, 6, 8, 7, 3]);
  });

  it('maps unknown words to [UNK] and knows its special ids', () => {
    expect(tok.encode('dog')).toEqual([2, 1, 3]);
    expect(tok.padTokenId).toBe(0);
    expect(tok.unkTokenId).toBe(1);
  });

  it('can leave out [CLS] / [SEP]', () => {
    expect(WordPieceTokenizer.create(['a'], { clsSep: false }).encode('a')).toEqual([5]);
  });
});
