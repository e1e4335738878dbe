import { describe, expect, it } from 'vitest';
import { GraphBuildError } from './errors.js';
import { Graph } from './graph.js';
import * as ops from './ops/index.js';
import { broadcastShapes, divDims, mulDims } from './shape.js';

describe('symbolic dims', () => {
  it('multiplies and divides monomials', () => {
    expect(mulDims(['batch', 'seq', 4])).toBe('4*batch*seq');
    expect(divDims('4*batch*seq', 'seq')).toBe('4*batch');
    expect(divDims('batch*seq', 4)).toBeUndefined();
    expect(mulDims([2, 3])).toBe(6);
  });

  it('broadcasts numbers against symbols', () => {
    expect(broadcastShapes('Add', ['b', 1, 4], [3, 1])).toEqual(['b', 3, 4]);
    expect(broadcastShapes('Add', ['b', 's'], [1, 8])).toEqual(['b', 8]);
    expect(() => broadcastShapes('Add', [2, 3], [4, 3])).toThrow(
      /cannot broadcast shapes \[2, 3\] and \[4, 3\]/,
    );
  });
});

describe('shape inference with symbolic shapes', () => {
  const g = new Graph('t');
  const x = g.input('x', 'float32', ['batch', 'seq', 256]);
  const w = g.param('w', [256, 768], { seed: 1 });

  it('matmul keeps batch dims and checks the inner dim', () => {
    expect(x.matmul(w).shape).toEqual(['batch', 'seq', 768]);
    const bad = g.param('bad', [128, 4]);
    expect(() => x.matmul(bad)).toThrow(GraphBuildError);
    expect(() => x.matmul(bad)).toThrow(/MatMul: inner dimensions differ: \[batch, seq, 256\] x \[128, 4\]/);
  });

  it('reshape infers -1 and copies 0 through symbols', () => {
    expect(x.reshape([0, 0, 8, 32]).shape).toEqual(['batch', 'seq', 8, 32]);
    expect(x.reshape([-1, 256]).shape).toEqual(['batch*seq', 256]);
    expect(x.reshape([-1, 256]).reshape([0, 4, 64]).shape).toEqual(['batch*seq', 4, 64]);
    expect(() => x.reshape([-1, -1])).toThrow(/more than one -1/);
    const s = g.input('s', 'float32', [6, 4]);
    expect(() => s.reshape([5, -1])).toThrow(/cannot reshape \[6, 4\]/);
  });

  it('split / concat / slice / gather', () => {
    const [q, k, v] = ops.split(x.matmul(w), 3, -1);
    expect(q.shape).toEqual(['batch', 'seq', 256]);
    expect(ops.concat([k, v], -1).shape).toEqual(['batch', 'seq', 512]);
    expect(ops.concat([k, k], 1).shape).toEqual(['batch', '(seq+seq)', 256]);
    expect(x.slice([0], [64], [1]).shape).toEqual(['batch', 64, 256]);
    expect(x.slice([0], [Number.POSITIVE_INFINITY], [1]).shape).toEqual(['batch', 'seq', 256]);
    const ids = g.input('ids', 'int64', ['batch', 'seq']);
    const table = g.param('emb', [1000, 256]);
    expect(table.gather(ids).shape).toEqual(['batch', 'seq', 256]);
    expect(() => table.gather(x)).toThrow(/indices must be int32 or int64/);
  });

  it('reductions, softmax, topK, argmax, oneHot', () => {
    expect(x.sum([-1], true).shape).toEqual(['batch', 'seq', 1]);
    expect(x.mean([1]).shape).toEqual(['batch', 256]);
    expect(x.max().shape).toEqual([]);
    expect(() => x.sum([3])).toThrow(/axis 3 is out of range for a rank-3 input/);
    const [vals, idx] = ops.topK(x, 5, -1);
    expect(vals.shape).toEqual(['batch', 'seq', 5]);
    expect(idx.dtype).toBe('int64');
    expect(() => ops.topK(x, 300, -1)).toThrow(/k = 300 exceeds axis 2/);
    expect(x.argmax(-1).shape).toEqual(['batch', 'seq']);
    const labels = g.input('labels', 'int64', ['batch']);
    expect(ops.oneHot(labels, 10).shape).toEqual(['batch', 10]);
  });

  it('dtype errors name the op and the fix', () => {
    const ids = g.input('ids2', 'int64', ['batch']);
    expect(() => ids.exp()).toThrow(
      /Exp: needs a floating-point operand, got int64\[batch\]; cast\(\) it first/,
    );
    const y = g.input('y64', 'float64', ['batch', 'seq', 256]);
    expect(() => x.add(y)).toThrow(/Add: operands have different dtypes/);
    expect(() => ops.where(x, x, x)).toThrow(/condition must be bool/);
  });

  it('transpose / squeeze / unsqueeze / expand / tile checks', () => {
    expect(x.transpose([0, 2, 1]).shape).toEqual(['batch', 256, 'seq']);
    expect(() => x.transpose([0, 0, 1])).toThrow(/not a permutation/);
    expect(x.unsqueeze([1]).shape).toEqual(['batch', 1, 'seq', 256]);
    expect(() => x.squeeze([2])).toThrow(/has size 256, not 1/);
    const b = g.param('bias', [256]);
    expect(b.expand([4, 256]).shape).toEqual([4, 256]);
    expect(ops.tile(b.unsqueeze([0]), [3, 2]).shape).toEqual([3, 512]);
  });

  it('layerNorm checks scale shape; gemm checks transposed dims', () => {
    const gamma = g.param('gamma', [256], { init: 'ones' });
    expect(ops.layerNorm(x, gamma).shape).toEqual(['batch', 'seq', 256]);
    const wrong = g.param('gamma2', [128], { init: 'ones' });
    expect(() => ops.layerNorm(x, wrong)).toThrow(/must match the normalised axes/);
    const a = g.input('a', 'float32', [3, 5]);
    const bb = g.input('bb', 'float32', [4, 5]);
    expect(ops.gemm(a, bb, undefined, { transB: true }).shape).toEqual([3, 4]);
    expect(() => ops.gemm(a, bb)).toThrow(/Gemm: inner dimensions differ/);
  });
});

describe('Graph bookkeeping', () => {
  it('rejects duplicate names and foreign values', () => {
    const g = new Graph('a');
    g.input('x', 'float32', [2]);
    expect(() => g.input('x', 'float32', [2])).toThrow(/already used/);
    const h = new Graph('b');
    const y = h.input('y', 'float32', [2]);
    const x2 = g.input('x2', 'float32', [2]);
    expect(() => x2.add(y)).toThrow(/different graphs/);
  });

  it('initialises parameters deterministically', () => {
    const g1 = new Graph();
    const g2 = new Graph();
    g1.param('w', [4, 4], { init: 'xavier', seed: 3 });
    g2.param('w', [4, 4], { init: 'xavier', seed: 3 });
    expect(g1.params.get('w')!.data.data).toEqual(g2.params.get('w')!.data.data);
    const bound = Math.sqrt(6 / 8);
    for (const v of g1.params.get('w')!.data.toNumbers()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
  });

  it('shares scalar constants', () => {
    const g = new Graph();
    expect(g.constant(2)).toBe(g.constant(2));
    expect(g.constant(2)).not.toBe(g.constant(2, 'float64'));
  });
});
