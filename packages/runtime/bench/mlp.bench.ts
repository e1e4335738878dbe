/**
 * Forward of a GELU MLP (batch 256, 512 -> 2048 -> 512) and per-call overhead of a trivial graph: @proj/runtime
 * (graph builder -> ONNX Runtime) vs PyTorch eager CPU, same thread count, alternating round by round.
 * Run: npm run bench -w @proj/runtime
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from '../../../bench/lib/results.js';
import { median, TorchPeer } from '../../../bench/lib/torch-peer.js';
import { compile, Graph, Tensor } from '../src/index.js';

const threads = 2;
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const reps = Number(process.env.BENCH_REPS ?? 30);

async function main() {
  const torch = TorchPeer.start(join(dirname(fileURLToPath(import.meta.url)), 'torch_mlp.py'), { threads });
  const info = await torch.send<{ torch: string; matmulGflops: number }>({ cmd: 'info' });
  console.log(
    `torch ${info.torch}, ${threads} threads, matmul 1024^3: ${info.matmulGflops.toFixed(0)} GFLOP/s (fair baseline needs ~370)`,
  );

  const g = new Graph('mlp');
  const x = g.input('x', 'float32', ['batch', 512]);
  const y = x
    .matmul(g.param('w1', [512, 2048], { std: 0.02, seed: 1 }))
    .add(g.param('b1', [2048], { init: 'zeros' }))
    .gelu()
    .matmul(g.param('w2', [2048, 512], { std: 0.02, seed: 2 }))
    .add(g.param('b2', [512], { init: 'zeros' }));
  g.output('y', y);
  const mlp = await compile(g, { intraOpNumThreads: threads });
  const t = new Graph('trivial');
  t.output('y', t.input('x', 'float32', [1]).add(1));
  const trivial = await compile(t, { intraOpNumThreads: threads });
  const input = Tensor.randn([256, 512], { seed: 3 });
  const one = Tensor.ones([1]);
  const time = async (fn: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < reps; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    return median(ms);
  };
  for (let i = 0; i < 10; i++) await mlp({ x: input });
  await torch.send({ cmd: 'mlp', batch: 256, reps: 10 });
  const per = {
    mlp: [] as number[],
    torchMlp: [] as number[],
    trivial: [] as number[],
    torchTrivial: [] as number[],
  };
  for (let r = 0; r < rounds; r++) {
    per.mlp.push(await time(() => mlp({ x: input })));
    per.torchMlp.push(median((await torch.send<{ ms: number[] }>({ cmd: 'mlp', batch: 256, reps })).ms));
    per.trivial.push(await time(() => trivial({ x: one })));
    per.torchTrivial.push(
      median((await torch.send<{ ms: number[] }>({ cmd: 'trivial', reps: reps * 10 })).ms),
    );
  }
  torch.close();
  await mlp.dispose();
  await trivial.dispose();
  const ratio = median(per.mlp.map((m, i) => m / per.torchMlp[i]));
  const rows = [
    { figure: 'MLP forward, batch 256 (ms)', ours: median(per.mlp), torch: median(per.torchMlp), ratio },
    {
      figure: 'trivial call overhead (ms)',
      ours: median(per.trivial),
      torch: median(per.torchTrivial),
      ratio: median(per.trivial.map((m, i) => m / per.torchTrivial[i])),
    },
  ];
  console.table(
    rows.map((r) => ({
      figure: r.figure,
      ours: r.ours.toFixed(4),
      torch: r.torch.toFixed(4),
      'ours/torch': r.ratio.toFixed(2),
    })),
  );
  console.log(
    `target: MLP forward within 1.2x of PyTorch -> ${ratio <= 1.2 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`,
  );
  await writeResult('runtime-mlp', { torch: info, threads, rounds, reps, rows, perRound: per });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
