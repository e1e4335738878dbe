import { compile, type Feeds, type Graph, Tensor, type Value } from '@proj/runtime';

/**
 * Compile `g` with the given outputs (one intra-op thread: fastest for tiny graphs), run it once on `feeds`
 * and return every output as a Float64Array (the session is released afterwards).
 */
export async function evaluate(
  g: Graph,
  outputs: Record<string, Value>,
  feeds: Feeds,
): Promise<Record<string, Float64Array>> {
  const f = await compile(g, { outputs, intraOpNumThreads: 1 });
  try {
    const out = await f(feeds);
    return Object.fromEntries(
      Object.entries(out).map(([k, t]) => [k, Float64Array.from(t.data as Float64Array)]),
    );
  } finally {
    await f.dispose();
  }
}

/** A float64 tensor of `shape` from a flat list. */
export function f64(values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return new Tensor('float64', Float64Array.from(values), shape);
}

/** A float32 tensor of `shape` from a flat list. */
export function f32(values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return new Tensor('float32', Float32Array.from(values), shape);
}

/** An int64 tensor of `shape` from a flat list of integers. */
export function i64(values: ArrayLike<number>, shape: readonly number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), shape);
}
