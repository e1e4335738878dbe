#!/usr/bin/env python3
"""Reference outputs for every graph-builder op, computed with numpy/scipy (independent of ONNX Runtime).

Writes src/graph/fixtures/ops.json: a list of cases {name, inputs: [{dtype, shape, data}], outputs: [...]}.
The TypeScript test (src/graph/ops.test.ts) builds each case with the builder, runs it on ONNX Runtime and
compares. Run: /usr/bin/python3 packages/runtime/scripts/op_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy.special import erf

rng = np.random.default_rng(20261126)
cases = []


def t(a):
    a = np.asarray(a)
    dt = {np.float32: 'float32', np.float64: 'float64', np.int64: 'int64', np.int32: 'int32', np.bool_: 'bool',
          np.uint8: 'uint8'}[a.dtype.type]
    data = a.reshape(-1).tolist()
    if dt == 'bool':
        data = [1 if x else 0 for x in data]
    return {'dtype': dt, 'shape': list(a.shape), 'data': data}


def case(name, inputs, outputs, **extra):
    cases.append({'name': name, 'inputs': [t(x) for x in inputs], 'outputs': [t(y) for y in outputs], **extra})


def f32(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


a, b = f32(3, 4), f32(4)
case('Add', [a, b], [a + b])
case('Sub', [a, b], [a - b])
case('Mul', [a, b], [a * b])
bp = f32(4, lo=0.5, hi=2.0)
case('Div', [a, bp], [a / bp])
pa = f32(3, 4, lo=0.1, hi=2.0)
case('Pow', [pa, b], [np.power(pa, b).astype(np.float32)])
case('Neg', [a], [-a])
pos = f32(3, 4, lo=0.1, hi=3.0)
case('Sqrt', [pos], [np.sqrt(pos)])
case('Reciprocal', [pos], [1 / pos])
case('Exp', [a], [np.exp(a)])
case('Log', [pos], [np.log(pos)])
case('Abs', [a], [np.abs(a)])
case('Tanh', [a], [np.tanh(a)])
case('Sigmoid', [a], [(1 / (1 + np.exp(-a))).astype(np.float32)])
case('Relu', [a], [np.maximum(a, 0)])
case('Erf', [a], [erf(a).astype(np.float32)])
case('Gelu', [a], [(0.5 * a * (1 + erf(a / math.sqrt(2)))).astype(np.float32)])
case('Softplus', [a], [np.log1p(np.exp(a)).astype(np.float32)])
case('Identity', [a], [a])
m1, m2 = f32(2, 3, 5), f32(5, 4)
case('MatMul', [m1, m2], [m1 @ m2])
bm1, bm2 = f32(2, 1, 3, 5), f32(3, 5, 2)
case('MatMulBatched', [bm1, bm2], [bm1 @ bm2])
v1 = f32(5)
case('MatMulVec', [m2.T.copy(), v1], [m2.T @ v1])
ga, gb, gc = f32(3, 5), f32(4, 5), f32(4)
case('Gemm', [ga, gb, gc], [(0.5 * ga @ gb.T + 2.0 * gc).astype(np.float32)], alpha=0.5, beta=2.0)
x4 = f32(2, 3, 4)
case('Transpose', [x4], [np.transpose(x4, (2, 0, 1)).copy()])
case('Reshape', [x4], [x4.reshape(6, 4)])
case('Flatten', [x4], [x4.reshape(2, 12)])
s1 = f32(2, 1, 4)
case('Squeeze', [s1], [s1.reshape(2, 4)])
case('Unsqueeze', [a], [a.reshape(3, 1, 4)])
c1, c2 = f32(2, 3), f32(2, 2)
case('Concat', [c1, c2], [np.concatenate([c1, c2], axis=1)])
sp = f32(2, 6)
case('Split', [sp], [sp[:, :2].copy(), sp[:, 2:].copy()])
sl = f32(4, 6)
case('Slice', [sl], [sl[1:3, ::2].copy()])
case('SliceNeg', [sl], [sl[:, -3:].copy()])
emb = f32(5, 3)
idx = np.array([[0, 4], [2, 2]], dtype=np.int64)
case('Gather', [emb, idx], [emb[idx]])
ge_idx = np.array([[2, 0, 1], [1, 1, 0]], dtype=np.int64)
ge_x = f32(2, 3)
case('GatherElements', [ge_x, ge_idx], [np.take_along_axis(ge_x, ge_idx, axis=1)])
se_data = np.zeros((2, 4), dtype=np.float32)
se_idx = np.array([[1, 1, 3], [0, 2, 2]], dtype=np.int64)
se_upd = f32(2, 3)
se_out = se_data.copy()
for i in range(2):
    for j in range(3):
        se_out[i, se_idx[i, j]] += se_upd[i, j]
case('ScatterElementsAdd', [se_data, se_idx, se_upd], [se_out])
ex = f32(3, 1)
case('Expand', [ex], [np.broadcast_to(ex, (2, 3, 4)).copy()])
case('Tile', [c1], [np.tile(c1, (2, 3))])
w1, w2, w3 = f32(3, 4), f32(3, 4), f32(3, 4)
cond = w1 > 0
case('Where', [cond, w2, w3], [np.where(cond, w2, w3)])
case('Equal', [np.array([1, 2, 3], np.int64), np.array([1, 0, 3], np.int64)], [np.array([True, False, True])])
case('Less', [w1, w2], [w1 < w2])
case('Greater', [w1, w2], [w1 > w2])
bb1, bb2 = w1 > 0, w2 > 0
case('Not', [bb1], [~bb1])
case('And', [bb1, bb2], [bb1 & bb2])
case('Or', [bb1, bb2], [bb1 | bb2])
case('Cast', [a], [a.astype(np.int64)])
case('ReduceSum', [x4], [x4.sum(axis=(0, 2))])
case('ReduceMean', [x4], [x4.mean(axis=-1, keepdims=True)])
case('ReduceMax', [x4], [x4.max(axis=1)])
case('ReduceMin', [x4], [x4.min(axis=(1, 2))])
case('ReduceSumAll', [x4], [np.array(x4.sum(), dtype=np.float32)])


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


case('Softmax', [x4], [softmax(x4, -1).astype(np.float32)])
case('SoftmaxAxis1', [x4], [softmax(x4, 1).astype(np.float32)])
case('LogSoftmax', [x4], [np.log(softmax(x4.astype(np.float64), -1)).astype(np.float32)])
ln_x, ln_s, ln_b = f32(2, 3, 8), f32(8), f32(8)
mu = ln_x.mean(-1, keepdims=True)
var = ln_x.var(-1, keepdims=True)
case('LayerNormalization', [ln_x, ln_s, ln_b], [((ln_x - mu) / np.sqrt(var + 1e-5) * ln_s + ln_b).astype(np.float32)])
tri = f32(4, 4)
case('TriluLower', [tri], [np.tril(tri)])
case('TriluUpperK1', [tri], [np.triu(tri, 1)])
cs = f32(3, 4)
case('CumSum', [cs], [np.cumsum(cs, axis=1)])
case('CumSumExclusiveReverse', [cs], [(np.cumsum(cs[:, ::-1], axis=1)[:, ::-1] - cs)])
case('Range', [], [np.arange(2, 11, 3, dtype=np.int64)])
case('Shape', [x4], [np.array(x4.shape, dtype=np.int64)])
case('ConstantOfShape', [], [np.full((2, 3), 1.5, dtype=np.float32)])
case('Clip', [a], [np.clip(a, -0.5, 0.75)])
case('ClipMinOnly', [a], [np.maximum(a, 0.25)])
case('Max', [w1, w2], [np.maximum(w1, w2)])
case('Min', [w1, w2], [np.minimum(w1, w2)])
oh = np.array([[0, 3], [2, 1]], dtype=np.int64)
case('OneHot', [oh], [np.eye(4, dtype=np.float32)[oh]])
tk = f32(3, 6)
order = np.argsort(-tk, axis=1, kind='stable')[:, :3]
case('TopK', [tk], [np.take_along_axis(tk, order, axis=1), order.astype(np.int64)])
case('ArgMax', [tk], [np.argmax(tk, axis=1).astype(np.int64)])
case('Float64Add', [a.astype(np.float64), b.astype(np.float64)], [(a.astype(np.float64) + b.astype(np.float64))])

out = os.path.join(os.path.dirname(__file__), '..', 'src', 'graph', 'fixtures', 'ops.json')
with open(out, 'w') as fh:
    json.dump({'generator': 'packages/runtime/scripts/op_fixtures.py', 'numpy': np.__version__, 'cases': cases}, fh)
print(f'wrote {len(cases)} cases to {os.path.normpath(out)}')
