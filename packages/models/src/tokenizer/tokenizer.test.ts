import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from './byte-level.js';
import { TokenizerError } from './errors.js';
import { Tokenizer } from './tokenizer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenizer-wrapper-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(join(d, f), text);
  return d;
}

/** A BERT-style WordPiece tokenizer.json written by hand: [CLS] x [SEP] template, ## continuation. */
const bertJson = {
  version: '1.0',
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({ id, content, special: true })),
  normalizer: null,
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, hello: 4, world: 5, '##s': 6 },
  },
};

describe('Tokenizer wrapper', () => {
  it('finds special ids by common names when there is no tokenizer_config.json', async () => {
    const d = await folder('bert', { 'tokenizer.json': JSON.stringify(bertJson) });
    const tok = await Tokenizer.fromFile(d);
    expect(tok.encode('hello worlds')).toEqual([2, 4, 5, 6, 3]);
    expect([tok.padTokenId, tok.unkTokenId, tok.bosTokenId, tok.eosTokenId]).toEqual([0, 1, 2, 3]);
    expect(tok.decode([2, 4, 5, 6, 3], { skipSpecialTokens: true })).toBe('hello worlds');
    // truncation keeps [CLS] ... [SEP] around the cut content
    const b = tok.encodeBatch(['hello worlds', 'hello'], { maxLength: 4, truncation: true });
    expect(Array.from(b.inputIds)).toEqual([2, 4, 5, 3, 2, 4, 3, 0]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('takes special tokens from tokenizer_config.json (string or {content}) and checks them', () => {
    const tok = Tokenizer.fromJSON(bertJson, { pad_token: { content: '[SEP]' }, bos_token: null });
    expect(tok.padTokenId).toBe(3);
    expect(tok.bosTokenId).toBeUndefined();
    expect(() => Tokenizer.fromJSON(bertJson, { eos_token: '</s>' }, { configSource: 'cfg.json' })).toThrow(
      /cfg\.json names eos_token '<\/s>'.*no such token/,
    );
    expect(() => Tokenizer.fromJSON(bertJson, { eos_token: 5 })).toThrow(/must be a string/);
    expect(() => Tokenizer.fromJSON(bertJson, { padding_side: 'middle' })).toThrow(/"left" or "right"/);
  });

  it('pads right and left, with masks, position ids and int64 buffers', () => {
    const tok = ByteTokenizer.create();
    const right = tok.encodeBatch(['ab', 'abcd']);
    expect(right.shape).toEqual([2, 4]);
    expect(Array.from(right.inputIds)).toEqual([97, 98, 256, 256, 97, 98, 99, 100]);
    expect(Array.from(right.attentionMask)).toEqual([1, 1, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(right.positionIds())).toEqual([0, 1, 1, 1, 0, 1, 2, 3]);
    const left = tok.encodeBatch(['ab', 'abcd'], { paddingSide: 'left' });
    expect(Array.from(left.inputIds)).toEqual([256, 256, 97, 98, 97, 98, 99, 100]);
    expect(Array.from(left.attentionMask)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(left.positionIds())).toEqual([1, 1, 0, 1, 0, 1, 2, 3]);
    expect(left.inputIdsInt64()).toEqual(new BigInt64Array([256n, 256n, 97n, 98n, 97n, 98n, 99n, 100n]));
    expect(left.attentionMaskInt64()).toEqual(new BigInt64Array([0n, 0n, 1n, 1n, 1n, 1n, 1n, 1n]));
    expect(left.row(0)).toEqual([97, 98]);
    expect(left.lengths).toEqual([2, 4]);
  });

  it('pads to a fixed length and to a multiple', () => {
    const tok = ByteTokenizer.create();
    const b = tok.encodeBatch(['a'], { padding: 'max_length', maxLength: 3 });
    expect(Array.from(b.inputIds)).toEqual([97, 256, 256]);
    const m = tok.encodeBatch(['abcde', 'a'], { padToMultipleOf: 4 });
    expect(m.shape).toEqual([2, 8]);
    expect(m.row(0)).toEqual([97, 98, 99, 100, 101]);
    expect(tok.encodeBatch([]).shape).toEqual([0, 0]);
    expect(tok.encodeBatch(['a'], { padTokenId: 0, padding: 'max_length', maxLength: 2 }).inputIds).toEqual(
      new Int32Array([97, 0]),
    );
  });

  it('truncates right or left, keeping bos / eos', () => {
    const tok = ByteTokenizer.create({ addBos: true, addEos: true });
    const r = tok.encodeBatch(['abcdef'], { maxLength: 4, truncation: true });
    expect(r.row(0)).toEqual([257, 97, 98, 258]);
    const l = tok.encodeBatch(['abcdef'], { maxLength: 4, truncation: true, truncationSide: 'left' });
    expect(l.row(0)).toEqual([257, 101, 102, 258]);
    expect(() => tok.encodeBatch(['abc'], { maxLength: 1, truncation: true })).toThrow(
      /no room for the 2 special/,
    );
    const plain = ByteTokenizer.create();
    expect(
      plain.encodeBatch(['abcdef'], { maxLength: 3, truncation: true, truncationSide: 'left' }).row(0),
    ).toEqual([100, 101, 102]);
  });

  it('matches encode() row by row when nothing is cut', () => {
    const tok = ByteTokenizer.create({ addBos: true });
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 5 }),
        fc.constantFrom('left', 'right'),
        (texts, side) => {
          const b = tok.encodeBatch(texts, { paddingSide: side as 'left' | 'right' });
          for (const [i, t] of texts.entries()) expect(b.row(i)).toEqual(tok.encode(t));
          const longest = Math.max(0, ...texts.map((t) => tok.encode(t).length));
          expect(b.seqLength).toBe(longest);
          expect(b.attentionMask.reduce((s, v) => s + v, 0)).toBe(b.lengths.reduce((s, v) => s + v, 0));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses what it cannot do, saying how to fix it', () => {
    const tok = ByteTokenizer.create();
    expect(() => tok.encodeBatch(['abcd'], { maxLength: 2 })).toThrow(/Row 0 has 4 tokens.*truncation: true/);
    expect(() => tok.encodeBatch(['a'], { padding: 'max_length' })).toThrow(/needs maxLength/);
    const noPad = ByteTokenizer.create({ pad: null });
    expect(() => noPad.encodeBatch(['a', 'ab'])).toThrow(/no pad token.*padTokenId/);
    expect(noPad.encodeBatch(['ab', 'cd']).shape).toEqual([2, 2]); // same lengths need no pad
    expect(() => tok.decode([259])).toThrow(/Token id 259 is not in the vocabulary/);
    expect(() => tok.decode([1.5])).toThrow(TokenizerError);
    expect(tok.decode([])).toBe('');
    expect(tok.decode(new BigInt64Array([104n, 105n]))).toBe('hi');
    expect(tok.decode(new Int32Array([104, 105]))).toBe('hi');
  });
});

describe('malformed tokenizer files', () => {
  it('names the file for bad JSON', async () => {
    const d = await folder('badjson', { 'tokenizer.json': '{"model": ' });
    const p = join(d, 'tokenizer.json');
    await expect(Tokenizer.fromFile(p)).rejects.toThrow(TokenizerError);
    await expect(Tokenizer.fromFile(p)).rejects.toThrow(`${p} is not valid JSON`);
  });

  it('names the config file for a bad tokenizer_config.json', async () => {
    const good = JSON.stringify(ByteTokenizer.files().tokenizerJson);
    const d = await folder('badcfg', { 'tokenizer.json': good, 'tokenizer_config.json': 'nope' });
    await expect(Tokenizer.fromFile(d)).rejects.toThrow(
      `${join(d, 'tokenizer_config.json')} is not valid JSON`,
    );
  });

  it('explains a JSON file that is not a tokenizer', async () => {
    const d = await folder('nomodel', { 'tokenizer.json': '{"version": "1.0"}' });
    await expect(Tokenizer.fromFile(d)).rejects.toThrow(/tokenizer\.json: no "model" object/);
    expect(() => Tokenizer.fromJSON([1, 2])).toThrow(/expected a JSON object.*an array/);
    expect(() => Tokenizer.fromJSON({ model: { vocab: {} }, added_tokens: {} })).toThrow(
      /"added_tokens" must be an array/,
    );
    expect(() =>
      Tokenizer.fromJSON({ model: { vocab: {} }, added_tokens: [{ id: -1, content: 'x' }] }),
    ).toThrow(/added_tokens\[0\]/);
  });

  it('wraps errors from the tokenizer library', () => {
    const json = { ...ByteTokenizer.files().tokenizerJson, pre_tokenizer: { type: 'Mystery' } };
    expect(() => Tokenizer.fromJSON(json, {}, { source: 'x/tokenizer.json' })).toThrow(
      /x\/tokenizer\.json: @huggingface\/tokenizers cannot build it: .*Mystery/,
    );
    const model = { ...ByteTokenizer.files().tokenizerJson, model: { type: 'Mystery', vocab: { a: 0 } } };
    expect(() => Tokenizer.fromJSON(model)).toThrow(/model type "Mystery" is not supported/);
  });

  it('reports a missing file', async () => {
    await expect(Tokenizer.fromFile(join(dir, 'absent'))).rejects.toThrow(/Cannot read tokenizer .*absent/);
  });
});
