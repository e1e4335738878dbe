import { Graph, Tensor, compile, ops } from '@proj/runtime';
const threads = Number(process.argv[2] ?? 1);
const cases: [string, number[], number[], (a: any, b: any) => any][] = [];
const R = 1024;
for (const [K, N] of [[128, 512], [512, 128]]) {
  cases.push([`X^T Y  X[R,${K}] Y[R,${N}] -> [${K},${N}]`, [R, K], [R, N], (a, b) => ops.gemm(a, b, undefined, { transA: true })]);
  cases.push([`fwd  X[R,${K}] W[${K},${N}]`, [R, K], [K, N], (a, b) => a.matmul(b)]);
  cases.push([`fwd transB X[R,${K}] W[${N},${K}]^T`, [R, K], [N, K], (a, b) => ops.gemm(a, b, undefined, { transB: true })]);
}
const fns: any[] = [];
for (const [name, as, bs, build] of cases) {
  const g = new Graph('m');
  const a = g.input('a', 'float32', as), b = g.input('b', 'float32', bs);
  g.output('y', build(a, b));
  fns.push({ name, f: await compile(g, { intraOpNumThreads: threads }), feeds: { a: Tensor.randn(as, { seed: 1 }), b: Tensor.randn(bs, { seed: 2 }) }, ts: [] as number[] });
}
for (let round = 0; round < 9; round++) for (const c of fns) {
  for (let i = 0; i < 5; i++) await c.f(c.feeds);
  const t0 = performance.now(); for (let i = 0; i < 20; i++) await c.f(c.feeds); c.ts.push((performance.now() - t0) / 20);
}
for (const c of fns) { c.ts.sort((x: number, y: number) => x - y); console.log(c.name.padEnd(40), c.ts[4].toFixed(3), 'ms', (2 * R * 128 * 512 / c.ts[4] / 1e6).toFixed(0), 'GFLOP/s'); }
