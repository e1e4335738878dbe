#!/usr/bin/env python3
"""PyTorch side of packages/runtime/bench/mlp.bench.ts: a GELU MLP forward and a trivial call, timed in-process.

Commands (one JSON line each on stdin, one JSON reply line):
  {"cmd": "info"}                                   -> torch version, threads, matmul GFLOP/s (1024^3)
  {"cmd": "mlp", "batch": 256, "reps": n}           -> ms per forward of x @ W1 + b1 -> GELU -> @ W2 + b2 (no grad)
  {"cmd": "trivial", "reps": n}                     -> ms per call of x + 1 on a one-element tensor
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '2')))
g = torch.Generator().manual_seed(0)
w1, b1 = torch.randn(512, 2048, generator=g) * 0.02, torch.zeros(2048)
w2, b2 = torch.randn(2048, 512, generator=g) * 0.02, torch.zeros(512)


def gflops():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(5):
            a @ b
        best = min(best, (time.perf_counter() - t) / 5)
    return 2 * 1024 ** 3 / best / 1e9


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


for line in sys.stdin:
    cmd = json.loads(line)
    with torch.no_grad():
        if cmd['cmd'] == 'info':
            reply = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'matmulGflops': gflops()}
        elif cmd['cmd'] == 'mlp':
            x = torch.randn(cmd['batch'], 512, generator=g)
            reply = {'ms': timed(lambda: F.gelu(x @ w1 + b1) @ w2 + b2, cmd['reps'])}
        elif cmd['cmd'] == 'trivial':
            x = torch.ones(1)
            reply = {'ms': timed(lambda: x + 1, cmd['reps'])}
        else:
            reply = {'error': f'unknown command {cmd["cmd"]}'}
    sys.stdout.write(json.dumps(reply) + '\n')
    sys.stdout.flush()
