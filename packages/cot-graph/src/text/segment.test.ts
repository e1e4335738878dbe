import { describe, expect, it } from 'vitest';
import { affirmedMatch, DEAD_END_CUES, ERROR_CUES } from './cues.js';
import { segmentTrace, splitParagraphs, splitSentences } from './segment.js';

describe('segmentation', () => {
  it('splits paragraphs on blank lines and trims them', () => {
    expect(splitParagraphs('  a b\n\n\n c \n \n')).toEqual([
      { start: 2, end: 5 },
      { start: 9, end: 10 },
    ]);
  });

  it('splits sentences after . ! ? and at line breaks, not inside decimals', () => {
    const t = 'x = 3.5 here. Really?\ny = 2';
    expect(splitSentences(t).map((s) => t.slice(s.start, s.end))).toEqual([
      'x = 3.5 here.',
      'Really?',
      'y = 2',
    ]);
  });

  it('cuts chunks at discourse cues and keeps offsets exact', () => {
    const t = 'Let x = 2. Then y = 4.\n\nWait, that is wrong. So y = 5 instead of 4.';
    const chunks = segmentTrace(t);
    expect(chunks.map((c) => c.text)).toEqual([
      'Let x = 2. Then y = 4.',
      'Wait, that is wrong.',
      'So y = 5 instead of 4.',
    ]);
    expect(chunks.map((c) => c.cue)).toEqual([null, 'wait', 'so']);
    for (const c of chunks) expect(t.slice(c.start, c.end)).toBe(c.text);
  });

  it('merges chunks shorter than minChars into a neighbour', () => {
    const t = 'Hmm.\n\nLet me compute 2 + 2 = 4 carefully.\n\nOk.';
    expect(segmentTrace(t).map((c) => c.text)).toEqual([
      'Hmm.\n\nLet me compute 2 + 2 = 4 carefully.',
      'Ok.',
    ]);
    expect(segmentTrace(t, { minChars: 0 }).map((c) => c.text)).toEqual([
      'Hmm.',
      'Let me compute 2 + 2 = 4 carefully.',
      'Ok.',
    ]);
  });

  it('returns no chunks for blank input and rejects non-strings', () => {
    expect(segmentTrace('  \n ')).toEqual([]);
    expect(() => segmentTrace(3 as never)).toThrow(/needs a string/);
  });
});

describe('cue matching', () => {
  it('ignores negated and questioned rejections', () => {
    expect(affirmedMatch('Wait, that is wrong.', ERROR_CUES)?.[0]).toBe('wrong');
    expect(affirmedMatch("I didn't make a mistake.", ERROR_CUES)).toBeNull();
    expect(affirmedMatch('Is that wrong?', ERROR_CUES)).toBeNull();
    expect(affirmedMatch('There is no contradiction here.', DEAD_END_CUES)).toBeNull();
    expect(affirmedMatch('So x = 5 does not work.', DEAD_END_CUES)?.[0]).toBe('does not work');
  });
});
