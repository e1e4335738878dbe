import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BYTE_TO_UNICODE, ByteTokenizer } from './byte-level.js';
import { CharTokenizer } from './char-level.js';
import { TokenizerError } from './errors.js';
import { Tokenizer } from './tokenizer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenizer-builders-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const utf8 = new TextEncoder();

describe('ByteTokenizer', () => {
  const tok = ByteTokenizer.create();

  it('gives token id = UTF-8 byte value, then the special tokens', () => {
    expect(tok.encode('hé')).toEqual([0x68, 0xc3, 0xa9]);
    expect(tok.encode('€')).toEqual([0xe2, 0x82, 0xac]);
    expect(tok.decode([0xe2, 0x82, 0xac])).toBe('€');
    expect([tok.padTokenId, tok.bosTokenId, tok.eosTokenId, tok.unkTokenId]).toEqual([
      256,
      257,
      258,
      undefined,
    ]);
    expect(tok.vocabSize).toBe(259);
    expect(tok.specialTokenIds).toEqual([256, 257, 258]);
  });

  it('decodes every ASCII byte to its character (no space cleanup)', () => {
    const ids = Array.from({ length: 128 }, (_, i) => i);
    expect(tok.decode(ids)).toBe(String.fromCharCode(...ids));
    expect(tok.decode(tok.encode("don't , ok . ?"))).toBe("don't , ok . ?");
  });

  it('uses the GPT-2 byte table: 256 distinct single characters', () => {
    expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
    expect(BYTE_TO_UNICODE[0x41]).toBe('A');
    expect(BYTE_TO_UNICODE[0x20]).toBe('Ġ'); // the familiar GPT-2 space
    expect(BYTE_TO_UNICODE[0x0a]).toBe('Ċ');
  });

  it('round-trips arbitrary unicode exactly, token ids equal to TextEncoder bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        fc.pre(!['<pad>', '<bos>', '<eos>'].some((t) => s.includes(t)));
        const ids = tok.encode(s);
        expect(ids).toEqual(Array.from(utf8.encode(s)));
        expect(tok.decode(ids)).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes special-token strings in text to their ids and decodes them back', () => {
    expect(tok.encode('a<eos>')).toEqual([97, 258]);
    expect(tok.decode([97, 258])).toBe('a<eos>');
    expect(tok.decode([97, 258], { skipSpecialTokens: true })).toBe('a');
  });

  it('adds bos / eos through a TemplateProcessing post-processor', () => {
    const t = ByteTokenizer.create({ addBos: true, addEos: true });
    expect(t.encode('ab')).toEqual([257, 97, 98, 258]);
    expect(t.encode('ab', { addSpecialTokens: false })).toEqual([97, 98]);
    expect(t.encode('')).toEqual([257, 258]);
    expect(t.decode([257, 97, 98, 258], { skipSpecialTokens: true })).toBe('ab');
  });

  it('writes tokenizer.json + tokenizer_config.json that load back identically', async () => {
    const out = join(dir, 'byte');
    const files = await ByteTokenizer.write(out, { addBos: true, modelMaxLength: 64, paddingSide: 'left' });
    expect((await readdir(out)).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(JSON.parse(await readFile(join(out, 'tokenizer.json'), 'utf8'))).toEqual(files.tokenizerJson);
    const cfg = JSON.parse(await readFile(join(out, 'tokenizer_config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      bos_token: '<bos>',
      eos_token: '<eos>',
      pad_token: '<pad>',
      model_max_length: 64,
    });
    expect(cfg.clean_up_tokenization_spaces).toBe(false);
    const loaded = await Tokenizer.fromFile(out);
    expect(loaded.encode('héllo')).toEqual([257, 104, 195, 169, 108, 108, 111]);
    expect(loaded.modelMaxLength).toBe(64);
    expect(loaded.paddingSide).toBe('left');
    expect(loaded.source).toBe(join(out, 'tokenizer.json'));
  });

  it('takes custom and extra special tokens, and rejects clashes', () => {
    const t = ByteTokenizer.create({ pad: null, unk: '<unk>', extraSpecialTokens: ['<sep>'] });
    expect([t.padTokenId, t.bosTokenId, t.eosTokenId, t.unkTokenId]).toEqual([undefined, 256, 257, 258]);
    expect(t.tokenToId('<sep>')).toBe(259);
    const odd = ByteTokenizer.create({ extraSpecialTokens: ['__proto__'] });
    expect(odd.encode('a__proto__')).toEqual([97, 259]);
    expect(() => ByteTokenizer.files({ bos: 'A' })).toThrow(/also an ordinary token/);
    expect(() => ByteTokenizer.files({ bos: '<x>', eos: '<x>' })).toThrow(/twice/);
    expect(() => ByteTokenizer.files({ bos: '' })).toThrow(TokenizerError);
    expect(() => ByteTokenizer.files({ bos: null, addBos: true })).toThrow(/addBos needs a bos/);
    expect(() => ByteTokenizer.files({ modelMaxLength: 0 })).toThrow(/positive integer/);
  });
});

describe('CharTokenizer', () => {
  const tok = CharTokenizer.create('abc ');

  it('numbers the alphabet in order, then pad / bos / eos / unk', () => {
    expect(tok.encode('cab a')).toEqual([2, 0, 1, 3, 0]);
    expect([tok.padTokenId, tok.bosTokenId, tok.eosTokenId, tok.unkTokenId]).toEqual([4, 5, 6, 7]);
    expect(tok.vocabSize).toBe(8);
    expect(tok.decode([2, 0, 1, 3, 0])).toBe('cab a');
  });

  it('maps characters outside the alphabet to <unk>', () => {
    expect(tok.encode('axb')).toEqual([0, 7, 1]);
    expect(tok.decode([0, 7, 1])).toBe('a<unk>b');
    expect(tok.decode([0, 7, 1], { skipSpecialTokens: true })).toBe('ab');
  });

  it('works on code points, including astral characters', () => {
    const t = CharTokenizer.create(['😀', 'é', ' ']);
    expect(t.encode('é 😀😀')).toEqual([1, 2, 0, 0]);
    expect(t.decode([1, 2, 0, 0])).toBe('é 😀😀');
  });

  it('round-trips any text over its alphabet', () => {
    const alphabet = Array.from('abcdefghij .,!?-\'"\n\tÅß😀');
    const t = CharTokenizer.create(alphabet, { addBos: true });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 50 }), (chars) => {
        const s = chars.join('');
        const ids = t.encode(s);
        expect(ids).toEqual([t.bosTokenId, ...chars.map((c) => alphabet.indexOf(c))]);
        expect(t.decode(ids, { skipSpecialTokens: true })).toBe(s);
      }),
      { numRuns: 200 },
    );
  });

  it('loads back from the files it writes', async () => {
    const out = join(dir, 'char');
    await CharTokenizer.write(out, 'xyz', { addEos: true });
    const loaded = await Tokenizer.fromFile(join(out, 'tokenizer.json'));
    expect(loaded.encode('zyx')).toEqual([2, 1, 0, 5]);
  });

  it('rejects bad alphabets and a missing unk token', () => {
    expect(() => CharTokenizer.files('')).toThrow(/must not be empty/);
    expect(() => CharTokenizer.files('aba')).toThrow(/'a' twice/);
    expect(() => CharTokenizer.files(['ab'])).toThrow(/not a single character/);
    expect(() => CharTokenizer.files('ab', { unk: null as unknown as string })).toThrow(/needs an unk token/);
    expect(() => CharTokenizer.files('a#', { pad: '#' })).toThrow(/also an ordinary token/);
  });
});
