/**
 * Training step (forward + backward + AdamW) of two GPT-style models: @proj (ONNX Runtime) vs PyTorch eager
 * CPU, same thread count, alternating engines round by round. Run: npm run bench -w @proj/models
 */
import { availableParallelism } from 'node:os';
import { adamw, compileTrainStep, Tensor } from '@proj/runtime';
import { writeResult } from '../../../bench/lib/results.js';
import { median, TorchPeer } from '../../../bench/lib/torch-peer.js';
import { buildLmTrainingGraph } from '../src/decoder/graph.js';
import { ParameterStore } from '../src/nn/params.js';
import { BENCH_MODELS, TORCH_SERVER } from './models.js';

const threads = 2;
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const stepsPerRound = Number(process.env.BENCH_STEPS ?? 8);

async function main() {
  const torch = TorchPeer.start(TORCH_SERVER, { threads });
  const tuned = TorchPeer.start(TORCH_SERVER, { threads, tunedMalloc: true });
  const info = await torch.send<{ torch: string; matmulGflops: number }>({ cmd: 'info' });
  console.log(
    `torch ${info.torch}, ${threads} threads, matmul 1024^3: ${info.matmulGflops.toFixed(0)} GFLOP/s (fair baseline needs ~370)`,
  );
  console.log(
    `machine: ${availableParallelism()} cores; ${rounds} rounds x ${stepsPerRound} steps, medians\n`,
  );
  const rows: Record<string, unknown>[] = [];
  for (const [name, m] of Object.entries(BENCH_MODELS)) {
    const store = new ParameterStore({ seed: 0 });
    const t = buildLmTrainingGraph(m.config, store, { batch: m.batch, seq: m.seq });
    const ours: Record<string, Awaited<ReturnType<typeof compileTrainStep>>> = {};
    for (const update of ['host', 'graph'] as const) {
      ours[update] = await compileTrainStep(t.g, {
        loss: t.loss,
        optimizer: adamw(),
        update,
        intraOpNumThreads: threads,
      });
    }
    const ids = Tensor.randn([m.batch, m.seq], { seed: 1 })
      .toNumbers()
      .map((x) => BigInt(Math.abs(Math.floor(x * 1000)) % m.config.vocabSize));
    const feeds = {
      input_ids: Tensor.fromArray(ids, { dtype: 'int64', shape: [m.batch, m.seq] }),
      labels: Tensor.fromArray(ids.slice().reverse(), { dtype: 'int64', shape: [m.batch, m.seq] }),
      loss_mask: Tensor.ones([m.batch, m.seq]),
    };
    for (const peer of [torch, tuned])
      await peer.send({ cmd: 'setup', model: m.config, batch: m.batch, seq: m.seq });
    const time = async (run: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < stepsPerRound; i++) {
        const s = performance.now();
        await run();
        ms.push(performance.now() - s);
      }
      return median(ms);
    };
    // Warm-up.
    for (const u of Object.values(ours)) for (let i = 0; i < 3; i++) await u.run(feeds, { lr: 1e-4 });
    for (const peer of [torch, tuned]) await peer.send({ cmd: 'train', steps: 3 });
    const per: Record<string, number[]> = { host: [], graph: [], torch: [], torchTuned: [] };
    for (let r = 0; r < rounds; r++) {
      per.host.push(await time(() => ours.host.run(feeds, { lr: 1e-4 })));
      per.torch.push(median((await torch.send<{ ms: number[] }>({ cmd: 'train', steps: stepsPerRound })).ms));
      per.graph.push(await time(() => ours.graph.run(feeds, { lr: 1e-4 })));
      per.torchTuned.push(
        median((await tuned.send<{ ms: number[] }>({ cmd: 'train', steps: stepsPerRound })).ms),
      );
    }
    const ratios = per.host.map((h, i) => h / per.torch[i]);
    const row = {
      model: name,
      params: store.count(),
      oursHostMs: median(per.host),
      oursGraphMs: median(per.graph),
      torchMs: median(per.torch),
      torchTunedMs: median(per.torchTuned),
      ratioHostVsTorch: median(ratios),
      ratioHostVsTunedTorch: median(per.host.map((h, i) => h / per.torchTuned[i])),
      ratioGraphVsTorch: median(per.graph.map((h, i) => h / per.torch[i])),
      perRoundHostVsTorch: ratios.map((x) => Number(x.toFixed(3))),
    };
    rows.push(row);
    for (const u of Object.values(ours)) await u.dispose();
  }
  torch.close();
  tuned.close();
  console.table(
    rows.map((r) => ({
      model: r.model,
      'ours host (ms)': (r.oursHostMs as number).toFixed(1),
      'ours graph (ms)': (r.oursGraphMs as number).toFixed(1),
      'torch (ms)': (r.torchMs as number).toFixed(1),
      'torch tuned (ms)': (r.torchTunedMs as number).toFixed(1),
      'host/torch': (r.ratioHostVsTorch as number).toFixed(2),
      'host/tuned': (r.ratioHostVsTunedTorch as number).toFixed(2),
      'graph/torch': (r.ratioGraphVsTorch as number).toFixed(2),
    })),
  );
  await writeResult('train-step', { torch: info, threads, rounds, stepsPerRound, rows });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
