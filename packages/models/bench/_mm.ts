import { Graph, Tensor, compile, ops } from '@proj/runtime';
const R = 1024, K = 128, N = 512;
async function bench(name: string, build: (g: Graph, a: any, b: any) => any, ashape: number[], bshape: number[]) {
  const g = new Graph(name);
  const a = g.input('a', 'float32', ashape), b = g.input('b', 'float32', bshape);
  g.output('y', build(g, a, b));
  const f = await compile(g, { intraOpNumThreads: 2 });
  const feeds = { a: Tensor.randn(ashape, { seed: 1 }), b: Tensor.randn(bshape, { seed: 2 }) };
  for (let i = 0; i < 20; i++) await f(feeds);
  const ts: number[] = [];
  for (let r = 0; r < 7; r++) { const t0 = performance.now(); for (let i = 0; i < 50; i++) await f(feeds); ts.push((performance.now() - t0) / 50); }
  ts.sort((x, y) => x - y);
  const flops = 2 * R * K * N;
  console.log(name.padEnd(30), ts[3].toFixed(3), 'ms', (flops / ts[3] / 1e6).toFixed(0), 'GFLOP/s');
}
await bench('gemm transA [R,K]^T[R,N]', (g, a, b) => ops.gemm(a, b, undefined, { transA: true }), [R, K], [R, N]);
await bench('matmul(transpose(a), b)', (g, a, b) => a.transpose().matmul(b), [R, K], [R, N]);
await bench('matmul a[K,R] b[R,N]', (g, a, b) => a.matmul(b), [K, R], [R, N]);
await bench('fwd matmul [R,K][K,N]', (g, a, b) => a.matmul(b), [R, K], [K, N]);
await bench('dx: matmul(g, transpose(W)) [R,N][K,N]^T', (g, a, b) => a.matmul(b.transpose()), [R, N], [K, N]);
await bench('gemm transB', (g, a, b) => ops.gemm(a, b, undefined, { transB: true }), [R, N], [K, N]);
