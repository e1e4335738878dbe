import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../exec/compile.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import fixtures from './fixtures/ops.json' with { type: 'json' };
import { Graph } from './graph.js';
import * as ops from './ops/index.js';
import type { Value } from './value.js';

// Every builder op, run on ONNX Runtime and compared with numpy outputs from scripts/op_fixtures.py.
type Build = (g: Graph, xs: Value[]) => Value[];

const builders: Record<string, Build> = {
  Add: (_, [a, b]) => [a.add(b)],
  Sub: (_, [a, b]) => [a.sub(b)],
  Mul: (_, [a, b]) => [a.mul(b)],
  Div: (_, [a, b]) => [a.div(b)],
  Pow: (_, [a, b]) => [a.pow(b)],
  Neg: (_, [a]) => [a.neg()],
  Sqrt: (_, [a]) => [a.sqrt()],
  Reciprocal: (_, [a]) => [a.reciprocal()],
  Exp: (_, [a]) => [a.exp()],
  Log: (_, [a]) => [a.log()],
  Abs: (_, [a]) => [a.abs()],
  Tanh: (_, [a]) => [a.tanh()],
  Sigmoid: (_, [a]) => [a.sigmoid()],
  Relu: (_, [a]) => [a.relu()],
  Erf: (_, [a]) => [a.erf()],
  Gelu: (_, [a]) => [a.gelu()],
  Softplus: (_, [a]) => [a.softplus()],
  Identity: (_, [a]) => [ops.identity(a)],
  MatMul: (_, [a, b]) => [a.matmul(b)],
  MatMulBatched: (_, [a, b]) => [a.matmul(b)],
  MatMulVec: (_, [a, b]) => [a.matmul(b)],
  Gemm: (_, [a, b, c]) => [ops.gemm(a, b, c, { alpha: 0.5, beta: 2, transB: true })],
  Transpose: (_, [a]) => [a.transpose([2, 0, 1])],
  Reshape: (_, [a]) => [a.reshape([-1, 4])],
  Flatten: (_, [a]) => [a.flatten(1)],
  Squeeze: (_, [a]) => [a.squeeze([1])],
  Unsqueeze: (_, [a]) => [a.unsqueeze([1])],
  Concat: (_, [a, b]) => [ops.concat([a, b], 1)],
  Split: (_, [a]) => ops.split(a, [2, 4], 1),
  Slice: (_, [a]) => [a.slice([1, 0], [3, Number.POSITIVE_INFINITY], [0, 1], [1, 2])],
  SliceNeg: (_, [a]) => [a.slice([-3], [Number.POSITIVE_INFINITY], [1])],
  Gather: (_, [a, i]) => [a.gather(i, 0)],
  GatherElements: (_, [a, i]) => [ops.gatherElements(a, i, 1)],
  ScatterElementsAdd: (_, [d, i, u]) => [ops.scatterElements(d, i, u, 1, 'add')],
  Expand: (_, [a]) => [a.expand([2, 3, 4])],
  Tile: (_, [a]) => [ops.tile(a, [2, 3])],
  Where: (_, [c, a, b]) => [ops.where(c, a, b)],
  Equal: (_, [a, b]) => [a.equal(b)],
  Less: (_, [a, b]) => [a.less(b)],
  Greater: (_, [a, b]) => [a.greater(b)],
  Not: (_, [a]) => [ops.not(a)],
  And: (_, [a, b]) => [ops.and(a, b)],
  Or: (_, [a, b]) => [ops.or(a, b)],
  Cast: (_, [a]) => [a.cast('int64')],
  ReduceSum: (_, [a]) => [a.sum([0, 2])],
  ReduceMean: (_, [a]) => [a.mean([-1], true)],
  ReduceMax: (_, [a]) => [a.max([1])],
  ReduceMin: (_, [a]) => [a.min([1, 2])],
  ReduceSumAll: (_, [a]) => [a.sum()],
  Softmax: (_, [a]) => [a.softmax(-1)],
  SoftmaxAxis1: (_, [a]) => [a.softmax(1)],
  LogSoftmax: (_, [a]) => [a.logSoftmax(-1)],
  LayerNormalization: (_, [x, s, b]) => [ops.layerNorm(x, s, b, { epsilon: 1e-5 })],
  TriluLower: (_, [a]) => [ops.trilu(a, { upper: false })],
  TriluUpperK1: (_, [a]) => [ops.trilu(a, { upper: true, k: 1 })],
  CumSum: (_, [a]) => [ops.cumsum(a, 1)],
  CumSumExclusiveReverse: (_, [a]) => [ops.cumsum(a, 1, { exclusive: true, reverse: true })],
  Range: (g) => [ops.range(g.constant(2n, 'int64'), g.constant(11n, 'int64'), g.constant(3n, 'int64'))],
  Shape: (_, [a]) => [ops.shapeOf(a)],
  ConstantOfShape: (g) => [ops.constantOfShape(g.int64s([2, 3]), 1.5, 'float32')],
  Clip: (_, [a]) => [a.clip(-0.5, 0.75)],
  ClipMinOnly: (_, [a]) => [a.clip(0.25)],
  Max: (_, [a, b]) => [a.maximum(b)],
  Min: (_, [a, b]) => [a.minimum(b)],
  OneHot: (_, [i]) => [ops.oneHot(i, 4)],
  TopK: (_, [a]) => ops.topK(a, 3, 1),
  ArgMax: (_, [a]) => [a.argmax(1)],
  Float64Add: (_, [a, b]) => [a.add(b)],
};

interface FixtureTensor {
  dtype: string;
  shape: number[];
  data: number[];
}

function toTensor(f: FixtureTensor): Tensor {
  return Tensor.fromArray(f.data, { dtype: f.dtype as DType, shape: f.shape });
}

const cases = fixtures.cases as { name: string; inputs: FixtureTensor[]; outputs: FixtureTensor[] }[];
const disposers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of disposers) await d();
});

describe('every op against numpy (through ONNX Runtime)', () => {
  it('has a builder for every fixture case and a case for every builder', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });

  for (const c of cases) {
    it(c.name, async () => {
      const g = new Graph(c.name);
      const inputs = c.inputs.map((t, i) => g.input(`x${i}`, t.dtype as DType, t.shape));
      const outs = builders[c.name](g, inputs);
      outs.forEach((o, i) => g.output(`y${i}`, o));
      // Static shape inference must agree with numpy.
      outs.forEach((o, i) => expect(o.shape, `inferred shape of output ${i}`).toEqual(c.outputs[i].shape));
      const f = await compile(g, { intraOpNumThreads: 1 });
      disposers.push(f.dispose);
      const feeds = Object.fromEntries(c.inputs.map((t, i) => [`x${i}`, toTensor(t)]));
      const res = await f(feeds);
      c.outputs.forEach((want, i) => {
        const got = res[`y${i}`];
        expect(got.dtype).toBe(want.dtype);
        expect([...got.shape]).toEqual(want.shape);
        const tol = want.dtype === 'float32' ? 2e-6 : 1e-12;
        const gotNums = got.toNumbers();
        want.data.forEach((w, j) => {
          const diff = Math.abs(gotNums[j] - w);
          if (diff > tol * Math.max(1, Math.abs(w))) {
            throw new Error(`${c.name} output ${i}[${j}]: got ${gotNums[j]}, numpy ${w}`);
          }
        });
      });
    });
  }
});
