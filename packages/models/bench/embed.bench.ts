/**
 * Embedding throughput (texts/s, 128 tokens per text) of LocalEmbedder vs @huggingface/transformers'
 * feature-extraction pipeline (pooling 'mean', normalize true) on the SAME model folders, same batch size and
 * thread count, engines alternating round by round. Two folders of one random BERT (d 256, 4 layers, 4 heads,
 * vocab 1000): the project's own (ONNX returns sentence_embedding, pooled in the graph) and an Optimum-style one
 * (ONNX returns last_hidden_state only, pooled on the host).
 *
 * Run: npx tsx --conditions @proj/source packages/models/bench/embed.bench.ts
 * Env: BENCH_ROUNDS (5), BENCH_TEXTS (256), BENCH_THREADS (2), BENCH_PEER=0 to time ours alone.
 * The peer needs `npm install -D -w @proj/models @huggingface/transformers@4.3.1`; without it only ours runs.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, Rng, toModel } from '@proj/runtime';
import { writeResult } from '../../../bench/lib/results.js';
import { alternatingThroughput } from '../../../bench/lib/rounds.js';
import {
  loadTransformersPeer,
  TRANSFORMERS_PEER as PEER,
  type TransformersEnv,
} from '../../../bench/lib/transformers-peer.js';
import { bertConfig, hfBertConfig } from '../src/encoder/config.js';
import { LocalEmbedder } from '../src/encoder/embedder.js';
import { saveEncoderFolder } from '../src/encoder/folder.js';
import { buildEncoderGraph } from '../src/encoder/graph.js';
import { ParameterStore } from '../src/nn/params.js';
import { wordTokenizerFiles } from '../src/tokenizer/wordpiece.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const nTexts = Number(process.env.BENCH_TEXTS ?? 256);
const batchSize = 32;
const TOKENS = 128;

/** The slice of @huggingface/transformers this bench uses. */
interface TransformersModule {
  env: TransformersEnv;
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: Record<string, unknown>,
  ): Promise<{
    (
      texts: string[],
      options: { pooling: 'mean'; normalize: boolean },
    ): Promise<{ data: Float32Array; dims: number[] }>;
    dispose(): Promise<void>;
  }>;
}

async function main() {
  const words = Array.from({ length: 995 }, (_, i) => `w${i}`);
  const files = wordTokenizerFiles(words, { modelMaxLength: TOKENS });
  const config = bertConfig({ vocabSize: 1000, dModel: 256, nLayers: 4, nHeads: 4, maxPositions: TOKENS });
  const store = new ParameterStore({ seed: 1 });
  const rng = new Rng(3);
  // 126 words + [CLS] + [SEP] = 128 tokens per text.
  const texts = Array.from({ length: nTexts }, () =>
    Array.from({ length: TOKENS - 2 }, () => words[Math.floor(rng.uniform() * words.length)]).join(' '),
  );

  const root = await mkdtemp(join(tmpdir(), 'proj-embed-bench-'));
  const own = join(root, 'own');
  const optimum = join(root, 'optimum');
  await saveEncoderFolder(own, { config, weights: store, tokenizer: files });
  // Optimum-style: plain HF BertConfig, ONNX with only last_hidden_state (what `optimum-cli export onnx` writes).
  const built = buildEncoderGraph(config, store);
  await mkdir(join(optimum, 'onnx'), { recursive: true });
  await writeFile(
    join(optimum, 'onnx', 'model.onnx'),
    encodeModel(toModel(built.g, { outputs: { last_hidden_state: built.hidden } })),
  );
  await writeFile(join(optimum, 'config.json'), JSON.stringify(hfBertConfig(config), null, 2));
  await writeFile(join(optimum, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
  await writeFile(join(optimum, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));

  const peer = await loadTransformersPeer<TransformersModule>(root);
  console.log(
    `${availableParallelism()} cores, ${threads} intra-op threads, ${nTexts} texts x ${TOKENS} tokens, batch ${batchSize}, ${rounds} rounds\n`,
  );

  const rows: Record<string, unknown>[] = [];
  for (const [label, dir, name] of [
    ['project folder (pooling in graph)', own, 'own'],
    ['Optimum-style folder (pooling on host)', optimum, 'optimum'],
  ] as const) {
    const ours = await LocalEmbedder.fromFolder(dir, { batchSize, intraOpNumThreads: threads });
    const lengths = texts.slice(0, 4).map((t) => ours.tokenizer.encode(t).length);
    if (lengths.some((n) => n !== TOKENS))
      throw new Error(`texts encode to ${lengths.join(', ')} tokens, expected ${TOKENS}`);
    const runOurs = () => ours.embed(texts);
    const extractor = peer
      ? await peer.pipeline('feature-extraction', name, {
          dtype: 'fp32',
          device: 'cpu',
          session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
        })
      : null;
    const runPeer = async () => {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const t = await extractor!(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
        const d = t.dims[1];
        for (let r = 0; r < t.dims[0]; r++) out.push(t.data.slice(r * d, (r + 1) * d));
      }
      return out;
    };
    // Warm-up, and a check that both compute the same vectors.
    const a = await runOurs();
    let minCos = Number.NaN;
    if (extractor) {
      const b = await runPeer();
      minCos = Math.min(...a.map((v, i) => v.reduce((s, x, j) => s + x * b[i][j], 0)));
    }
    const t = await alternatingThroughput(rounds, texts.length, runOurs, extractor ? runPeer : null);
    await ours.dispose();
    await extractor?.dispose();
    const row = {
      folder: label,
      oursTextsPerSec: t.ours,
      peerTextsPerSec: t.peer,
      ratio: t.ratio,
      minCosineOursVsPeer: extractor ? minCos : null,
      perRoundOurs: t.perRoundOurs,
      perRoundPeer: t.perRoundPeer,
    };
    rows.push(row);
  }
  await rm(root, { recursive: true, force: true });
  console.table(
    rows.map((r) => ({
      folder: r.folder,
      'ours (texts/s)': (r.oursTextsPerSec as number).toFixed(1),
      'transformers.js (texts/s)':
        r.peerTextsPerSec === null ? 'n/a' : (r.peerTextsPerSec as number).toFixed(1),
      'ours / peer': r.ratio === null ? 'n/a' : (r.ratio as number).toFixed(2),
      'min cos': r.minCosineOursVsPeer === null ? 'n/a' : (r.minCosineOursVsPeer as number).toFixed(6),
    })),
  );
  await writeResult('embed', {
    peer: peer ? `${PEER}@4.3.1` : null,
    model: { ...config, params: store.count() },
    threads,
    rounds,
    texts: nTexts,
    tokensPerText: TOKENS,
    batchSize,
    rows,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
