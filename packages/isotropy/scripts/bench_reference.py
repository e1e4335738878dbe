#!/usr/bin/python3
"""numpy peer for bench/isotropy.bench.ts: semantic isotropy on the same embeddings, timed the same way.

Usage: bench_reference.py <embeddings.json> <reps>   (prints one JSON object: value, median_ms, p90_ms)
"""
import json
import math
import sys
import time

import numpy as np

EPS = 1e-3


def semantic_isotropy(E):
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    K = U @ U.T
    n = K.shape[0]
    lam = np.clip(np.linalg.eigvalsh((K + EPS * np.eye(n)) / n), 0.0, None)
    nz = lam[lam > 0]
    return min(1.0, max(0.0, float(-(nz * np.log(nz)).sum()) / math.log(n)))


def main():
    with open(sys.argv[1]) as f:
        E = np.asarray(json.load(f), dtype=np.float32)  # float32 like the embedder output
    reps = int(sys.argv[2])
    for _ in range(50):
        semantic_isotropy(E)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        semantic_isotropy(E)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"value": semantic_isotropy(E.astype(np.float64)), "median_ms": times[len(times) // 2],
                      "p90_ms": times[int(len(times) * 0.9)], "numpy": np.__version__}))


if __name__ == "__main__":
    main()
