"""Reference values for the float64 composites the graph builder emits (erf, softplus, gelu, layerNorm).

ONNX Runtime's CPU provider has no float64 Erf, Softplus or LayerNormalization kernels, so the builder writes
them as composites; src/graph/autodiff/gradcheck.test.ts checks those composites and their autodiff
derivatives against these scipy/numpy values.

Run from packages/runtime:  python3 scripts/gradcheck_fixtures.py
Writes src/graph/autodiff/fixtures/composites.json.
"""
import json
import os

import numpy as np
from scipy import special

rng = np.random.default_rng(20240611)

# erf: every branch of Cody's approximation, its boundaries, tiny and huge arguments, both signs.
edges = [0.0, 1e-300, 1e-20, 1e-9, 0.1, 0.46875, 0.4687500001, 0.5, 1.0, 2.0, 3.999999, 4.0, 4.0000001,
         5.0, 5.9, 6.5, 9.99, 10.0, 12.0, 27.0, 1e6]
erf_x = sorted(set(edges + [-e for e in edges if e != 0.0] + list(rng.uniform(-7, 7, 60))))
erf_x = np.array(erf_x, dtype=np.float64)
erf_y = special.erf(erf_x)
erf_dy = 2.0 / np.sqrt(np.pi) * np.exp(-erf_x * erf_x)

# softplus = log(1 + e^x): numpy's logaddexp is accurate in both tails; derivative = sigmoid.
sp_x = np.array(sorted(set([-800.0, -745.0, -700.0, -100.0, -40.0, -37.0, -36.0, -30.0, -20.0, -1.0, -1e-8, 0.0,
                             1e-8, 1.0, 20.0, 30.0, 36.0, 37.0, 40.0, 100.0, 800.0] + list(rng.uniform(-50, 50, 40)))))
sp_y = np.logaddexp(0.0, sp_x)
sp_dy = special.expit(sp_x)

# gelu (exact erf form) and its derivative Phi(x) + x phi(x).
ge_x = np.array(sorted(set([-30.0, -8.0, -5.0, -1.0, -0.3, 0.0, 0.3, 1.0, 5.0, 8.0, 30.0] + list(rng.uniform(-9, 9, 40)))))
ge_y = ge_x * special.ndtr(ge_x)
ge_dy = special.ndtr(ge_x) + ge_x * np.exp(-0.5 * ge_x * ge_x) / np.sqrt(2 * np.pi)


def layer_norm(x, scale, bias, axis, eps):
    axes = tuple(range(axis, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps) * scale
    return y + bias if bias is not None else y


ln_cases = []
for name, shape, axis, pshape, with_bias, eps in [
    ('last_axis_bias', (2, 3, 5), -1, (5,), True, 1e-5),
    ('axis1_no_bias', (2, 3, 4), 1, (3, 4), False, 1e-3),
    ('axis1_bias_broadcast_scale', (3, 2, 4), 1, (4,), True, 1e-5),
]:
    x = rng.normal(0.5, 2.0, shape)
    scale = rng.normal(1.0, 0.5, pshape)
    bias = rng.normal(0.0, 1.0, pshape) if with_bias else None
    a = axis % len(shape)
    ln_cases.append({
        'name': name, 'axis': axis, 'epsilon': eps,
        'x': {'shape': list(shape), 'data': x.ravel().tolist()},
        'scale': {'shape': list(pshape), 'data': scale.ravel().tolist()},
        'bias': None if bias is None else {'shape': list(pshape), 'data': bias.ravel().tolist()},
        'y': layer_norm(x, scale, bias, a, eps).ravel().tolist(),
    })

out = {
    'generator': 'scripts/gradcheck_fixtures.py (numpy %s, scipy %s)' % (np.__version__, __import__('scipy').__version__),
    'erf': {'x': erf_x.tolist(), 'y': erf_y.tolist(), 'dy': erf_dy.tolist()},
    'softplus': {'x': sp_x.tolist(), 'y': sp_y.tolist(), 'dy': sp_dy.tolist()},
    'gelu': {'x': ge_x.tolist(), 'y': ge_y.tolist(), 'dy': ge_dy.tolist()},
    'layerNorm': ln_cases,
}
path = os.path.join(os.path.dirname(__file__), '..', 'src', 'graph', 'autodiff', 'fixtures', 'composites.json')
tmp = path + '.tmp'
with open(tmp, 'w') as f:
    json.dump(out, f, indent=1)
os.replace(tmp, path)
print('wrote', os.path.normpath(path))
