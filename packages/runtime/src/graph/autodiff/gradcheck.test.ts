import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../exec/compile.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { GraphBuildError } from '../errors.js';
import { Graph } from '../graph.js';
import * as ops from '../ops/index.js';
import type { Shape } from '../shape.js';
import type { Value } from '../value.js';
import fixtures from './fixtures/composites.json' with { type: 'json' };
import { grad } from './grad.js';
import {
  type GradCheckBuild,
  GradCheckError,
  type GradCheckOptions,
  type GradCheckReference,
  type GradCheckResult,
  gradCheck,
  relativeError,
} from './gradcheck.js';
import { gradientRule, registerGradient } from './rules.js';

// Every gradient rule against central finite differences (gradcheck.ts): float64 graphs must agree to 1e-6
// (the bound; observed ~1e-9). Each case also runs with float32 inputs, checking the float32 graph's
// own rules and kernels against float64 differences: float32 rounding (eps 6e-8) through a handful of ops and
// sums of a few terms gives ~1e-6 relative, so 1e-4 leaves two orders of margin while a wrong rule is off by
// O(1). Inputs stay away from kinks; the tie rules are checked directly at the end.
const F64_TOL = 1e-6;
const F32_TOL = 1e-4;
const INF = Number.POSITIVE_INFINITY;

// ---- inputs ----
type F64 = Tensor<'float64'>;

function uniform(shape: readonly number[], seed: number, low = -2, high = 2): F64 {
  return Tensor.rand(shape, { seed, low, high, dtype: 'float64' });
}
/** |x| in [low, high] with random signs: no value within h of 0 (Relu, Abs, Reciprocal). */
function awayFromZero(shape: readonly number[], seed: number, low = 0.3, high = 2): F64 {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++)
    t.data[i] = (rng.uniform() < 0.5 ? -1 : 1) * (low + (high - low) * rng.uniform());
  return t;
}
/** Multiples of 0.25 shifted by `offset`: two lattices with different offsets never tie (Max, Min). */
function lattice(shape: readonly number[], seed: number, offset: number): F64 {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = 0.25 * Math.floor(rng.uniform() * 17 - 8) + offset;
  return t;
}
/** Distinct values at least 0.3 apart, shuffled (ReduceMax, TopK: no ties). */
function distinct(shape: readonly number[], seed: number): F64 {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape, 'float64');
  const n = t.size;
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.37 + 0.01);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  t.data.set(vals);
  return t;
}
function f64(values: number[], shape?: readonly number[]): F64 {
  return Tensor.fromArray(values, { dtype: 'float64', shape });
}
function i64(values: number[], shape?: readonly number[]): Tensor<'int64'> {
  return Tensor.fromArray(
    values.map((v) => BigInt(v)),
    { dtype: 'int64', shape },
  );
}
function i32(values: number[], shape?: readonly number[]): Tensor<'int32'> {
  return Tensor.fromArray(values, { dtype: 'int32', shape });
}
function bools(shape: readonly number[], seed: number): Tensor<'bool'> {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape, 'bool');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform() < 0.5 ? 1 : 0;
  return t;
}
function toFloat32(inputs: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(inputs)) out[k] = t.dtype === 'float64' ? t.cast('float32') : t;
  return out;
}

// ---- checking ----
const observed = { f64: 0, f32: 0 };

function explain(r: GradCheckResult): string {
  return `errors ${JSON.stringify(r.errors)}; worst ${JSON.stringify(r.worst)}`;
}

/** The check must not pass vacuously: some gradient element of every checked input is non-zero. */
function expectNonTrivial(r: GradCheckResult): void {
  for (const [name, a] of Object.entries(r.analytic)) {
    expect(
      a.some((v) => Math.abs(v) > 1e-3),
      `gradient of '${name}' is all zero`,
    ).toBe(true);
  }
}

interface CheckOptions extends GradCheckOptions {
  /** Also run with float32 inputs (default true). */
  float32?: boolean;
  /** Allow all-zero gradients for these inputs. */
  zeroOk?: boolean;
}

async function check(
  build: GradCheckBuild,
  inputs: Record<string, Tensor>,
  options: CheckOptions = {},
): Promise<void> {
  const { float32 = true, zeroOk = false, ...gc } = options;
  const r64 = await gradCheck(build, inputs, gc);
  expect(r64.maxError, explain(r64)).toBeLessThan(F64_TOL);
  if (!zeroOk) expectNonTrivial(r64);
  observed.f64 = Math.max(observed.f64, r64.maxError);
  if (float32) {
    const r32 = await gradCheck(build, toFloat32(inputs), gc);
    expect(r32.maxError, explain(r32)).toBeLessThan(F32_TOL);
    observed.f32 = Math.max(observed.f32, r32.maxError);
  }
}

interface Case {
  name: string;
  build: GradCheckBuild;
  inputs: () => Record<string, Tensor>;
  options?: CheckOptions;
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) it(c.name, () => check(c.build, c.inputs(), c.options));
}

// ---- random shapes with broadcasting (fast-check) ----
interface OperandSpec {
  drop: number;
  ones: boolean[];
}
const outDims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 });
const operand = fc.record({
  drop: fc.nat({ max: 3 }),
  ones: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
});
/** An operand shape that broadcasts to `out`: some leading axes dropped, some axes set to 1. */
function derive(out: readonly number[], o: OperandSpec): number[] {
  return out.slice(Math.min(o.drop, out.length)).map((d, i) => (o.ones[i] ? 1 : d));
}
const broadcastPair = fc
  .tuple(outDims, operand, operand)
  .map(([out, a, b]) => [derive(out, a), derive(out, b)] as const);
const broadcastTriple = fc
  .tuple(outDims, operand, operand, operand)
  .map(([out, c, a, b]) => [derive(out, c), derive(out, a), derive(out, b)] as const);
const seedArb = fc.integer({ min: 0, max: 1_000_000 });
const FC = { numRuns: 8, seed: 20240611 };

type Gen = (shape: readonly number[], seed: number) => F64;
const binaryOps: [string, (a: Value, b: Value) => Value, Gen, Gen][] = [
  ['Add', (a, b) => a.add(b), (s, k) => uniform(s, k), (s, k) => uniform(s, k)],
  ['Sub', (a, b) => a.sub(b), (s, k) => uniform(s, k), (s, k) => uniform(s, k)],
  ['Mul', (a, b) => a.mul(b), (s, k) => uniform(s, k), (s, k) => uniform(s, k)],
  ['Div', (a, b) => a.div(b), (s, k) => uniform(s, k), (s, k) => awayFromZero(s, k, 0.5, 2)],
  ['Pow', (a, b) => a.pow(b), (s, k) => uniform(s, k, 0.5, 2), (s, k) => uniform(s, k, -2, 2)],
  ['Max', (a, b) => a.maximum(b), (s, k) => lattice(s, k, 0.05), (s, k) => lattice(s, k, 0.17)],
  ['Min', (a, b) => a.minimum(b), (s, k) => lattice(s, k, 0.05), (s, k) => lattice(s, k, 0.17)],
];

describe('gradCheck: elementwise binary ops, random broadcast shapes (fast-check)', () => {
  for (const [name, f, genA, genB] of binaryOps) {
    it(`${name} (float64, random shapes)`, async () => {
      await fc.assert(
        fc.asyncProperty(broadcastPair, seedArb, async ([sa, sb], seed) => {
          // (Max/Min of small shapes may route every element to one operand: zero gradients are legitimate.)
          await check(
            (_, { a, b }) => f(a, b),
            { a: genA(sa, seed), b: genB(sb, seed + 1) },
            { float32: false, zeroOk: true },
          );
        }),
        FC,
      );
    });
    it(`${name} (float64 and float32, [2, 1, 3] with [4, 1])`, () =>
      check((_, { a, b }) => f(a, b), { a: genA([2, 1, 3], 5), b: genB([4, 1], 6) }));
  }
  it('Where (three-way broadcast, float64)', async () => {
    await fc.assert(
      fc.asyncProperty(broadcastTriple, seedArb, async ([sc, sa, sb], seed) => {
        await check(
          (_, { c, a, b }) => ops.where(c, a, b),
          { c: bools(sc, seed), a: uniform(sa, seed + 1), b: uniform(sb, seed + 2) },
          {
            float32: false,
            zeroOk: true,
          },
        );
      }),
      FC,
    );
  });
  it('Where (float64 and float32)', () =>
    check((_, { c, a, b }) => ops.where(c, a, b), {
      c: f64([1, 0, 1], [3]).cast('bool'),
      a: uniform([2, 3], 1),
      b: uniform([2, 1], 2),
    }));
});

describe('gradCheck: elementwise unary ops', () => {
  const x23 = (seed: number) => uniform([2, 3], seed);
  runCases([
    { name: 'Neg', build: (_, { x }) => x.neg(), inputs: () => ({ x: x23(1) }) },
    { name: 'Sqrt', build: (_, { x }) => x.sqrt(), inputs: () => ({ x: uniform([2, 3], 2, 0.3, 3) }) },
    {
      name: 'Reciprocal',
      build: (_, { x }) => x.reciprocal(),
      inputs: () => ({ x: awayFromZero([2, 3], 3, 0.5) }),
    },
    { name: 'Exp', build: (_, { x }) => x.exp(), inputs: () => ({ x: x23(4) }) },
    { name: 'Log', build: (_, { x }) => x.log(), inputs: () => ({ x: uniform([2, 3], 5, 0.3, 3) }) },
    { name: 'Abs', build: (_, { x }) => x.abs(), inputs: () => ({ x: awayFromZero([2, 3], 6) }) },
    { name: 'Tanh', build: (_, { x }) => x.tanh(), inputs: () => ({ x: x23(7) }) },
    { name: 'Sigmoid', build: (_, { x }) => x.sigmoid(), inputs: () => ({ x: uniform([2, 3], 8, -4, 4) }) },
    { name: 'Relu', build: (_, { x }) => x.relu(), inputs: () => ({ x: awayFromZero([3, 4], 9) }) },
    {
      // Points in all three branches of the float64 composite (|x| <= 0.46875, <= 4, > 4).
      name: 'Erf',
      build: (_, { x }) => x.erf(),
      inputs: () => ({ x: f64([-4.6, -3.1, -1.2, -0.44, -0.05, 0.2, 0.47, 0.9, 2.5, 3.95, 4.3, 5.2]) }),
    },
    {
      name: 'Softplus',
      build: (_, { x }) => x.softplus(),
      inputs: () => ({ x: f64([-40, -31, -5, -0.7, 0.01, 0.6, 3, 18, 35, 41]) }),
    },
    {
      name: 'Gelu (opset 17 composite)',
      build: (_, { x }) => x.gelu(),
      inputs: () => ({ x: uniform([3, 4], 10, -4, 4) }),
    },
    {
      name: 'Gelu (opset 20 native op)',
      build: (_, { x }) => x.gelu(),
      inputs: () => ({ x: uniform([3, 4], 11, -4, 4) }),
      options: { opset: 20 },
    },
    { name: 'Identity', build: (_, { x }) => ops.identity(x), inputs: () => ({ x: x23(12) }) },
    {
      name: 'Pow with constant exponents 2 and 3 (negative bases)',
      build: (_, { x }) => [x.pow(2), x.pow(3)],
      inputs: () => ({ x: uniform([2, 3], 13) }),
    },
    {
      name: 'Clip (both bounds, values away from them)',
      build: (_, { x }) => x.clip(-0.6, 0.8),
      inputs: () => ({ x: lattice([3, 4], 14, 0.1) }),
    },
    {
      name: 'Clip (min only)',
      build: (_, { x }) => x.clip(0.3),
      inputs: () => ({ x: lattice([3, 4], 15, 0.1) }),
    },
    {
      name: 'Clip (max only)',
      build: (_, { x }) => x.clip(undefined, 0.3),
      inputs: () => ({ x: lattice([3, 4], 16, 0.1) }),
    },
    {
      name: 'Clip (bounds are differentiable inputs)',
      build: (_, { x, lo, hi }) => ops.clip(x, lo, hi),
      inputs: () => ({ x: lattice([3, 4], 17, 0.1), lo: f64([-0.55], []), hi: f64([0.7], []) }),
    },
    {
      name: 'Clip (min > max gives max everywhere)',
      build: (_, { x, lo, hi }) => ops.clip(x, lo, hi),
      inputs: () => ({ x: lattice([3, 4], 18, 0.1), lo: f64([0.7], []), hi: f64([-0.55], []) }),
      options: { zeroOk: true },
    },
  ]);

  it('Cast float32 -> float64 and float64 -> float32 (against float64 references)', async () => {
    // Through a float32 cast the float64 forward would be quantised, so finite differences use the exact
    // float64 function instead.
    const x32 = uniform([2, 3], 20).cast('float32');
    const up: GradCheckReference = ({ x }) => mapData(x, Math.exp);
    const r1 = await gradCheck((_, { x }) => x.cast('float64').exp(), { x: x32 }, { reference: up });
    expect(r1.maxError, explain(r1)).toBeLessThan(F32_TOL);
    const x64 = uniform([2, 3], 21);
    const down: GradCheckReference = ({ x }) => mapData(x, (v) => 3 * v);
    const r2 = await gradCheck((_, { x }) => x.cast('float32').mul(3), { x: x64 }, { reference: down });
    // The weights are float32 in the float32 part of the graph; float64 in the reference: equal values.
    expect(r2.maxError, explain(r2)).toBeLessThan(1e-6);
    expectNonTrivial(r1);
    expectNonTrivial(r2);
  });
});

function mapData(x: Tensor, f: (v: number) => number): F64 {
  const out = Tensor.zeros(x.shape, 'float64');
  for (let i = 0; i < x.size; i++) out.data[i] = f(Number(x.data[i]));
  return out;
}

describe('gradCheck: MatMul and Gemm', () => {
  const kinds: [string, (m: number, k: number, n: number, b: number) => [number[], number[]]][] = [
    ['1-D x 2-D', (_m, k, n) => [[k], [k, n]]],
    ['2-D x 1-D', (m, k) => [[m, k], [k]]],
    ['1-D x 1-D', (_m, k) => [[k], [k]]],
    [
      '2-D x 2-D',
      (m, k, n) => [
        [m, k],
        [k, n],
      ],
    ],
    [
      'batched, broadcast batch dims',
      (m, k, n, b) => [
        [b, 1, m, k],
        [2, k, n],
      ],
    ],
    [
      '3-D x 2-D (weight gradient as one Gemm)',
      (m, k, n, b) => [
        [b, m, k],
        [k, n],
      ],
    ],
    [
      '4-D x 2-D (weight gradient as one Gemm)',
      (m, k, n, b) => [
        [2, b, m, k],
        [k, n],
      ],
    ],
    ['1-D x batched', (_m, k, n, b) => [[k], [b, k, n]]],
    ['batched x 1-D', (m, k, _n, b) => [[b, m, k], [k]]],
    [
      '2-D x batched',
      (m, k, n, b) => [
        [m, k],
        [b, k, n],
      ],
    ],
  ];
  for (const [name, shapes] of kinds) {
    it(`MatMul ${name}`, () => {
      const [sa, sb] = shapes(2, 3, 4, 3);
      return check((_, { a, b }) => a.matmul(b), { a: uniform(sa, 1), b: uniform(sb, 2) });
    });
  }
  it('MatMul, random kinds and sizes (fast-check, float64)', async () => {
    const dim = fc.integer({ min: 1, max: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: kinds.length - 1 }),
        dim,
        dim,
        dim,
        dim,
        seedArb,
        async (kind, m, k, n, b, seed) => {
          const [sa, sb] = kinds[kind][1](m, k, n, b);
          await check(
            (_, { a, b: w }) => a.matmul(w),
            { a: uniform(sa, seed), b: uniform(sb, seed + 1) },
            { float32: false },
          );
        },
      ),
      { ...FC, numRuns: 12 },
    );
  });

  const cShapes: (number[] | null)[] = [null, [], [1], [4], [1, 4], [2, 1], [2, 4]];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`Gemm transA=${transA} transB=${transB}, every C shape`, async () => {
        const rng = new Rng(Number(transA) * 2 + Number(transB));
        for (const cs of cShapes) {
          const alpha = 0.5 + rng.uniform();
          const beta = -1.5 + rng.uniform();
          const inputs: Record<string, Tensor> = {
            a: uniform(transA ? [3, 2] : [2, 3], 1),
            b: uniform(transB ? [4, 3] : [3, 4], 2),
          };
          if (cs) inputs.c = uniform(cs, 3);
          await check(
            (_, { a, b, c }) => ops.gemm(a, b, c, { alpha, beta, transA, transB }),
            inputs,
            // float32 once per combination (with the full C), float64 for all.
            { float32: cs !== null && cs.length === 2 && cs[0] === 2 && cs[1] === 4 },
          );
        }
      });
    }
  }
});

describe('gradCheck: shape ops', () => {
  const x234 = () => ({ x: uniform([2, 3, 4], 1) });
  runCases([
    { name: 'Transpose (perm)', build: (_, { x }) => x.transpose([2, 0, 1]), inputs: x234 },
    { name: 'Transpose (default reverses)', build: (_, { x }) => x.transpose(), inputs: x234 },
    { name: 'Reshape [-1, 4]', build: (_, { x }) => x.reshape([-1, 4]), inputs: x234 },
    { name: 'Reshape with 0 (copy) and -1', build: (_, { x }) => x.reshape([4, 0, -1]), inputs: x234 },
    {
      name: 'Flatten axis 0, 1, 2, 3',
      build: (_, { x }) => [0, 1, 2, 3].map((a) => x.flatten(a)),
      inputs: x234,
    },
    {
      name: 'Squeeze',
      build: (_, { x }) => x.squeeze([1, 3]),
      inputs: () => ({ x: uniform([2, 1, 3, 1], 2) }),
    },
    {
      name: 'Unsqueeze',
      build: (_, { x }) => x.unsqueeze([0, -1]),
      inputs: () => ({ x: uniform([2, 3], 3) }),
    },
    {
      name: 'Expand [3, 1] -> [2, 3, 4]',
      build: (_, { x }) => x.expand([2, 3, 4]),
      inputs: () => ({ x: uniform([3, 1], 4) }),
    },
    {
      name: 'Concat (static sizes)',
      build: (_, { a, b, c }) => [ops.concat([a, b, c], 1), ops.concat([a, a], -1)],
      inputs: () => ({ a: uniform([2, 1, 3], 5), b: uniform([2, 2, 3], 6), c: uniform([2, 3, 3], 7) }),
    },
    {
      name: 'Split (one part unused)',
      build: (_, { x }) => {
        const [p, , r] = ops.split(x, [1, 2, 3], 1);
        return [p, r.exp()];
      },
      inputs: () => ({ x: uniform([2, 6], 8) }),
    },
    {
      name: 'Split (equal parts)',
      build: (_, { x }) => ops.split(x, 3, 0).map((p, i) => p.mul(i + 1)),
      inputs: () => ({ x: uniform([3, 2], 9) }),
    },
    {
      name: 'Slice (step 2, INT_MAX end, two axes)',
      build: (_, { x }) => x.slice([1, 0], [3, INF], [0, 1], [1, 2]),
      inputs: () => ({ x: uniform([4, 5], 10) }),
    },
    {
      name: 'Slice (negative start and end)',
      build: (_, { x }) => x.slice([-3], [-1], [1]),
      inputs: () => ({ x: uniform([4, 5], 11) }),
    },
    {
      name: 'Slice (INT_MAX end)',
      build: (_, { x }) => x.slice([2], [INF], [0]),
      inputs: () => ({ x: uniform([4, 5], 12) }),
    },
    {
      name: 'Slice (reverse: step -1)',
      build: (_, { x }) => x.slice([-1], [Number.NEGATIVE_INFINITY], [1], [-1]),
      inputs: () => ({ x: uniform([3, 5], 13) }),
    },
    {
      name: 'Slice (step -2 from INT_MAX)',
      build: (_, { x }) => x.slice([INF], [0], [1], [-2]),
      inputs: () => ({ x: uniform([3, 6], 14) }),
    },
    {
      name: 'Slice (step 2 from -INT_MAX and beyond -d)',
      build: (_, { x }) => [
        x.slice([Number.NEGATIVE_INFINITY], [INF], [1], [2]),
        x.slice([-10], [4], [1], [3]),
      ],
      inputs: () => ({ x: uniform([2, 5], 15) }),
    },
    {
      name: 'Slice (three axes, steps 1, -1, 3)',
      build: (_, { x }) => x.slice([0, 3, 1], [2, 0, 6], [0, 1, 2], [1, -1, 3]),
      inputs: () => ({ x: uniform([3, 4, 6], 16) }),
    },
    {
      name: 'Pad (positive pads)',
      build: (_, { x }) => ops.pad(x, [1, 0, 2, 1], 0.5),
      inputs: () => ({ x: uniform([2, 3], 17) }),
    },
    {
      name: 'Pad (negative pads crop)',
      build: (_, { x }) => ops.pad(x, [-1, 1, 0, -2]),
      inputs: () => ({ x: uniform([3, 4], 18) }),
    },
    {
      name: 'Pad (run-time pads, mixed signs)',
      build: (_, { x, p }) => ops.pad(x, p),
      inputs: () => ({ x: uniform([3, 4], 19), p: i64([1, -1, -1, 2]) }),
    },
    {
      name: 'Tile',
      build: (_, { x }) => [ops.tile(x, [2, 1]), ops.tile(x, [1, 3])],
      inputs: () => ({ x: uniform([2, 3], 20) }),
    },
    {
      name: 'Tile (3-D)',
      build: (_, { x }) => ops.tile(x, [2, 1, 3]),
      inputs: () => ({ x: uniform([1, 2, 2], 21) }),
    },
  ]);
});

describe('gradCheck: gather and scatter', () => {
  runCases([
    {
      name: 'Gather axis 0, int64, repeated and negative indices',
      build: (_, { x, i }) => x.gather(i, 0),
      inputs: () => ({ x: uniform([3, 4], 1), i: i64([0, 2, 2, -1], [2, 2]) }),
    },
    {
      name: 'Gather axis 1, int32 indices',
      build: (_, { x, i }) => x.gather(i, 1),
      inputs: () => ({ x: uniform([2, 4, 3], 2), i: i32([3, 1, 3]) }),
    },
    {
      name: 'Gather axis 2 with 2-D indices, axis -1',
      build: (_, { x, i }) => [x.gather(i, 2), x.gather(i, -1).exp()],
      inputs: () => ({ x: uniform([2, 3, 4], 3), i: i64([0, 3, 3, 1], [2, 2]) }),
    },
    {
      name: 'Gather with a scalar index',
      build: (_, { x, i }) => [x.gather(i, 1), x.gather(i, 0)],
      inputs: () => ({ x: uniform([3, 4], 4), i: i64([2], []) }),
    },
    {
      name: 'GatherElements (repeats, negative)',
      build: (_, { x, i }) => ops.gatherElements(x, i, 1),
      inputs: () => ({ x: uniform([3, 4], 5), i: i64([0, 0, 3, 1, -1, 2], [3, 2]) }),
    },
    {
      name: 'GatherElements axis 0, int32',
      build: (_, { x, i }) => ops.gatherElements(x, i, 0),
      inputs: () => ({ x: uniform([3, 4], 6), i: i32([2, 0, 2, 1, 2, 2, 0, 0], [2, 4]) }),
    },
    {
      name: 'GatherND (full index tuples, repeated)',
      build: (_, { x, i }) => ops.gatherND(x, i),
      inputs: () => ({ x: uniform([3, 4, 2], 7), i: i64([0, 1, 2, 3, 0, 1], [3, 2]) }),
    },
    {
      name: 'GatherND (partial index tuples)',
      build: (_, { x, i }) => ops.gatherND(x, i),
      inputs: () => ({ x: uniform([3, 4, 2], 8), i: i64([1, 1, 2], [3, 1]) }),
    },
    {
      name: "ScatterElements 'add' (repeated indices)",
      build: (_, { d, i, u }) => ops.scatterElements(d, i, u, 1, 'add'),
      inputs: () => ({ d: uniform([3, 4], 9), i: i64([0, 0, 3, 1, 2, 2], [3, 2]), u: uniform([3, 2], 10) }),
    },
    {
      name: "ScatterElements 'none'",
      build: (_, { d, i, u }) => ops.scatterElements(d, i, u, 0, 'none'),
      inputs: () => ({ d: uniform([3, 4], 11), i: i64([2, 0, 1, 1], [1, 4]), u: uniform([1, 4], 12) }),
    },
    {
      name: "ScatterND 'add' (repeated indices)",
      build: (_, { d, i, u }) => ops.scatterND(d, i, u, 'add'),
      inputs: () => ({ d: uniform([4, 3], 13), i: i64([1, 3, 1], [3, 1]), u: uniform([3, 3], 14) }),
    },
    {
      name: "ScatterND 'none' (element tuples)",
      build: (_, { d, i, u }) => ops.scatterND(d, i, u, 'none'),
      inputs: () => ({ d: uniform([4, 3], 15), i: i64([0, 2, 3, 1], [2, 2]), u: uniform([2], 16) }),
    },
  ]);
});

describe('gradCheck: reductions and normalisations', () => {
  const x = (seed: number) => () => ({ x: uniform([2, 3, 4], seed) });
  const d = (seed: number) => () => ({ x: distinct([2, 3, 4], seed) });
  runCases([
    {
      name: 'ReduceSum (axes, keepDims, all, negative axis)',
      build: (_, { x }) => [x.sum([0, 2]), x.sum([1], true), x.sum(), x.sum([-1]).exp()],
      inputs: x(1),
    },
    {
      name: 'ReduceSum with empty axes is the identity',
      build: (_, { x }) => x.sum([]).mul(x),
      inputs: x(2),
    },
    {
      name: 'ReduceMean',
      build: (_, { x }) => [x.mean([0, 2]), x.mean([1], true), x.mean(), x.mean([-1]).exp()],
      inputs: x(3),
    },
    {
      name: 'ReduceMax (distinct values)',
      build: (_, { x }) => [x.max([1]), x.max([0, 2], true), x.max()],
      inputs: d(4),
    },
    {
      name: 'ReduceMin (distinct values)',
      build: (_, { x }) => [x.min([1]), x.min([0, 2], true), x.min()],
      inputs: d(5),
    },
    {
      name: 'Softmax (axes -1, 0, 1)',
      build: (_, { x }) => [x.softmax(-1), x.softmax(0), x.softmax(1)],
      inputs: x(6),
    },
    {
      name: 'LogSoftmax (axes -1, 1)',
      build: (_, { x }) => [x.logSoftmax(-1), x.logSoftmax(1)],
      inputs: x(7),
    },
    {
      name: 'LayerNormalization with bias, axis -1',
      build: (_, { x, s, b }) => ops.layerNorm(x, s, b),
      inputs: () => ({ x: uniform([2, 3, 4], 8), s: uniform([4], 9), b: uniform([4], 10) }),
    },
    {
      name: 'LayerNormalization without bias, axis 1',
      build: (_, { x, s }) => ops.layerNorm(x, s, undefined, { axis: 1, epsilon: 1e-3 }),
      inputs: () => ({ x: uniform([2, 3, 4], 11), s: uniform([3, 4], 12) }),
    },
    {
      name: 'LayerNormalization, axis -2, bias',
      build: (_, { x, s, b }) => ops.layerNorm(x, s, b, { axis: -2 }),
      inputs: () => ({ x: uniform([3, 2, 4], 13), s: uniform([2, 4], 14), b: uniform([2, 4], 15) }),
    },
    {
      name: 'LayerNormalization, axis 1, scale and bias broadcast over the normalised axes',
      build: (_, { x, s, b }) => ops.layerNorm(x, s, b, { axis: 1 }),
      inputs: () => ({ x: uniform([3, 2, 4], 19), s: uniform([4], 20), b: uniform([4], 21) }),
    },
    {
      name: 'Trilu (upper, lower, k = 1, k = -1)',
      build: (_, { x }) => [
        ops.trilu(x),
        ops.trilu(x, { upper: false }),
        ops.trilu(x, { k: 1 }),
        ops.trilu(x, { upper: false, k: -1 }),
      ],
      inputs: x(16),
    },
    {
      name: 'CumSum (plain, exclusive, reverse, both; axes 0 and 1)',
      build: (_, { x }) => [
        ops.cumsum(x, 1),
        ops.cumsum(x, 1, { exclusive: true }),
        ops.cumsum(x, 0, { reverse: true }),
        ops.cumsum(x, -1, { exclusive: true, reverse: true }),
      ],
      inputs: x(17),
    },
    {
      name: 'TopK (largest along -1, smallest along 0)',
      build: (_, { x }) => [ops.topK(x, 2, -1)[0], ops.topK(x, 1, 0, { largest: false })[0]],
      inputs: d(18),
    },
  ]);
});

describe('gradCheck: graph-level behaviour', () => {
  it('a value used several times accumulates its gradients', () =>
    check((_, { x, y }) => x.mul(x).add(x.exp()).add(x).mul(y).add(y.matmul(y.transpose()).sum()), {
      x: uniform([3, 3], 1),
      y: uniform([3, 3], 2),
    }));

  it('integer values on the path are constants (Cast to int64 and back)', () =>
    // floor(x) has zero derivative away from integers, so only the smooth path counts.
    check((_, { x }) => x.cast('int64').cast(x.dtype).mul(x).add(x.mul(x)), { x: lattice([2, 3], 3, 0.4) }));

  it('integer inputs are constants (Gather indices, Cast of an int input)', async () => {
    const r = await gradCheck((_, { x, k }) => x.mul(k.cast(x.dtype)), {
      x: uniform([2, 3], 4),
      k: i64([1, 2, 3, 4, 5, 6], [2, 3]),
    });
    expect(Object.keys(r.errors)).toEqual(['x']);
    expect(r.maxError).toBeLessThan(F64_TOL);
    const g = new Graph('int');
    const k = g.input('k', 'int64', [3]);
    expect(() => grad(k.cast('float64').sum(), [k])).toThrow(GraphBuildError);
  });

  it('gradients with respect to an intermediate value: d/dh sum(h * h) = 2h for h = exp(x)', async () => {
    const g = new Graph('intermediate');
    const x = g.input('x', 'float64', [3]);
    const h = x.exp();
    const [dh] = grad(h.mul(h).sum(), [h]);
    g.output('dh', dh).output('h', h);
    const f = await compile(g);
    const r = await f({ x: f64([0, 1, -2]) });
    expect(Array.from(r.dh.data as Float64Array)).toEqual(Array.from(r.h.data as Float64Array, (v) => 2 * v));
    await f.dispose();
  });

  it('stopGradient cuts the flow: d/dx sum(x * stopGradient(x)) = x', async () => {
    const g = new Graph('stop');
    const x = g.input('x', 'float64', [4]);
    const [dx] = grad(x.mul(x.stopGradient()).sum(), [x]);
    g.output('dx', dx);
    const f = await compile(g);
    const xs = f64([1.5, -2, 0.25, 3]);
    const r = await f({ x: xs });
    expect(Array.from(r.dx.data as Float64Array)).toEqual([1.5, -2, 0.25, 3]);
    await f.dispose();
  });

  it('a parameter the loss does not reach gets zeros and a warning', async () => {
    const g = new Graph('unreachable');
    const x = g.input('x', 'float64', [2]);
    const w = g.param('w', [2, 3], { dtype: 'float64' });
    const warnings: string[] = [];
    const [dx, dw] = grad(x.exp().sum(), [x, w], { onWarning: (m) => warnings.push(m) });
    g.output('dx', dx).output('dw', dw);
    const f = await compile(g);
    const r = await f({ x: f64([0, 1]) });
    expect(Array.from(r.dw.data as Float64Array)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.dw.shape).toEqual([2, 3]);
    expect(r.dx.data[0]).toBe(1);
    expect(relativeError(r.dx.data[1] as number, Math.E)).toBeLessThan(1e-15);
    expect(warnings).toEqual(["grad: the loss does not depend on 'w'; its gradient is zero."]);
    await f.dispose();
    // gradCheck reports it too.
    const rc = await gradCheck((_, { a }) => a.exp(), { a: uniform([2], 5), b: uniform([2], 6) });
    expect(rc.warnings).toEqual(["grad: the loss does not depend on 'b'; its gradient is zero."]);
    expect(rc.errors.b).toBe(0);
  });
});

describe('gradCheck: symbolic shapes (named dims fed concrete sizes)', () => {
  const sym = (shapes: Record<string, Shape>): CheckOptions => ({ shapes });
  runCases([
    {
      name: 'Add/Mul broadcasting over named dims',
      build: (_, { x, b }) => x.mul(b).add(b),
      inputs: () => ({ x: uniform([2, 3, 4], 1), b: uniform([1, 4], 2) }),
      options: sym({ x: ['batch', 'seq', 4], b: [1, 4] }),
    },
    {
      name: 'ReduceMean over a named axis (run-time count), ReduceSum, ReduceMax, TopK',
      build: (_, { x }) => [x.mean([1]), x.mean(), x.sum([0], true), x.max([1]), ops.topK(x, 2, -1)[0]],
      inputs: () => ({ x: distinct([2, 3, 4], 3) }),
      options: sym({ x: ['batch', 'seq', 4] }),
    },
    {
      name: 'Concat with symbolic sizes (run-time Split)',
      build: (_, { a, b }) => ops.concat([a, b.exp()], 1),
      inputs: () => ({ a: uniform([2, 3, 4], 4), b: uniform([2, 2, 4], 5) }),
      options: sym({ a: ['batch', 'past', 4], b: ['batch', 'seq', 4] }),
    },
    {
      name: 'Slice on symbolic dims (run-time pads), negative start, INT_MAX end',
      build: (_, { x }) => [
        x.slice([1], [INF], [1]),
        x.slice([-2], [INF], [1]),
        x.slice([0, 1], [-1, 3], [1, 2]),
      ],
      inputs: () => ({ x: uniform([2, 5, 4], 6) }),
      options: sym({ x: ['batch', 'seq', 4] }),
    },
    {
      name: 'Slice with steps on a static axis of a symbolic tensor',
      build: (_, { x }) => x.slice([3], [Number.NEGATIVE_INFINITY], [2], [-2]),
      inputs: () => ({ x: uniform([2, 3, 5], 7) }),
      options: sym({ x: ['batch', 'seq', 5] }),
    },
    {
      name: 'Reshape / Flatten / Transpose / Unsqueeze / Squeeze with named dims',
      build: (_, { x }) => [
        x.reshape([-1, 4]).exp(),
        x.flatten(2),
        x.transpose([1, 0, 2]),
        x.unsqueeze([1]).squeeze([1]).mul(x),
      ],
      inputs: () => ({ x: uniform([2, 3, 4], 8) }),
      options: sym({ x: ['batch', 'seq', 4] }),
    },
    {
      name: 'MatMul 3-D x 2-D with a named batch (Gemm weight gradient), batched MatMul',
      build: (_, { x, w, y }) => [x.matmul(w), x.matmul(y)],
      inputs: () => ({ x: uniform([2, 3, 4], 9), w: uniform([4, 5], 10), y: uniform([2, 4, 2], 11) }),
      options: sym({ x: ['batch', 'seq', 4], y: ['batch', 4, 2] }),
    },
    {
      name: 'Softmax, LogSoftmax, LayerNormalization with named dims',
      build: (_, { x, s, b }) => [x.softmax(-1), x.logSoftmax(1), ops.layerNorm(x, s, b)],
      inputs: () => ({ x: uniform([2, 3, 4], 12), s: uniform([4], 13), b: uniform([4], 14) }),
      options: sym({ x: ['batch', 'seq', 4] }),
    },
    {
      name: 'Gather / Tile / Expand / Pad / Split / CumSum with named dims',
      build: (_, { x, i, v }) => [
        x.gather(i, 0),
        ops.tile(x, [1, 2]),
        v.expand([3, 4]),
        ops.pad(x, [1, 0, 0, 2]),
        ...ops.split(x, [1, 3], 1).map((p) => p.exp()),
        ops.cumsum(x, 0, { reverse: true }),
      ],
      inputs: () => ({ x: uniform([3, 4], 15), i: i64([0, 2, 2]), v: uniform([3, 1], 16) }),
      options: sym({ x: ['n', 4], i: ['k'], v: ['n', 1] }),
    },
  ]);
});

// ---- float32 rules of ops whose float64 builds are composites, against JS float64 references ----

/** erf by its everywhere-positive series erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (2n+1)!! (no cancellation). */
function erfRef(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x); // erfc(6) = 2e-17
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 400 && term > sum * 1e-18; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}
const softplusRef = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const geluRef = (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2));

function layerNormRef(x: Tensor, scale: Tensor, bias: Tensor | undefined, axis: number, eps: number): F64 {
  const a = axis < 0 ? axis + x.rank : axis;
  const block = x.shape.slice(a).reduce((p, d) => p * d, 1);
  const out = Tensor.zeros(x.shape, 'float64');
  for (let start = 0; start < x.size; start += block) {
    let mean = 0;
    for (let i = 0; i < block; i++) mean += Number(x.data[start + i]);
    mean /= block;
    let v = 0;
    for (let i = 0; i < block; i++) v += (Number(x.data[start + i]) - mean) ** 2;
    const inv = 1 / Math.sqrt(v / block + eps);
    for (let i = 0; i < block; i++) {
      const y = (Number(x.data[start + i]) - mean) * inv * Number(scale.data[i % scale.size]);
      out.data[start + i] = bias ? y + Number(bias.data[i % bias.size]) : y;
    }
  }
  return out;
}

describe('float32 gradient rules of Erf, Softplus, Gelu and LayerNormalization (float64 JS references)', () => {
  it('the JS references match scipy/numpy', () => {
    fixtures.erf.x.forEach((x, i) => {
      expect(Math.abs(erfRef(x) - fixtures.erf.y[i])).toBeLessThan(1e-14);
    });
    fixtures.softplus.x.forEach((x, i) => {
      expect(relativeError(softplusRef(x), fixtures.softplus.y[i])).toBeLessThan(1e-15);
    });
    fixtures.gelu.x.forEach((x, i) => {
      expect(Math.abs(geluRef(x) - fixtures.gelu.y[i])).toBeLessThan(1e-13);
    });
    for (const c of fixtures.layerNorm) {
      const t = (s: { shape: number[]; data: number[] }) => f64(s.data, s.shape);
      const y = layerNormRef(t(c.x), t(c.scale), c.bias ? t(c.bias) : undefined, c.axis, c.epsilon);
      y.data.forEach((v, i) => {
        expect(Math.abs(v - c.y[i])).toBeLessThan(1e-13);
      });
    }
  });

  const ref =
    (f: (v: number) => number): GradCheckReference =>
    ({ x }) =>
      mapData(x, f);
  const f32 = (t: F64) => t.cast('float32');
  it('Erf (native float32 kernel + rule)', async () => {
    const r = await gradCheck(
      (_, { x }) => x.erf(),
      { x: f32(uniform([3, 5], 1, -3, 3)) },
      { reference: ref(erfRef) },
    );
    expect(r.maxError, explain(r)).toBeLessThan(F32_TOL);
    expectNonTrivial(r);
  });
  it('Softplus (native float32 kernel + rule)', async () => {
    const x = f32(f64([-30, -12, -3, -0.5, 0, 0.4, 2, 9, 25, 60]));
    const r = await gradCheck((_, { x }) => x.softplus(), { x }, { reference: ref(softplusRef) });
    expect(r.maxError, explain(r)).toBeLessThan(F32_TOL);
    expectNonTrivial(r);
  });
  for (const opset of [17, 20]) {
    it(`Gelu at opset ${opset} (${opset === 17 ? 'Erf composite' : 'native Gelu'} rule)`, async () => {
      const r = await gradCheck(
        (_, { x }) => x.gelu(),
        { x: f32(uniform([3, 5], opset, -4, 4)) },
        { reference: ref(geluRef), opset },
      );
      expect(r.maxError, explain(r)).toBeLessThan(F32_TOL);
      expectNonTrivial(r);
    });
  }
  const lnCases: [string, number[], number[], boolean, number][] = [
    ['with bias, axis -1', [2, 3, 4], [4], true, -1],
    ['without bias, axis 1', [2, 3, 4], [3, 4], false, 1],
    ['with bias, axis 0 (all axes)', [3, 4], [3, 4], true, 0],
  ];
  for (const [name, xs, ps, withBias, axis] of lnCases) {
    it(`LayerNormalization ${name} (native float32 kernel + rule)`, async () => {
      const inputs: Record<string, Tensor> = { x: f32(uniform(xs, 1, -2, 3)), s: f32(uniform(ps, 2)) };
      if (withBias) inputs.b = f32(uniform(ps, 3));
      const r = await gradCheck((_, { x, s, b }) => ops.layerNorm(x, s, b, { axis, epsilon: 1e-5 }), inputs, {
        reference: ({ x, s, b }) => layerNormRef(x, s, b, axis, 1e-5),
      });
      expect(r.maxError, explain(r)).toBeLessThan(F32_TOL);
      expectNonTrivial(r);
    });
  }
});

// ---- the float64 composites themselves ----

async function runUnary64(
  f: (x: Value) => Value,
  xs: readonly number[],
  opset = 17,
): Promise<{ y: number[]; dy: number[] }> {
  const g = new Graph('composite', { opset });
  const x = g.input('x', 'float64', [xs.length]);
  const y = f(x);
  const [dx] = grad(y, [x]);
  g.output('y', y).output('dy', dx);
  const c = await compile(g, { intraOpNumThreads: 1 });
  const r = await c({ x: f64([...xs]) });
  await c.dispose();
  return { y: Array.from(r.y.data as Float64Array), dy: Array.from(r.dy.data as Float64Array) };
}

describe('float64 composites (no float64 kernels in ONNX Runtime CPU)', () => {
  it('erf: Cody composite within 1e-15 relative of scipy; derivative within 1e-14 of 2/sqrt(pi) exp(-x^2)', async () => {
    const { x, y, dy } = fixtures.erf;
    const r = await runUnary64((v) => v.erf(), x);
    x.forEach((_, i) => {
      expect(Math.abs(r.y[i] - y[i]), `erf(${x[i]})`).toBeLessThanOrEqual(1e-15 * Math.abs(y[i]));
      // Past |x| = 10 the composite is flat (exactly +-1): the true derivative there is below 1e-43.
      expect(Math.abs(r.dy[i] - dy[i]), `erf'(${x[i]})`).toBeLessThanOrEqual(1e-14 * dy[i] + 1e-43);
    });
  });

  it('erf: NaN stays NaN, infinities give +-1 with zero gradient', async () => {
    const r = await runUnary64((v) => v.erf(), [Number.NaN, INF, -INF]);
    expect(r.y[0]).toBeNaN();
    expect(r.y.slice(1)).toEqual([1, -1]);
    expect(r.dy.slice(1)).toEqual([0, 0]);
  });

  it('softplus: stable and within 2e-15 relative of log(1 + e^x) in both tails; gradient = sigmoid, 1/2 at 0', async () => {
    const { x, y, dy } = fixtures.softplus;
    const r = await runUnary64((v) => v.softplus(), x);
    x.forEach((_, i) => {
      expect(Math.abs(r.y[i] - y[i]), `softplus(${x[i]})`).toBeLessThanOrEqual(
        2e-15 * Math.abs(y[i]) + 1e-320,
      );
      expect(Math.abs(r.dy[i] - dy[i]), `softplus'(${x[i]})`).toBeLessThanOrEqual(
        2e-15 * Math.abs(dy[i]) + 1e-320,
      );
    });
    const special = await runUnary64((v) => v.softplus(), [0, INF, -INF, Number.NaN]);
    expect(special.y.slice(0, 3)).toEqual([Math.LN2, INF, 0]);
    expect(special.y[3]).toBeNaN();
    expect(special.dy[0]).toBe(0.5);
  });

  for (const opset of [17, 20]) {
    it(`gelu at opset ${opset}: float64 stays a composite; matches x Phi(x) and Phi(x) + x phi(x)`, async () => {
      const { x, y, dy } = fixtures.gelu;
      const r = await runUnary64((v) => v.gelu(), x, opset);
      // 1 + erf(x / sqrt 2) cancels for x << 0 in any float64 evaluation of the erf form: absolute bounds there.
      x.forEach((_, i) => {
        expect(Math.abs(r.y[i] - y[i]), `gelu(${x[i]})`).toBeLessThanOrEqual(
          2e-15 * Math.max(1, Math.abs(y[i])) + 1e-15 * Math.abs(x[i]),
        );
        expect(Math.abs(r.dy[i] - dy[i]), `gelu'(${x[i]})`).toBeLessThanOrEqual(
          2e-15 * Math.max(1, Math.abs(dy[i])) + 1e-15 * Math.abs(x[i]),
        );
      });
    });
  }

  it('layerNorm: float64 composite matches numpy', async () => {
    for (const c of fixtures.layerNorm) {
      const g = new Graph('ln64');
      const x = g.input('x', 'float64', c.x.shape);
      const s = g.input('s', 'float64', c.scale.shape);
      const b = c.bias ? g.input('b', 'float64', c.bias.shape) : undefined;
      g.output('y', ops.layerNorm(x, s, b, { axis: c.axis, epsilon: c.epsilon }));
      const f = await compile(g, { intraOpNumThreads: 1 });
      const feeds: Record<string, Tensor> = {
        x: f64(c.x.data, c.x.shape),
        s: f64(c.scale.data, c.scale.shape),
      };
      if (c.bias) feeds.b = f64(c.bias.data, c.bias.shape);
      const r = await f(feeds);
      (r.y.data as Float64Array).forEach((v, i) => {
        expect(Math.abs(v - c.y[i]), `${c.name}[${i}]`).toBeLessThan(1e-13);
      });
      await f.dispose();
    }
  });
});

// ---- documented tie rules, checked directly ----

async function gradsOf(
  build: (xs: Record<string, Value>) => Value,
  inputs: Record<string, F64>,
): Promise<Record<string, number[]>> {
  const g = new Graph('ties');
  const vals: Record<string, Value> = {};
  for (const [k, t] of Object.entries(inputs)) vals[k] = g.input(k, 'float64', t.shape);
  const names = Object.keys(inputs);
  const grads = grad(
    build(vals).sum(),
    names.map((k) => vals[k]),
  );
  grads.forEach((gv, i) => {
    g.output(`d_${names[i]}`, gv);
  });
  const f = await compile(g, { intraOpNumThreads: 1 });
  const r = await f(inputs);
  await f.dispose();
  const out: Record<string, number[]> = {};
  for (const k of names) out[k] = Array.from(r[`d_${k}`].data as Float64Array);
  return out;
}

describe('tie and kink rules', () => {
  it('ReduceMax / ReduceMin split the gradient evenly among tied extremes', async () => {
    const x = f64([1, 3, 3, 2, 2, 2], [2, 3]);
    expect((await gradsOf(({ x }) => x.max([1]), { x })).x).toEqual([0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]);
    expect((await gradsOf(({ x }) => x.min([1]), { x })).x).toEqual([1, 0, 0, 1 / 3, 1 / 3, 1 / 3]);
    expect((await gradsOf(({ x }) => x.max(), { x })).x).toEqual([0, 0.5, 0.5, 0, 0, 0]);
  });

  it('Max / Min send a tie to the first operand', async () => {
    const a = f64([1, 2, 5]);
    const b = f64([1, 3, 4]);
    expect(await gradsOf(({ a, b }) => a.maximum(b), { a, b })).toEqual({ a: [1, 0, 1], b: [0, 1, 0] });
    expect(await gradsOf(({ a, b }) => a.minimum(b), { a, b })).toEqual({ a: [1, 1, 0], b: [0, 0, 1] });
  });

  it('Pow at base 0: d/da = b a^(b-1), d/db = 0 (not 0 * log 0)', async () => {
    const r = await gradsOf(({ a, b }) => a.pow(b), { a: f64([0, 2]), b: f64([3, 0.5]) });
    expect(r.a[0]).toBe(0);
    expect(relativeError(r.a[1], 0.5 / Math.SQRT2)).toBeLessThan(1e-15);
    expect(r.b[0]).toBe(0);
    expect(relativeError(r.b[1], Math.SQRT2 * Math.LN2)).toBeLessThan(1e-15);
  });

  it('Relu and Abs have gradient 0 at 0', async () => {
    const x = f64([-1, 0, 2]);
    expect((await gradsOf(({ x }) => x.relu(), { x })).x).toEqual([0, 0, 1]);
    expect((await gradsOf(({ x }) => x.abs(), { x })).x).toEqual([-1, 0, 1]);
  });

  it('Clip passes the gradient to x at the bounds (lo <= x <= hi), to the bounds outside', async () => {
    const x = f64([-1, -0.5, 0, 0.5, 2]);
    const lo = f64([-0.5], []);
    const hi = f64([0.5], []);
    expect(await gradsOf(({ x, lo, hi }) => ops.clip(x, lo, hi), { x, lo, hi })).toEqual({
      x: [0, 1, 1, 1, 0],
      lo: [1],
      hi: [1],
    });
  });
});

describe('gradCheck itself', () => {
  it('detects a wrong rule', async () => {
    const exp = gradientRule('Exp')!;
    // d/dx e^x replaced by e^x + 0.1 x: a small, smooth error.
    registerGradient('Exp', (n, [g], need) => [
      ops.add(exp(n, [g], need)[0]!, ops.mul(g!, ops.mul(n.inputs[0]!, 0.1))),
    ]);
    try {
      const r = await gradCheck((_, { x }) => x.exp(), { x: uniform([5], 1, 1, 2) });
      expect(r.maxError).toBeGreaterThan(0.01);
      expect(r.worst?.input).toBe('x');
    } finally {
      registerGradient('Exp', exp);
    }
    const ok = await gradCheck((_, { x }) => x.exp(), { x: uniform([5], 1, 1, 2) });
    expect(ok.maxError).toBeLessThan(F64_TOL);
  });

  it('checks a seeded subset of coordinates when asked', async () => {
    const r = await gradCheck((_, { x }) => x.tanh(), { x: uniform([4, 5], 2) }, { coordinates: 6 });
    expect(r.evaluations).toBe(12);
    expect(Array.from(r.numeric.x).filter((v) => !Number.isNaN(v))).toHaveLength(6);
    expect(r.analytic.x).toHaveLength(20);
  });

  it('rejects bad arguments with GradCheckError', async () => {
    const x = uniform([2], 1);
    await expect(gradCheck((_, { x }) => x.exp(), {})).rejects.toThrow(GradCheckError);
    await expect(gradCheck((_, { x }) => x.exp(), { x }, { wrt: ['y'] })).rejects.toThrow(
      /not among the inputs/,
    );
    await expect(gradCheck((_, { x }) => x.exp(), { x, k: i64([1]) }, { wrt: ['k'] })).rejects.toThrow(
      /only float32 and float64/,
    );
    await expect(gradCheck((_, { x }) => x.argmax(0), { x })).rejects.toThrow(/no floating-point output/);
    await expect(gradCheck((_, { x }) => [x.exp(), x], { x }, { reference: ({ x }) => x })).rejects.toThrow(
      /returned 1 outputs/,
    );
    // Not dtype-generic: a float32 constant cannot meet the float64 rebuild.
    await expect(
      gradCheck((g, { x }) => x.mul(g.constant(2, 'float32')), { x: x.cast('float32') }),
    ).rejects.toThrow(/pass options.reference/);
    await expect(gradCheck((_, { x }) => x.exp(), { x }, { shapes: { x: ['n', 1] } })).rejects.toThrow(
      /ranks must match/,
    );
  });

  it('reports the observed worst errors', () => {
    // The float64 sweep above runs ~1e-9; float32 ~1e-6 (printed with GRADCHECK_REPORT=1).
    if (process.env.GRADCHECK_REPORT)
      console.log(`gradcheck worst: float64 ${observed.f64}, float32 ${observed.f32}`);
    expect(observed.f64).toBeLessThan(F64_TOL);
    expect(observed.f32).toBeLessThan(F32_TOL);
  });
});
