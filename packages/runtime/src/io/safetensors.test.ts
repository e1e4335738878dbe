import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, toHalfBits } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { SafetensorsError } from './errors.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  SAFETENSORS_MAX_HEADER_BYTES,
  saveSafetensors,
} from './safetensors.js';

const FIX = join(import.meta.dirname, 'fixtures');

interface RefTensor {
  dtype: string;
  shape: number[];
  values: (number | string)[];
}
interface Reference {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<string, RefTensor>;
}

const ST_TO_DTYPE: Record<string, DType> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  I32: 'int32',
  I64: 'int64',
  U8: 'uint8',
  I8: 'int8',
  BOOL: 'bool',
};

/** Build the reference tensors from the JSON values alone (independent of the decoder under test). */
function tensorFromRef(r: RefTensor): Tensor {
  const dtype = ST_TO_DTYPE[r.dtype];
  const t = Tensor.zeros(r.shape, dtype);
  const d = t.data as unknown as (number | bigint)[];
  r.values.forEach((v, i) => {
    if (dtype === 'int64') d[i] = BigInt(v);
    else if (dtype === 'float16') d[i] = toHalfBits(Number(v));
    else d[i] = Number(v);
  });
  return t;
}

/** Raw bytes of a tensor, for bit-exact comparison (-0, NaN payloads). */
function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Hand-build a file: u64 LE header length, JSON header, data. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

let ref: Reference;
let refBytes: Uint8Array;
let dir: string;

beforeAll(async () => {
  ref = JSON.parse(await readFile(join(FIX, 'reference.json'), 'utf8')) as Reference;
  refBytes = await readFile(join(FIX, 'reference.safetensors'));
  dir = await mkdtemp(join(tmpdir(), 'safetensors-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('safetensors against the python reference files', () => {
  it.each(['reference.safetensors', 'official_order.safetensors'])('decodes %s', async (file) => {
    const { tensors, metadata } = decodeSafetensors(await readFile(join(FIX, file)));
    expect(metadata).toEqual(ref.metadata);
    expect([...tensors.keys()]).toEqual(ref.order);
    for (const [name, r] of Object.entries(ref.tensors)) {
      const t = tensors.get(name)!;
      expect(t.dtype, name).toBe(ST_TO_DTYPE[r.dtype]);
      expect(t.shape, name).toEqual(r.shape);
      expect(bytesOf(t), name).toEqual(bytesOf(tensorFromRef(r)));
    }
    // spot checks read straight from the JSON written by python
    expect(tensors.get('e.i64')!.data).toEqual(new BigInt64Array([-(2n ** 63n), 2n ** 62n + 1n, 0n, 7n]));
    expect(tensors.get('c.f16')!.toNumbers()).toEqual([1, -2.5, 65504, 2 ** -24, -0, 0.333251953125]);
    expect(Object.is(tensors.get('c.f16')!.at(4), -0)).toBe(true);
    expect(tensors.get('h.bool')!.toNumbers()).toEqual([1, 0, 0, 1]);
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect(tensors.get('empty')!.shape).toEqual([0, 3]);
  });

  it('writes the python reference file byte for byte (name order, 8-byte padded header)', () => {
    const tensors = new Map(Object.entries(ref.tensors).map(([k, r]) => [k, tensorFromRef(r)]));
    const mine = encodeSafetensors(tensors, ref.metadata);
    expect(Buffer.from(mine).equals(Buffer.from(refBytes))).toBe(true);
    // a Record gives the same bytes as a Map, whatever the insertion order
    const rec = Object.fromEntries([...tensors.entries()].reverse());
    expect(encodeSafetensors(rec, ref.metadata)).toEqual(mine);
  });

  it('decoded tensors own aligned memory, independent of the input bytes', () => {
    const bytes = refBytes.slice();
    const { tensors } = decodeSafetensors(bytes);
    for (const t of tensors.values()) {
      expect(t.data.byteOffset % t.data.BYTES_PER_ELEMENT).toBe(0);
      expect(t.data.buffer).not.toBe(bytes.buffer);
    }
    const before = tensors.get('b.f64')!.toNumbers();
    bytes.fill(0, 8);
    expect(tensors.get('b.f64')!.toNumbers()).toEqual(before);
  });
});

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips through a file and leaves no temporary file', async () => {
    const path = join(dir, 'model.safetensors');
    const w = Tensor.fromArray([
      [1, 2],
      [3, 4],
    ]);
    const ids = Tensor.fromArray([5n, -6n]);
    await saveSafetensors(path, { w, ids }, { step: '12' });
    await saveSafetensors(path, { w, ids }, { step: '13' }); // overwrite in place
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ step: '13' });
    expect([...tensors.keys()]).toEqual(['ids', 'w']);
    expect(tensors.get('w')!.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensors.get('ids')!.data).toEqual(new BigInt64Array([5n, -6n]));
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('writes no metadata key when none is given and reads back {}', () => {
    const bytes = encodeSafetensors({ x: Tensor.zeros([1]) });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd()).toBe(
      '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
    );
    expect(decodeSafetensors(bytes).metadata).toEqual({});
  });

  it('keeps "__proto__" as an ordinary tensor name and metadata key', () => {
    const tensors = new Map([['__proto__', Tensor.fromArray([7], { dtype: 'int32' })]]);
    const meta = JSON.parse('{"__proto__": "p"}') as Record<string, string>;
    const back = decodeSafetensors(encodeSafetensors(tensors, meta));
    expect(back.tensors.get('__proto__')!.toNumbers()).toEqual([7]);
    expect(Object.hasOwn(back.metadata, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(back.metadata, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
  });

  it('names the file when loading fails', async () => {
    const missing = join(dir, 'nope.safetensors');
    await expect(loadSafetensors(missing)).rejects.toThrow(SafetensorsError);
    await expect(loadSafetensors(missing)).rejects.toThrow(missing);
  });

  it('fails a save into a missing folder without leaving files', async () => {
    const path = join(dir, 'missing', 'm.safetensors');
    await expect(saveSafetensors(path, { x: Tensor.zeros([1]) })).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });
});

describe('validation', () => {
  const f32x2 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /shorter than the 8-byte/],
    ['header too large', handMade({}, new Uint8Array(0), BigInt(SAFETENSORS_MAX_HEADER_BYTES + 1)), /limit/],
    ['truncated header', handMade({}, new Uint8Array(0), 1000n), /truncated/],
    ['header not JSON', handMade('x'), /not a UTF-8 JSON object/],
    [
      'unknown dtype',
      handMade({ x: { dtype: 'X9', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /'X9'.*not a safetensors dtype/,
    ],
    [
      'unsupported dtype',
      handMade({ x: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
      /'BF16'.*not supported/,
    ],
    [
      'bad shape',
      handMade({ x: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /invalid shape/,
    ],
    [
      'bad offsets',
      handMade({ x: { dtype: 'U8', shape: [1], data_offsets: [1, 0] } }, new Uint8Array(1)),
      /invalid data_offsets/,
    ],
    [
      'size mismatch',
      handMade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /needs 12/,
    ],
    ['out of range', handMade({ x: f32x2 }, new Uint8Array(4)), /past the end/],
    [
      'overlap',
      handMade({ x: f32x2, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
      /'x' and 'y'.*overlap/,
    ],
    [
      'gap',
      handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
      /Bytes 0\.\.4.*no tensor/,
    ],
    ['trailing bytes', handMade({ x: f32x2 }, new Uint8Array(10)), /2 trailing bytes/],
    [
      'bool byte 2',
      handMade({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 2])),
      /byte 2 at element 1/,
    ],
    ['metadata not strings', handMade({ __metadata__: { a: 1 } }), /'a'.*number/],
  ];
  it.each(bad)('rejects %s', (_, bytes, msg) => {
    expect(() => decodeSafetensors(bytes, { source: 'm.safetensors' })).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes, { source: 'm.safetensors' })).toThrow(msg);
  });

  it('quotes the source in messages', () => {
    expect(() => decodeSafetensors(new Uint8Array(3), { source: 'w.safetensors' })).toThrow(
      /in w\.safetensors/,
    );
  });

  it('refuses tensors it cannot write', () => {
    expect(() => encodeSafetensors({ __metadata__: Tensor.zeros([1]) })).toThrow(/reserved/);
    expect(() => encodeSafetensors({ x: [1, 2] as unknown as Tensor })).toThrow(/not a Tensor/);
    expect(() => encodeSafetensors({ x: Tensor.zeros([1]) }, { n: 3 as unknown as string })).toThrow(
      /strings to strings/,
    );
    expect(() => encodeSafetensors(new Map([['', Tensor.zeros([1])]]))).toThrow(/non-empty/);
  });
});

describe('round-trip property', () => {
  const dtypes: DType[] = ['float32', 'float64', 'float16', 'int8', 'int32', 'int64', 'uint8', 'bool'];
  const tensorArb = fc
    .record({
      dtype: fc.constantFrom(...dtypes),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .map(({ dtype, shape, seed }) => {
      const t = Tensor.zeros(shape, dtype);
      // random bytes are valid values for every dtype except bool
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      let s = seed;
      for (let i = 0; i < bytes.length; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        bytes[i] = dtype === 'bool' ? (s >>> 16) & 1 : (s >>> 16) & 0xff;
      }
      return t;
    });

  it('decode(encode(x)) is bit-exact, with an 8-byte-aligned data section', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensorArb, { maxKeys: 5 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (rec, meta) => {
          fc.pre(!('__metadata__' in rec));
          const bytes = encodeSafetensors(rec, meta);
          expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
          const back = decodeSafetensors(bytes);
          expect(back.metadata).toEqual(meta);
          expect(back.tensors.size).toBe(Object.keys(rec).length);
          for (const [k, t] of Object.entries(rec)) {
            const u = back.tensors.get(k)!;
            expect(u.dtype).toBe(t.dtype);
            expect(u.shape).toEqual(t.shape);
            expect(bytesOf(u)).toEqual(bytesOf(t));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
