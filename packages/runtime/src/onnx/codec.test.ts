import { dirname } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, decodeTensorProto, encodeModel, encodeTensorProto } from './codec.js';
import { OnnxFormatError, OnnxModelError } from './errors.js';
import { fixtureBytes, fixturePath, pySummary, summarizeModel } from './fixtures/summarize.js';
import { externalDataReader } from './io.js';
import type {
  AttributeProto,
  DimensionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  TypeProto,
  UnknownField,
  ValueInfoProto,
} from './types.js';

const FIXTURES = ['rich.onnx', 'torch_mlp.onnx', 'torch_mlp_ext.onnx'];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (spaced: string) => spaced.replace(/\s+/g, '');
const bytesOf = (spaced: string) => new Uint8Array(Buffer.from(h(spaced), 'hex'));

describe('round trip of files written by python onnx and torch', () => {
  for (const name of FIXTURES) {
    it(`encodeModel(decodeModel(${name})) is byte-identical`, () => {
      const bytes = fixtureBytes(name);
      expect(hex(encodeModel(decodeModel(bytes)))).toBe(hex(bytes));
      expect(hex(encodeModel(decodeModel(bytes, { copyBytes: true })))).toBe(hex(bytes));
    });

    it(`decodes ${name} to the fields python onnx reports`, () => {
      const bytes = fixtureBytes(name);
      const model = decodeModel(bytes);
      const read = externalDataReader(dirname(fixturePath(name)));
      expect(summarizeModel(model, name, bytes.byteLength, read)).toEqual(pySummary().models[name]);
    });
  }

  it('keeps unknown fields (functions, sparse initializers, non-tensor types) with their numbers', () => {
    const m = decodeModel(fixtureBytes('rich.onnx'));
    expect(m.unknownFields?.map((u) => [u.field, u.wireType])).toEqual([[25, 2]]);
    expect(m.graph.unknownFields?.map((u) => u.field)).toEqual([14, 15]);
    const custom = m.graph.node.find((n) => n.opType === 'Everything')!;
    const byName = Object.fromEntries(custom.attribute.map((a) => [a.name, a]));
    expect(byName.sparse_attr.unknownFields?.map((u) => u.field)).toEqual([22]);
    expect(byName.sparse_list_attr.unknownFields?.map((u) => u.field)).toEqual([23, 23]);
    expect(byName.type_attr.unknownFields?.map((u) => u.field)).toEqual([14]);
    expect(byName.types_attr.unknownFields?.map((u) => u.field)).toEqual([15, 15]);
    // FunctionProto field 1 is its name: 0a 08 'AddTwice'.
    const fn = m.unknownFields![0].bytes;
    expect(hex(fn.subarray(0, 10))).toBe(hex(new Uint8Array([0x0a, 8, ...Buffer.from('AddTwice')])));
  });

  it('rawData is a view into the input by default and a copy with copyBytes', () => {
    const bytes = fixtureBytes('torch_mlp.onnx');
    const view = decodeModel(bytes).graph.initializer[0].rawData!;
    const copy = decodeModel(bytes, { copyBytes: true }).graph.initializer[0].rawData!;
    expect(view.buffer).toBe(bytes.buffer);
    expect(copy.buffer).not.toBe(bytes.buffer);
    expect(hex(copy)).toBe(hex(view));
  });
});

describe('ONNX Runtime runs what encodeModel writes', () => {
  it('torch export, decoded and re-encoded, gives the outputs torch recorded', async () => {
    const io = pySummary().torch_mlp_io;
    const bytes = encodeModel(decodeModel(fixtureBytes('torch_mlp.onnx')));
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const x = new ort.Tensor('float32', Float32Array.from(io.x), io.x_shape);
    const { y } = await session.run({ x });
    expect(y.dims).toEqual(io.y_shape);
    const got = Array.from(y.data as Float32Array);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(io.y[i], 5);
    await session.release();
  });

  it('a model edited after decoding runs with the edit (Gemm alpha doubled)', async () => {
    const io = pySummary().torch_mlp_io;
    const model = decodeModel(fixtureBytes('torch_mlp.onnx'));
    const last = model.graph.node.at(-1)!;
    last.attribute.find((a) => a.name === 'alpha')!.f = 2;
    // Torch's second Gemm: y = alpha * A B^T + beta * C, so doubling alpha adds A B^T once more = y - C.
    const bias = new Float32Array(
      model.graph.initializer.find((t) => t.name === 'fc2.bias')!.rawData!.slice().buffer,
    );
    const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from(io.x), io.x_shape) });
    const got = y.data as Float32Array;
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(2 * io.y[i] - bias[i % 4], 4);
    await session.release();
  });
});

describe('wire details (hand-derived bytes)', () => {
  it('encodes a minimal model in field-number order', () => {
    const model: ModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: [], initializer: [], input: [], output: [], valueInfo: [] },
    };
    // 08 08: ir_version 8 | 3a 03 12 01 67: graph { name 'g' } | 42 04 0a 00 10 11: opset { domain '', version 17 }
    expect(hex(encodeModel(model))).toBe(h('08 08 3a 03 12 01 67 42 04 0a 00 10 11'));
  });

  it('omits required-typed fields that the input left out (torch opsets have no domain)', () => {
    const withoutDomain = bytesOf('08 08 3a 03 12 01 67 42 02 10 11');
    const m = decodeModel(withoutDomain);
    expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(hex(encodeModel(m))).toBe(hex(withoutDomain));
    // A plain copy does not carry that memory: python helper's convention (domain '' written) applies.
    const copy: ModelProto = { ...m, opsetImport: [{ ...m.opsetImport[0] }] };
    expect(hex(encodeModel(copy))).toBe(h('08 08 3a 03 12 01 67 42 04 0a 00 10 11'));
    // Setting the field to a non-default value writes it.
    m.opsetImport[0].domain = 'x';
    expect(hex(encodeModel(m))).toBe(h('08 08 3a 03 12 01 67 42 05 0a 01 78 10 11'));
  });

  it('decodes packed and unpacked repeated scalars alike', () => {
    // dims 2 (08 02) | data_type 1 (10 01) | float_data 1.0, -2.0 unpacked (25 0000803f, 25 000000c0) | name 'w'
    const unpacked = bytesOf('08 02 10 01 25 0000803f 25 000000c0 42 01 77');
    // same with float_data packed: 22 08 0000803f 000000c0
    const packed = bytesOf('08 02 10 01 22 08 0000803f 000000c0 42 01 77');
    const a = decodeTensorProto(unpacked);
    const b = decodeTensorProto(packed);
    expect(a).toEqual({ name: 'w', dataType: 1, dims: [2], floatData: [1, -2] });
    expect(b).toEqual(a);
    expect(hex(encodeTensorProto(a))).toBe(hex(packed)); // onnx.proto marks float_data [packed = true]
    // dims packed (0a 02 02 03) decodes too, and is written back unpacked as python does
    const dims = decodeTensorProto(bytesOf('0a 02 02 03 10 07'));
    expect(dims.dims).toEqual([2, 3]);
    expect(hex(encodeTensorProto(dims))).toBe(h('08 02 08 03 10 07'));
    // graph { node { attribute { ints 1, 127 } } } with ints packed (42 02 01 7f) or not (40 01 40 7f)
    const ints = (attr: string) =>
      decodeModel(bytesOf(`3a 08 0a 06 2a 04 ${attr}`)).graph.node[0].attribute[0].ints;
    expect(ints('42 02 01 7f')).toEqual([1, 127]);
    expect(ints('40 01 40 7f')).toEqual([1, 127]);
  });

  it('writes negative ints as 10-byte varints and clamps at the int64 limits', () => {
    const t = (i: number) => {
      const m = minimalModel([{ name: 'a', type: 2, i }]);
      return hex(encodeModel(m));
    };
    expect(t(-1)).toContain('18ffffffffffffffffff01');
    expect(t(300)).toContain('18ac02');
    expect(t(2 ** 63)).toContain('18ffffffffffffffff7f'); // INT64_MAX decodes to 2^63 and goes back exactly
    expect(t(-(2 ** 63))).toContain('1880808080808080808001');
    expect(() => t(1.5)).toThrow(OnnxModelError);
    expect(() => t(Number.NaN)).toThrow(/pass an integer/);
  });

  it('merges a singular message field that appears twice (protobuf semantics)', () => {
    // graph { name 'a', node { op_type 'X' } } then graph { node { op_type 'Y' } }: nodes append, name kept.
    const m = decodeModel(bytesOf('3a 08 12 01 61 0a 03 22 01 58  3a 05 0a 03 22 01 59'));
    expect(m.graph.name).toBe('a');
    expect(m.graph.node.map((n) => n.opType)).toEqual(['X', 'Y']);
  });
});

describe('malformed bytes', () => {
  it('names the offset of a truncated length', () => {
    const bytes = fixtureBytes('torch_mlp.onnx');
    // torch ends with opset_import { version 17 } = 42 02 10 11; cut the last byte.
    expect(hex(bytes.subarray(-4))).toBe('42021011');
    const cut = bytes.subarray(0, bytes.length - 1);
    const err = catchError(() => decodeModel(cut));
    expect(err).toBeInstanceOf(OnnxFormatError);
    expect((err as OnnxFormatError).offset).toBe(bytes.length - 3);
    expect(err.message).toMatch(/ModelProto.opset_import of 2 bytes, but only 1 bytes remain/);
  });

  it('rejects empty input, non-ONNX bytes and invalid keys', () => {
    expect(() => decodeModel(new Uint8Array())).toThrow(/input is empty/);
    expect(() => decodeModel(bytesOf('0808'))).toThrow(/not an ONNX model/);
    expect(() => decodeModel(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(OnnxFormatError);
    expect(() => decodeModel(bytesOf('0f00'))).toThrow(/wire type 0-5/); // wire type 7
    expect(() => decodeModel(bytesOf('0000'))).toThrow(/field number >= 1/);
    expect(() => decodeModel(bytesOf('08ffffffffffffffffffff01'))).toThrow(/at most 10 bytes/);
    // graph (5 bytes) holds a node claiming 4 bytes where 3 remain; the node's length prefix is at byte 3.
    const err = catchError(() => decodeModel(bytesOf('3a 05 0a 04 22 01 58')));
    expect((err as OnnxFormatError).offset).toBe(3);
    expect(err.message).toMatch(/at byte 3: expected GraphProto.node of 4 bytes, but only 3 bytes remain/);
  });

  it('throws only OnnxFormatError for any truncation or byte corruption (fuzz)', () => {
    const base = fixtureBytes('rich.onnx');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (cutAt, edits) => {
          const b = base.slice(0, Math.max(1, cutAt));
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          try {
            const m = decodeModel(b);
            encodeModel(m); // whatever decodes must encode
          } catch (e) {
            if (!(e instanceof OnnxFormatError)) throw e;
          }
        },
      ),
      { numRuns: 600, seed: 1 },
    );
  });
});

describe('encode/decode properties', () => {
  it('decode(encode(m)) equals m, and re-encoding is byte-stable', () => {
    fc.assert(
      fc.property(arbModel, (m) => {
        const bytes = encodeModel(m);
        const back = decodeModel(bytes);
        expect(back).toEqual(m);
        expect(hex(encodeModel(back))).toBe(hex(bytes));
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('rejects malformed unknown fields on encode', () => {
    const m = minimalModel([]);
    m.unknownFields = [{ field: 30, wireType: 5, bytes: new Uint8Array(3) }];
    expect(() => encodeModel(m)).toThrow(/needs 4 bytes/);
    m.unknownFields = [{ field: 0, wireType: 0, bytes: new Uint8Array([1]) }];
    expect(() => encodeModel(m)).toThrow(OnnxModelError);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

function minimalModel(attribute: AttributeProto[]): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ input: [], output: ['y'], opType: 'Constant', attribute }],
      initializer: [],
      input: [],
      output: [],
      valueInfo: [],
    },
  };
}

// ------------------------------------------------------------------------------------ arbitraries

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const str = fc.string({ unit: 'grapheme', maxLength: 6 });
const bytes = fc.uint8Array({ maxLength: 12 });
const safeInt = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.constant(-(2 ** 63)));
const nonEmpty = <T>(a: fc.Arbitrary<T>) => opt(fc.array(a, { minLength: 1, maxLength: 4 }));

function varintBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return new Uint8Array(out);
}

// Field numbers no modelled message uses, so these stay unknown after decoding.
const arbUnknown: fc.Arbitrary<UnknownField[] | undefined> = opt(
  fc
    .array(
      fc.oneof(
        fc.record({
          field: fc.integer({ min: 1000, max: 5000 }),
          wireType: fc.constant(0),
          bytes: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(varintBytes),
        }),
        fc.record({
          field: fc.integer({ min: 1000, max: 5000 }),
          wireType: fc.constant(1),
          bytes: fc.uint8Array({ minLength: 8, maxLength: 8 }),
        }),
        fc.record({ field: fc.integer({ min: 1000, max: 5000 }), wireType: fc.constant(2), bytes }),
        fc.record({
          field: fc.integer({ min: 1000, max: 5000 }),
          wireType: fc.constant(5),
          bytes: fc.uint8Array({ minLength: 4, maxLength: 4 }),
        }),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((a) => a.sort((x, y) => x.field - y.field)),
);

const arbTensor: fc.Arbitrary<TensorProto> = fc.record(
  {
    name: str,
    dataType: fc.integer({ min: 0, max: 16 }),
    dims: fc.array(fc.nat(1 << 20), { maxLength: 4 }),
    rawData: opt(bytes),
    floatData: nonEmpty(fc.float()),
    int32Data: nonEmpty(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    int64Data: nonEmpty(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
    doubleData: nonEmpty(fc.double()),
    uint64Data: nonEmpty(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    stringData: nonEmpty(bytes),
    externalData: nonEmpty(fc.record({ key: str, value: str })),
    dataLocation: opt(fc.constantFrom(0, 1)),
    docString: opt(str),
    unknownFields: arbUnknown,
  },
  { requiredKeys: ['name', 'dataType', 'dims'] },
);

const arbDim: fc.Arbitrary<DimensionProto> = fc.record(
  { dimValue: opt(safeInt), dimParam: opt(str), denotation: opt(str) },
  { requiredKeys: [] },
);

const arbType: fc.Arbitrary<TypeProto> = fc.record(
  {
    tensorType: opt(
      fc.record(
        {
          elemType: fc.integer({ min: 0, max: 23 }),
          shape: opt(fc.record({ dim: fc.array(arbDim, { maxLength: 3 }) })),
        },
        { requiredKeys: ['elemType'] },
      ),
    ),
    denotation: opt(str),
    unknownFields: arbUnknown,
  },
  { requiredKeys: [] },
);

const arbValueInfo: fc.Arbitrary<ValueInfoProto> = fc.record(
  { name: str, type: opt(arbType), docString: opt(str) },
  { requiredKeys: ['name'] },
);

function arbGraphOfDepth(depth: number): fc.Arbitrary<GraphProto> {
  const sub = depth > 0 ? arbGraphOfDepth(depth - 1) : undefined;
  const attr: fc.Arbitrary<AttributeProto> = fc.record(
    {
      name: str,
      type: fc.integer({ min: 0, max: 14 }),
      f: opt(fc.float()),
      i: opt(safeInt),
      s: opt(bytes),
      t: opt(arbTensor),
      ...(sub ? { g: opt(sub), graphs: opt(fc.array(sub, { minLength: 1, maxLength: 2 })) } : {}),
      floats: nonEmpty(fc.float()),
      ints: nonEmpty(safeInt),
      strings: nonEmpty(bytes),
      tensors: nonEmpty(arbTensor),
      refAttrName: opt(str),
      docString: opt(str),
      unknownFields: arbUnknown,
    },
    { requiredKeys: ['name', 'type'] },
  );
  const node: fc.Arbitrary<NodeProto> = fc.record(
    {
      input: fc.array(str, { maxLength: 3 }),
      output: fc.array(str, { maxLength: 3 }),
      name: opt(str),
      opType: str,
      domain: opt(str),
      attribute: fc.array(attr, { maxLength: 2 }),
      docString: opt(str),
      unknownFields: arbUnknown,
    },
    { requiredKeys: ['input', 'output', 'opType', 'attribute'] },
  );
  return fc.record(
    {
      name: str,
      node: fc.array(node, { maxLength: 2 }),
      initializer: fc.array(arbTensor, { maxLength: 2 }),
      input: fc.array(arbValueInfo, { maxLength: 2 }),
      output: fc.array(arbValueInfo, { maxLength: 2 }),
      valueInfo: fc.array(arbValueInfo, { maxLength: 2 }),
      docString: opt(str),
      unknownFields: arbUnknown,
    },
    { requiredKeys: ['name', 'node', 'initializer', 'input', 'output', 'valueInfo'] },
  );
}

const arbGraph = arbGraphOfDepth(2);

const arbModel: fc.Arbitrary<ModelProto> = fc.record(
  {
    irVersion: fc.integer({ min: 0, max: 12 }),
    opsetImport: fc.array(fc.record({ domain: str, version: fc.integer({ min: 0, max: 30 }) }), {
      maxLength: 2,
    }),
    producerName: opt(str),
    producerVersion: opt(str),
    domain: opt(str),
    modelVersion: opt(safeInt),
    docString: opt(str),
    graph: arbGraph,
    metadataProps: nonEmpty(fc.record({ key: str, value: str })),
    unknownFields: arbUnknown,
  },
  { requiredKeys: ['irVersion', 'opsetImport', 'graph'] },
);
