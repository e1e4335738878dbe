#!/usr/bin/env python3
"""Reference outputs for the eager CPU kernels (src/kernels), computed with numpy / scipy.

Writes src/kernels/fixtures/kernels.json: {name: {inputs..., outputs...}} where every array is
{dtype, shape, data} with data flattened row-major; non-finite numbers are the strings "Infinity", "-Infinity",
"NaN" (JSON has no literals for them). The TypeScript tests (src/kernels/*.test.ts) load it through
src/kernels/fixtures/load.ts. Run from the repo root: /usr/bin/python3 packages/runtime/scripts/kernel_fixtures.py
"""
import json
import math
import os

import numpy as np
from scipy.special import log_softmax, logsumexp, softmax
from scipy.stats import chi2

rng = np.random.default_rng(20260417)
out = {}


def num(x):
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def arr(a):
    a = np.asarray(a)
    dt = {np.float32: 'float32', np.float64: 'float64', np.int64: 'int32', np.int32: 'int32'}[a.dtype.type]
    data = [int(v) for v in a.reshape(-1)] if dt == 'int32' else [num(v) for v in a.reshape(-1)]
    return {'dtype': dt, 'shape': list(a.shape), 'data': data}


def case(name, **arrays_and_params):
    out[name] = {k: (arr(v) if isinstance(v, np.ndarray) else v) for k, v in arrays_and_params.items()}


def normal(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


# matmul: plain, float32, batched with broadcasting, [..., m, k] x [k, n]
a, b = normal(3, 4), normal(4, 5)
case('matmul_2d', a=a, b=b, out=a @ b)
a, b = normal(5, 7, dtype=np.float32), normal(7, 3, dtype=np.float32)
case('matmul_f32', a=a, b=b, out=np.matmul(a, b))
a, b = normal(2, 1, 3, 4), normal(3, 4, 2)
case('matmul_broadcast', a=a, b=b, out=np.matmul(a, b))
a, b = normal(2, 3, 4), normal(4, 2)
case('matmul_xw', a=a, b=b, out=np.matmul(a, b))
a, b = normal(9, 13), normal(13, 6)  # odd sizes exercise every remainder loop of the 4x4 tiling
case('matmul_odd', a=a, b=b, out=a @ b)

# transpose
x = normal(2, 3, 4)
case('transpose_perm', x=x, perm=[1, 2, 0], out=np.transpose(x, (1, 2, 0)))
case('transpose_default', x=x, out=np.transpose(x))

# row normalisation and Gram matrices (row 2 is zero: stays zero / zero row+column of the cosine Gram)
x = normal(4, 3)
x[2] = 0
norms = np.linalg.norm(x, axis=1, keepdims=True)
unit = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
case('l2_normalize', x=x, out=unit)
x = normal(5, 6)
case('gram', x=x, out=x @ x.T)
u = x / np.linalg.norm(x, axis=1, keepdims=True)
case('gram_cosine', x=x, out=u @ u.T)

# softmax family: masked (-inf) entries, large logits, and a middle axis
x = normal(3, 5) * 3
x[1, [0, 3]] = -np.inf
x[2] += 1000.0
case('softmax_last', x=x, softmax=softmax(x, axis=-1), log_softmax=log_softmax(x, axis=-1),
     logsumexp=logsumexp(x, axis=-1))
x = normal(4, 3, 2)
case('softmax_axis1', x=x, softmax=softmax(x, axis=1), log_softmax=log_softmax(x, axis=1),
     logsumexp=logsumexp(x, axis=1), logsumexp_keep=logsumexp(x, axis=1, keepdims=True))

# argmax / top-k on small integers (many ties); numpy's stable argsort defines the tie order
x = rng.integers(0, 4, size=(4, 6)).astype(np.float64)
case('argmax', x=x, last=np.argmax(x, axis=-1).astype(np.int32), first=np.argmax(x, axis=0).astype(np.int32))
x = rng.integers(-3, 4, size=(3, 8)).astype(np.float32)
desc = np.argsort(-x, axis=-1, kind='stable')[:, :3]
asc = np.argsort(x, axis=-1, kind='stable')[:, :3]
case('topk', x=x, k=3,
     largest_indices=desc.astype(np.int32), largest_values=np.take_along_axis(x, desc, axis=-1),
     smallest_indices=asc.astype(np.int32), smallest_values=np.take_along_axis(x, asc, axis=-1))
x = normal(4, 5, 3)
idx = np.argsort(-x, axis=1, kind='stable')[:, :2, :]
case('topk_axis1', x=x, k=2, indices=idx.astype(np.int32), values=np.take_along_axis(x, idx, axis=1))

# reductions
x = normal(3, 4, 5) + 10.0
case('reduce', x=x,
     sum_all=np.array(x.sum()), sum_1=x.sum(axis=1), sum_02=x.sum(axis=(0, 2)),
     mean_all=np.array(x.mean()), mean_last_keep=x.mean(axis=-1, keepdims=True), mean_02=x.mean(axis=(0, 2)),
     var_all=np.array(x.var()), var_1=x.var(axis=1), var_1_ddof1=x.var(axis=1, ddof=1),
     var_02_ddof1=x.var(axis=(0, 2), ddof=1))

# symmetric eigendecomposition
m = normal(6, 6)
s = (m + m.T) / 2
w, v = np.linalg.eigh(s)
case('eigh_6', a=s, values=w, vectors=v)
m = normal(30, 30)
s = m @ m.T / 30 - np.eye(30)
case('eigh_30', a=s, values=np.linalg.eigvalsh(s))
e = normal(20, 64)
e /= np.linalg.norm(e, axis=1, keepdims=True)
k = e @ e.T
case('eigh_cosine_gram', rows=e, gram=k, values=np.linalg.eigvalsh(k))

# chi-square critical values (upper 0.1% tail) for the sampling frequency tests, df = 1..10
out['chi2_999'] = {'df': list(range(1, 11)), 'critical': [float(chi2.ppf(0.999, df)) for df in range(1, 11)]}

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, '..', 'src', 'kernels', 'fixtures', 'kernels.json')
tmp = path + '.tmp'
with open(tmp, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
    f.write('\n')
os.replace(tmp, path)
print(f'wrote {len(out)} cases to {os.path.relpath(path)}')
