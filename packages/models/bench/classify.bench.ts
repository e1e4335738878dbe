/**
 * Pair-classification throughput (pairs/s; pairs of equal length, ~123 tokens, and of mixed lengths) of LocalSequenceClassifier vs
 * @huggingface/transformers (AutoTokenizer with text_pair + AutoModelForSequenceClassification, the way its
 * zero-shot pipeline runs an NLI model) on the SAME folder: a random BERT cross-encoder (d 256, 4 layers, 4 heads,
 * vocab 1000, 3 labels) saved by saveClassifierFolder. Same batch size and thread count, engines alternating
 * round by round; the logits of both are compared.
 *
 * Run: npx tsx --conditions @proj/source packages/models/bench/classify.bench.ts
 * Env: BENCH_ROUNDS (5), BENCH_PAIRS (256), BENCH_THREADS (2), BENCH_PEER=0 to time ours alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@proj/runtime';
import { writeResult } from '../../../bench/lib/results.js';
import { alternatingThroughput } from '../../../bench/lib/rounds.js';
import {
  loadTransformersPeer,
  TRANSFORMERS_PEER as PEER,
  type TransformersEnv,
} from '../../../bench/lib/transformers-peer.js';
import { LocalSequenceClassifier, saveClassifierFolder } from '../src/encoder/classifier.js';
import { bertConfig } from '../src/encoder/config.js';
import { ParameterStore } from '../src/nn/params.js';
import { wordTokenizerFiles } from '../src/tokenizer/wordpiece.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const nPairs = Number(process.env.BENCH_PAIRS ?? 256);
const batchSize = 32;
const WORDS_PER_TEXT = 60;

/** The slice of @huggingface/transformers this bench uses. */
interface TransformersModule {
  env: TransformersEnv;
  AutoTokenizer: {
    from_pretrained(
      name: string,
    ): Promise<
      (
        texts: string[],
        options: { text_pair: string[]; padding: boolean; truncation: boolean },
      ) => Record<string, unknown>
    >;
  };
  AutoModelForSequenceClassification: {
    from_pretrained(
      name: string,
      options: Record<string, unknown>,
    ): Promise<{
      (inputs: Record<string, unknown>): Promise<{ logits: { data: Float32Array; dims: number[] } }>;
      dispose(): Promise<void>;
    }>;
  };
}

async function main() {
  const words = Array.from({ length: 995 }, (_, i) => `w${i}`);
  const files = wordTokenizerFiles(words, { modelMaxLength: 128 });
  const config = bertConfig({ vocabSize: 1000, dModel: 256, nLayers: 4, nHeads: 4, maxPositions: 128 });
  const labels = ['contradiction', 'entailment', 'neutral'];
  const rng = new Rng(5);
  const text = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(rng.uniform() * words.length)]).join(' ');
  const scenarios = [
    {
      name: `equal lengths (${WORDS_PER_TEXT} + ${WORDS_PER_TEXT} words)`,
      pairs: Array.from({ length: nPairs }, () => [text(WORDS_PER_TEXT), text(WORDS_PER_TEXT)] as const),
    },
    {
      name: 'mixed lengths (5-60 words each)',
      pairs: Array.from({ length: nPairs }, () => [text(5 + rng.int(56)), text(5 + rng.int(56))] as const),
    },
  ];

  const root = await mkdtemp(join(tmpdir(), 'proj-classify-bench-'));
  await saveClassifierFolder(join(root, 'nli'), {
    config,
    labels,
    weights: new ParameterStore({ seed: 1 }),
    tokenizer: files,
  });
  const peer = await loadTransformersPeer<TransformersModule>(root);
  const ours = await LocalSequenceClassifier.fromFolder(join(root, 'nli'), {
    batchSize,
    intraOpNumThreads: threads,
  });
  const tokenizer = peer ? await peer.AutoTokenizer.from_pretrained('nli') : null;
  const model = peer
    ? await peer.AutoModelForSequenceClassification.from_pretrained('nli', {
        dtype: 'fp32',
        device: 'cpu',
        session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
      })
    : null;
  console.log(
    `${availableParallelism()} cores, ${threads} intra-op threads, ${nPairs} pairs, batch ${batchSize}, ${rounds} rounds\n`,
  );
  const rows: Record<string, unknown>[] = [];
  for (const { name, pairs } of scenarios) {
    const runOurs = async () => (await ours.classify(pairs)).map((r) => r.logits);
    const runPeer = async () => {
      const out: Float32Array[] = [];
      for (let i = 0; i < pairs.length; i += batchSize) {
        const batch = pairs.slice(i, i + batchSize);
        const inputs = tokenizer!(
          batch.map((p) => p[0]),
          { text_pair: batch.map((p) => p[1]), padding: true, truncation: true },
        );
        const { logits } = await model!(inputs);
        const n = logits.dims[1];
        for (let r = 0; r < logits.dims[0]; r++) out.push(logits.data.slice(r * n, (r + 1) * n));
      }
      return out;
    };
    // Warm-up, and a check that both compute the same logits.
    const a = await runOurs();
    let maxDiff = Number.NaN;
    if (model) {
      const b = await runPeer();
      maxDiff = Math.max(...a.flatMap((v, i) => Array.from(v, (x, j) => Math.abs(x - b[i][j]))));
    }
    const t = await alternatingThroughput(rounds, pairs.length, runOurs, model ? runPeer : null);
    const tokens = pairs.map((p) => ours.tokenizer.encodePair(p[0], p[1]).ids.length);
    rows.push({
      scenario: name,
      meanTokens: tokens.reduce((x, y) => x + y, 0) / tokens.length,
      oursPairsPerSec: t.ours,
      peerPairsPerSec: t.peer,
      ratio: t.ratio,
      maxLogitDiff: model ? maxDiff : null,
      perRoundOurs: t.perRoundOurs,
      perRoundPeer: t.perRoundPeer,
    });
  }
  await ours.dispose();
  await model?.dispose();
  await rm(root, { recursive: true, force: true });
  console.table(
    rows.map((r) => ({
      scenario: r.scenario,
      'tokens/pair': (r.meanTokens as number).toFixed(0),
      'ours (pairs/s)': (r.oursPairsPerSec as number).toFixed(1),
      'transformers.js (pairs/s)':
        r.peerPairsPerSec === null ? 'n/a' : (r.peerPairsPerSec as number).toFixed(1),
      'ours / peer': r.ratio === null ? 'n/a' : (r.ratio as number).toFixed(2),
      'max |logit diff|': r.maxLogitDiff === null ? 'n/a' : (r.maxLogitDiff as number).toExponential(1),
    })),
  );
  await writeResult('classify', {
    peer: model ? `${PEER}@4.3.1` : null,
    model: { ...config, labels },
    threads,
    rounds,
    pairs: nPairs,
    batchSize,
    rows,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
