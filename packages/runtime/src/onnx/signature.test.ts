import { describe, expect, it } from 'vitest';
import { decodeModel } from './codec.js';
import { fixtureBytes, pySummary } from './fixtures/summarize.js';
import { modelInitializers, modelSignature, onnxElementType } from './signature.js';
import type { ModelProto } from './types.js';

describe('modelSignature', () => {
  it('reads the torch export: dynamic batch as a symbol', () => {
    expect(modelSignature(decodeModel(fixtureBytes('torch_mlp.onnx')))).toEqual({
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 8] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 4] }],
    });
  });

  it('matches the IO python reports for the rich model (scalar, unknown dim)', () => {
    const g = pySummary().models['rich.onnx'].graph as {
      inputs: { name: string; shape: unknown }[];
      outputs: { name: string; shape: unknown }[];
    };
    const sig = modelSignature(decodeModel(fixtureBytes('rich.onnx')));
    expect(sig.inputs.map((v) => [v.name, v.shape])).toEqual(g.inputs.map((v) => [v.name, v.shape]));
    expect(sig.outputs.map((v) => [v.name, v.shape])).toEqual(g.outputs.map((v) => [v.name, v.shape]));
    expect(sig.inputs.map((v) => v.dtype)).toEqual(['float32', 'bool']);
    expect(sig.outputs.find((v) => v.name === 'fn_out')!.shape).toEqual([null, 3]);
  });

  it('leaves out inputs that are initializers; non-tensor and rank-unknown values get null', () => {
    const model: ModelProto = {
      irVersion: 3,
      opsetImport: [{ domain: '', version: 9 }],
      graph: {
        name: 'g',
        node: [],
        initializer: [{ name: 'w', dataType: 1, dims: [1], floatData: [1] }],
        input: [
          { name: 'x', type: { tensorType: { elemType: 16 } } },
          { name: 'w', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } },
          { name: 'seq', type: { unknownFields: [{ field: 4, wireType: 2, bytes: new Uint8Array() }] } },
        ],
        output: [{ name: 'y' }],
        valueInfo: [],
      },
    };
    expect(modelSignature(model)).toEqual({
      inputs: [
        { name: 'x', dtype: 'bfloat16', shape: null },
        { name: 'seq', dtype: null, shape: null },
      ],
      outputs: [{ name: 'y', dtype: null, shape: null }],
    });
  });

  it('names ONNX element types', () => {
    expect([1, 2, 3, 6, 7, 9, 10, 11, 8, 16, 23].map(onnxElementType)).toEqual([
      'float32',
      'uint8',
      'int8',
      'int32',
      'int64',
      'bool',
      'float16',
      'float64',
      'string',
      'bfloat16',
      'float4e2m1',
    ]);
    expect(onnxElementType(0)).toBeNull();
    expect(onnxElementType(999)).toBeNull();
  });
});

describe('modelInitializers', () => {
  it('returns the weights with the values python reads', () => {
    const weights = modelInitializers(decodeModel(fixtureBytes('torch_mlp.onnx')));
    const py = (
      pySummary().models['torch_mlp.onnx'].graph as {
        initializers: { name: string; dims: number[]; values: number[] }[];
      }
    ).initializers;
    expect([...weights.keys()]).toEqual(py.map((t) => t.name));
    for (const t of py) {
      const w = weights.get(t.name)!;
      expect(w.shape).toEqual(t.dims);
      expect(Array.from(w.data as Float32Array)).toEqual(t.values);
    }
  });

  it('names external tensors that need readExternal', () => {
    expect(() => modelInitializers(decodeModel(fixtureBytes('torch_mlp_ext.onnx')))).toThrow(
      /'fc1.weight' keeps its data in external file 'torch_mlp_ext.data'; load the model with loadModel/,
    );
  });
});
