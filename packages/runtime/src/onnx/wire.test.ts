import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from './codec.js';
import { OnnxFormatError } from './errors.js';
import { encodeMessage, ProtoReader, type ProtoSink, utf8Length, WireType } from './wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytesOf = (spaced: string) => new Uint8Array(Buffer.from(spaced.replace(/\s+/g, ''), 'hex'));

/** Reference varint of a 64-bit two's complement value, computed with bigints (independent of wire.ts). */
function refVarint(v: bigint): string {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return hex(new Uint8Array(out));
}

const enc = <T>(v: T, f: (w: ProtoSink, v: T) => void) => encodeMessage(v, f);

describe('varints', () => {
  it('int64 of JS integers matches the bigint reference and reads back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer()), (v) => {
        const b = enc(v, (w, x) => w.int64(x));
        expect(hex(b)).toBe(refVarint(BigInt(v)));
        expect(new ProtoReader(b).int64('v')).toBe(v);
      }),
      { seed: 3 },
    );
  });

  it('int64 / uint64 bigints match the reference and read back exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const b = enc(v, (w, x) => w.int64Big(x));
        expect(hex(b)).toBe(refVarint(v));
        expect(new ProtoReader(b).int64Big('v')).toBe(v);
      }),
      { seed: 4 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const b = enc(v, (w, x) => w.uint64Big(x));
        expect(hex(b)).toBe(refVarint(v));
        expect(new ProtoReader(b).uint64Big('v')).toBe(v);
      }),
      { seed: 5 },
    );
  });

  it('packed varints, floats and doubles read back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.maxSafeInteger(), { maxLength: 20 }),
        fc.array(fc.float(), { maxLength: 20 }),
        fc.array(fc.double(), { maxLength: 20 }),
        (ints, floats, doubles) => {
          const b = enc(null, (w) => {
            w.packedInt64(ints);
            w.packedFloat(floats);
            w.packedDouble(doubles);
          });
          const r = new ProtoReader(b);
          expect(r.packedInt64(b.length, [], 'i')).toEqual(ints);
          expect(r.packedFloat(b.length, [], 'f')).toEqual(floats);
          expect(r.packedDouble(b.length, [], 'd')).toEqual(doubles);
          expect(r.pos).toBe(b.length);
        },
      ),
      { seed: 6 },
    );
  });

  it('rejects a non-integer or out-of-range value with the fix', () => {
    expect(() => enc(0.5, (w, v) => w.int64(v))).toThrow(/pass an integer/);
    expect(() => enc(2n ** 64n, (w, v) => w.uint64Big(v))).toThrow(/as uint64: pass a bigint/);
    expect(() => enc(-(2n ** 63n) - 1n, (w, v) => w.int64Big(v))).toThrow(/as int64/);
  });
});

// Any UTF-16 code units: ASCII, BMP, halves of surrogate pairs (so both valid pairs and lone surrogates occur).
const utf16 = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(0xd83d, 0xde00),
    ),
    {
      maxLength: 40,
    },
  )
  .map((units) => String.fromCharCode(...units));

describe('strings', () => {
  it('UTF-8 length and bytes match Node (lone surrogates become U+FFFD)', () => {
    fc.assert(
      fc.property(utf16, (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
        const b = enc(s, (w, v) => w.string(v));
        const body = Buffer.from(s, 'utf8');
        expect(hex(b)).toBe(refVarint(BigInt(body.length)) + body.toString('hex'));
        expect(new ProtoReader(b).string(b.length, 's')).toBe(body.toString('utf8'));
      }),
      { seed: 8 },
    );
  });
});

describe('nested lengths', () => {
  it('length prefixes are computed for nested scopes of any size', () => {
    // A 200-byte payload needs a 2-byte length (c8 01); the outer scope then holds 1 + 2 + 200 bytes (cb 01).
    const payload = new Uint8Array(200).fill(7);
    const b = enc(payload, (w, p) => {
      w.tag(1, WireType.LEN);
      w.begin();
      w.tag(2, WireType.LEN);
      w.bytes(p);
      w.end();
    });
    expect(hex(b.subarray(0, 6))).toBe('0acb0112c801');
    expect(b.length).toBe(6 + 200);
  });
});

describe('reader errors', () => {
  it('report the offset and what was expected', () => {
    const err = (b: Uint8Array, f: (r: ProtoReader) => unknown) => {
      try {
        f(new ProtoReader(b));
      } catch (e) {
        expect(e).toBeInstanceOf(OnnxFormatError);
        return (e as OnnxFormatError).message;
      }
      throw new Error('no error');
    };
    expect(err(bytesOf('80'), (r) => r.int64('dims'))).toMatch(/at byte 1: expected the rest of dims/);
    expect(err(bytesOf('0000'), (r) => r.float('f'))).toMatch(
      /at byte 0: expected 4 bytes of f, but only 2 remain/,
    );
    expect(err(bytesOf('05 aa'), (r) => r.bytes(2, 'raw'))).toMatch(/at byte 0: expected raw of 5 bytes/);
    expect(err(bytesOf('03 000000'), (r) => r.packedFloat(4, [], 'fd'))).toMatch(/multiple of 4 bytes/);
  });
});

describe('unknown groups (wire types 3/4)', () => {
  it('keeps a group field as raw bytes and writes it back', () => {
    // graph {} then field 30 as a group: f3 01 (start) | 10 05 (field 2 = 5) | f4 01 (end)
    const bytes = bytesOf('3a 00 f3 01 10 05 f4 01');
    const m = decodeModel(bytes);
    expect(m.unknownFields).toEqual([{ field: 30, wireType: 3, bytes: bytesOf('10 05 f4 01') }]);
    expect(hex(encodeModel(m))).toBe(hex(bytes));
    expect(() => decodeModel(bytesOf('3a 00 f3 01 10 05 fc 01'))).toThrow(
      /end-group key of field 30, not of field 31/,
    );
    expect(() => decodeModel(bytesOf('3a 00 f3 01 10 05'))).toThrow(/end-group key of field 30/);
    expect(() => decodeModel(bytesOf('3a 00 f4 01'))).toThrow(/unmatched end-group/);
  });
});
