import { Graph, Tensor, compile, ops } from '@proj/runtime';
async function bench(name: string, build: (g: Graph, a: any, b: any) => any, ashape: number[], bshape: number[], flops: number) {
  const g = new Graph(name);
  const a = g.input('a', 'float32', ashape), b = g.input('b', 'float32', bshape);
  g.output('y', build(g, a, b));
  const f = await compile(g, { intraOpNumThreads: 2 });
  const feeds = { a: Tensor.randn(ashape, { seed: 1 }), b: Tensor.randn(bshape, { seed: 2 }) };
  for (let i = 0; i < 20; i++) await f(feeds);
  const ts: number[] = [];
  for (let r = 0; r < 7; r++) { const t0 = performance.now(); for (let i = 0; i < 50; i++) await f(feeds); ts.push((performance.now() - t0) / 50); }
  ts.sort((x, y) => x - y);
  console.log(name.padEnd(44), ts[3].toFixed(3), 'ms', (flops / ts[3] / 1e6).toFixed(0), 'GFLOP/s');
}
for (const [R, K, N] of [[1024, 128, 512], [1024, 512, 128], [1024, 128, 384], [1024, 256, 1024]]) {
  const fl = 2 * R * K * N;
  console.log(`R=${R} K=${K} N=${N}`);
  await bench(' A^T G gemm transA  -> [K,N]', (g, a, b) => ops.gemm(a, b, undefined, { transA: true }), [R, K], [R, N], fl);
  await bench(' G^T A gemm transA -> [N,K] (+T)', (g, a, b) => ops.gemm(b, a, undefined, { transA: true }).transpose(), [R, K], [R, N], fl);
  await bench(' G^T A gemm transA -> [N,K] no T', (g, a, b) => ops.gemm(b, a, undefined, { transA: true }), [R, K], [R, N], fl);
  await bench(' T(A) then gemm', (g, a, b) => ops.gemm(a.transpose(), b), [R, K], [R, N], fl);
}
