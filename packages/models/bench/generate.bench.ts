/**
 * Generation throughput (tokens/s) of the `mid` GPT-style model, greedy, 128 new tokens, batch 1 and batch 8:
 *   ours          LocalLanguageModel on a folder written by saveDecoderFolder (loadLanguageModel: the static-KV-cache
 *                 graph built from the folder's weights)
 *   ours (onnx)   the same folder's exported onnx/model.onnx (Optimum IO, the file transformers.js runs) through
 *                 loadLanguageModel(dir, { onnxFile: 'onnx/model.onnx' })
 *   torch         PyTorch eager CPU with a KV cache on the same weights (model.safetensors), fair-baseline env
 *   torch tuned   the same with the glibc malloc tunables (../shared/BENCHMARKING.md)
 *   transformers.js  @huggingface/transformers AutoModelForCausalLM.generate on the same folder's onnx/model.onnx
 * Engines alternate round by round; medians of rounds and of per-round ratios. All engines run 2 threads. Ours
 * is timed from prompt text to decoded text; the peers from token ids to token ids (no tokenizer work).
 * Run: npx tsx --conditions @proj/source packages/models/bench/generate.bench.ts   (BENCH_ROUNDS / BENCH_CALLS change the
 * rounds and the measured calls per engine turn)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoModelForCausalLM, Tensor as HfTensor, env as hfEnv } from '@huggingface/transformers';
import { writeResult } from '../../../bench/lib/results.js';
import { median, TorchPeer } from '../../../bench/lib/torch-peer.js';
import { saveDecoderFolder } from '../src/folder/decoder-folder.js';
import { loadLanguageModel } from '../src/folder/load-lm.js';
import { LocalLanguageModel } from '../src/generation/local-lm.js';
import type { DecoderRunner, ForwardBatch, KvCache } from '../src/generation/runner.js';
import { ParameterStore } from '../src/nn/params.js';
import { ByteTokenizer } from '../src/tokenizer/byte-level.js';
import { BENCH_MODELS, TORCH_SERVER } from './models.js';

const threads = 2;
const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const calls = Number(process.env.BENCH_CALLS ?? 3);
const NEW = 128;
const PROMPTS = [
  'Once upon a time',
  'The quick brown ',
  'In a hole in the',
  'It was the best ',
  'Call me Ishmael.',
  'All happy famili',
  'It is a truth un',
  'Happy families a',
];

/** Times the runner's forward calls (ONNX Runtime run + feed/fetch conversion) apart from the loop around them. */
class TimedRunner implements DecoderRunner {
  forwardMs = 0;
  calls = 0;
  constructor(private readonly inner: DecoderRunner) {}
  get vocabSize() {
    return this.inner.vocabSize;
  }
  async forward(batch: ForwardBatch) {
    const t = performance.now();
    const out = await this.inner.forward(batch);
    this.forwardMs += performance.now() - t;
    this.calls++;
    return out;
  }
  selectRows(cache: KvCache, rows: readonly number[]) {
    return this.inner.selectRows(cache, rows);
  }
  dispose() {
    return this.inner.dispose();
  }
}

async function main() {
  const m = BENCH_MODELS.mid;
  // Byte tokenizer padded with extra special tokens to the model's 512 ids (so every sampled id decodes) and no
  // EOS token, so that every engine generates exactly NEW tokens.
  const tokenizer = ByteTokenizer.files({
    eos: null,
    extraSpecialTokens: Array.from({ length: m.config.vocabSize - 258 }, (_, i) => `<extra_${i}>`),
  });
  const root = await mkdtemp(join(tmpdir(), 'proj-generate-bench-'));
  const dir = join(root, 'mid');
  const store = new ParameterStore({ seed: 0 });
  await saveDecoderFolder(dir, { config: m.config, store, tokenizer });

  const load0 = loadavg();
  const torch = TorchPeer.start(TORCH_SERVER, { threads });
  const tuned = TorchPeer.start(TORCH_SERVER, { threads, tunedMalloc: true });
  const info = await torch.send<{ torch: string; matmulGflops: number }>({ cmd: 'info' });
  console.log(
    `torch ${info.torch}, ${threads} threads, matmul 1024^3: ${info.matmulGflops.toFixed(0)} GFLOP/s (fair baseline needs ~370)`,
  );
  console.log(
    `machine: ${availableParallelism()} cores, load ${load0.map((x) => x.toFixed(2)).join(' ')}; ${rounds} rounds, ${NEW} new tokens`,
  );
  for (const peer of [torch, tuned]) await peer.send({ cmd: 'load', dir });

  const lm = await loadLanguageModel(dir, { session: { intraOpNumThreads: threads } });
  const timed = new TimedRunner(lm.runner);
  const ours = new LocalLanguageModel(timed, lm.tokenizer, { maxPositions: m.config.maxPositions });
  const oursOnnx = await loadLanguageModel(dir, {
    session: { intraOpNumThreads: threads },
    onnxFile: 'onnx/model.onnx',
  });

  hfEnv.allowRemoteModels = false;
  hfEnv.localModelPath = `${dirname(dir)}/`;
  const hf = await AutoModelForCausalLM.from_pretrained(basename(dir), {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });

  // Process warm-up: the first seconds of every engine here are several times slower (fresh memory is expensive to
  // fault in on these VMs, thread pools start), so each runs batch-8 generations before anything is measured.
  {
    const ids8 = PROMPTS.map((p) => lm.tokenizer.encode(p));
    const w = ids8[0].length;
    const input_ids = new HfTensor('int64', BigInt64Array.from(ids8.flat(), BigInt), [8, w]);
    const attention_mask = new HfTensor('int64', new BigInt64Array(8 * w).fill(1n), [8, w]);
    for (let i = 0; i < 3; i++) {
      await ours.generate(PROMPTS, { maxNewTokens: NEW, temperature: 0 });
      await oursOnnx.generate(PROMPTS, { maxNewTokens: NEW, temperature: 0 });
      await hf.generate({ input_ids, attention_mask, max_new_tokens: NEW, do_sample: false });
      for (const peer of [torch, tuned]) await peer.send({ cmd: 'generate', ids: ids8, new: NEW, reps: 1 });
    }
  }

  const rows: Record<string, unknown>[] = [];
  for (const batch of [1, 8]) {
    const prompts = PROMPTS.slice(0, batch);
    const ids = prompts.map((p) => lm.tokenizer.encode(p));
    const width = ids[0].length;
    if (ids.some((r) => r.length !== width)) throw new Error('bench prompts must encode to the same length');
    const hfInputs = {
      input_ids: new HfTensor('int64', BigInt64Array.from(ids.flat(), BigInt), [batch, width]),
      attention_mask: new HfTensor('int64', new BigInt64Array(batch * width).fill(1n), [batch, width]),
    };
    const runOurs = async () => {
      const out = await ours.generate(prompts, { maxNewTokens: NEW, temperature: 0 });
      return out.map(([g]) => g.tokenIds);
    };
    const runOursOnnx = async () => {
      const out = await oursOnnx.generate(prompts, { maxNewTokens: NEW, temperature: 0 });
      return out.map(([g]) => g.tokenIds);
    };
    const runHf = async () => {
      const out = (await hf.generate({ ...hfInputs, max_new_tokens: NEW, do_sample: false })) as HfTensor;
      const flat = Array.from(out.data as BigInt64Array, Number);
      const len = out.dims[1];
      return Array.from({ length: batch }, (_, r) => flat.slice(r * len + width, (r + 1) * len));
    };
    const runTorch = async (peer: TorchPeer) => {
      const reply = await peer.send<{ ms: number[]; tokens: number[][] }>({
        cmd: 'generate',
        ids,
        new: NEW,
        reps: 1,
      });
      return reply;
    };
    // Warm-up, and the tokens each engine generates (greedy: they should agree).
    const tokOurs = await runOurs();
    const tokOursOnnx = await runOursOnnx();
    const tokHf = await runHf();
    const tokTorch = (await runTorch(torch)).tokens;
    await runTorch(tuned);
    const agree = (a: number[][], b: number[][]) => {
      let same = 0;
      a.forEach((r, i) => r.forEach((t, j) => (same += t === b[i][j] ? 1 : 0)));
      return same / (a.length * NEW);
    };
    if ([tokOurs, tokOursOnnx, tokHf, tokTorch].some((t) => t.some((r) => r.length !== NEW)))
      throw new Error('an engine stopped early');

    const per: Record<'ours' | 'oursOnnx' | 'torch' | 'hf' | 'torchTuned', number[]> = {
      ours: [],
      oursOnnx: [],
      torch: [],
      hf: [],
      torchTuned: [],
    };
    const forwardShare: number[] = [];
    // Each engine's turn in a round: one unmeasured call (the first call after another engine ran is slower for
    // every engine here: caches, thread pools waking up), then the median of `calls` measured calls.
    const turn = async (run: () => Promise<number>) => {
      await run();
      const ms: number[] = [];
      for (let i = 0; i < calls; i++) ms.push(await run());
      return median(ms);
    };
    const timeOf = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    for (let r = 0; r < rounds; r++) {
      per.ours.push(
        await turn(async () => {
          timed.forwardMs = 0;
          const ms = await timeOf(runOurs);
          forwardShare.push(timed.forwardMs / ms);
          return ms;
        }),
      );
      per.torch.push(await turn(async () => (await runTorch(torch)).ms[0]));
      per.hf.push(await turn(() => timeOf(runHf)));
      per.oursOnnx.push(await turn(() => timeOf(runOursOnnx)));
      per.torchTuned.push(await turn(async () => (await runTorch(tuned)).ms[0]));
    }
    const tps = (ms: number) => (batch * NEW) / (ms / 1000);
    // throughput ratio ours / peer, per round, then the median
    const ratio = (peer: number[], mine = per.ours) => median(mine.map((o, i) => peer[i] / o));
    const row = {
      batch,
      newTokens: NEW,
      promptTokens: width,
      oursTokPerS: tps(median(per.ours)),
      oursOnnxTokPerS: tps(median(per.oursOnnx)),
      torchTokPerS: tps(median(per.torch)),
      torchTunedTokPerS: tps(median(per.torchTuned)),
      transformersJsTokPerS: tps(median(per.hf)),
      oursVsTorch: ratio(per.torch),
      oursVsTorchTuned: ratio(per.torchTuned),
      oursVsTransformersJs: ratio(per.hf),
      oursOnnxVsTorch: ratio(per.torch, per.oursOnnx),
      oursOnnxVsTransformersJs: ratio(per.hf, per.oursOnnx),
      oursForwardShare: median(forwardShare),
      msPerRound: per,
      tokenAgreement: {
        oursVsTorch: agree(tokOurs, tokTorch),
        oursVsTransformersJs: agree(tokOurs, tokHf),
        oursOnnxVsOurs: agree(tokOursOnnx, tokOurs),
      },
    };
    rows.push(row);
  }
  const load1 = loadavg();
  torch.close();
  tuned.close();
  await ours.dispose();
  await oursOnnx.dispose();
  await hf.dispose();
  await rm(root, { recursive: true, force: true });

  console.table(
    rows.map((r) => ({
      batch: r.batch,
      'ours tok/s': (r.oursTokPerS as number).toFixed(0),
      'torch tok/s': (r.torchTokPerS as number).toFixed(0),
      'torch tuned tok/s': (r.torchTunedTokPerS as number).toFixed(0),
      'transformers.js tok/s': (r.transformersJsTokPerS as number).toFixed(0),
      'ours/torch': (r.oursVsTorch as number).toFixed(2),
      'ours/tuned': (r.oursVsTorchTuned as number).toFixed(2),
      'ours/tjs': (r.oursVsTransformersJs as number).toFixed(2),
      'ours(onnx) tok/s': (r.oursOnnxTokPerS as number).toFixed(0),
      'ours(onnx)/torch': (r.oursOnnxVsTorch as number).toFixed(2),
      'ours(onnx)/tjs': (r.oursOnnxVsTransformersJs as number).toFixed(2),
      'ours in forward': `${((r.oursForwardShare as number) * 100).toFixed(0)}%`,
    })),
  );
  for (const r of rows)
    console.log(`batch ${r.batch} greedy token agreement:`, JSON.stringify(r.tokenAgreement));
  console.log(
    `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
  );
  await writeResult('generate', {
    torch: info,
    threads,
    rounds,
    callsPerTurn: calls,
    model: { name: 'mid', config: m.config, params: store.count() },
    loadAverage: { before: load0, after: load1 },
    rows,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
