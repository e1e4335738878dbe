#!/usr/bin/env python3
"""Peer timings for bench/advantages.bench.ts: vectorised numpy and torch (TRL-style view(-1, G)) group
advantages on the same problem size. Prints one JSON object {name: median_ms}. Usage: bench_peer.py N G RUNS"""
import json
import sys
import time

import numpy as np

n, G, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
r = rng.integers(0, 2, size=n).astype(np.float64)


def median_ms(fn):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return float(np.median(ts))


def np_grpo():
    v = r.reshape(-1, G)
    return ((v - v.mean(1, keepdims=True)) / (v.std(1, ddof=1, keepdims=True) + 1e-6)).reshape(-1)


def np_rloo():
    v = r.reshape(-1, G)
    return (v - (v.sum(1, keepdims=True) - v) / (G - 1)).reshape(-1)


out = {"numpy grpo": median_ms(np_grpo), "numpy rloo": median_ms(np_rloo)}
try:
    import torch

    torch.set_num_threads(1)
    t = torch.from_numpy(r)

    def torch_grpo():
        v = t.view(-1, G)
        return ((v - v.mean(1, keepdim=True)) / (v.std(1, keepdim=True) + 1e-4)).view(-1)

    def torch_rloo():
        v = t.view(-1, G)
        return (v - (v.sum(1, keepdim=True) - v) / (G - 1)).view(-1)

    out["torch grpo"] = median_ms(torch_grpo)
    out["torch rloo"] = median_ms(torch_rloo)
except ImportError:
    pass
print(json.dumps(out))
