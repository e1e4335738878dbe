import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adamw, Rng, Tensor, Trainer, warmupCosine } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../interfaces.js';
import { ParameterStore } from '../nn/params.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { wordTokenizerFiles } from '../tokenizer/wordpiece.js';
import { bertConfig } from './config.js';
import { LocalEmbedder } from './embedder.js';
import { saveEncoderFolder } from './folder.js';
import { buildInfoNceGraph } from './graph.js';
import { type ParaphrasePair, paraphraseTask } from './testing/paraphrases.js';

/** Top-1 retrieval: how often an anchor's most similar positive (of all held-out positives) is its own. */
async function retrievalAccuracy(emb: Embedder, pairs: readonly ParaphrasePair[]): Promise<number> {
  const a = await emb.embed(pairs.map((p) => p.anchor));
  const p = await emb.embed(pairs.map((x) => x.positive));
  let hits = 0;
  a.forEach((v, i) => {
    let best = -Infinity;
    let arg = -1;
    p.forEach((w, j) => {
      let dot = 0;
      for (let k = 0; k < v.length; k++) dot += v[k] * w[k];
      if (dot > best) [best, arg] = [dot, j];
    });
    if (arg === i) hits++;
  });
  return hits / pairs.length;
}

describe('InfoNCE learning', () => {
  it('a tiny BERT trained on synthetic paraphrases retrieves held-out paraphrases far above chance', async () => {
    // 100 held-out facts (chance: 1%). Anchor and positive share no content word, so retrieval needs the
    // learned word correspondences, composed into facts never seen in training.
    const task = paraphraseTask({ seed: 1, heldOut: 100 });
    const files = wordTokenizerFiles(task.words);
    const tokenizer = Tokenizer.fromFiles(files);
    const config = bertConfig({
      vocabSize: tokenizer.vocabSize,
      dModel: 32,
      nLayers: 2,
      nHeads: 4,
      dFF: 64,
      maxPositions: 16,
    });
    const store = new ParameterStore({ seed: 1 });
    const seq = 12;
    const batch = 64;
    const steps = 100;
    const t = buildInfoNceGraph(config, store, { temperature: 0.1, batch, anchorSeq: seq, positiveSeq: seq });

    const untrained = await LocalEmbedder.create(config, store, tokenizer, { batchSize: 100 });
    const before = await retrievalAccuracy(untrained, task.heldOut);
    await untrained.dispose();

    const trainer = await Trainer.create(t.g, {
      loss: t.loss,
      optimizer: adamw({ weightDecay: 0.01 }),
      metrics: { accuracy: t.accuracy },
      lr: warmupCosine({ peak: 3e-3, warmupSteps: 20, totalSteps: steps }),
      intraOpNumThreads: 2,
    });
    const tensors = (texts: string[]) => {
      const e = tokenizer.encodeBatch(texts, { padding: 'max_length', maxLength: seq });
      return [
        new Tensor('int64', e.inputIdsInt64(), e.shape),
        new Tensor('int64', e.attentionMaskInt64(), e.shape),
      ];
    };
    const rng = new Rng(7);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const pairs = task.trainBatch(batch, rng);
      const [ai, am] = tensors(pairs.map((p) => p.anchor));
      const [pi, pm] = tensors(pairs.map((p) => p.positive));
      const r = await trainer.step({
        anchor_input_ids: ai,
        anchor_attention_mask: am,
        positive_input_ids: pi,
        positive_attention_mask: pm,
      });
      losses.push(r.loss);
    }
    await trainer.dispose();
    // log(64) = 4.16 is the loss of a model that cannot tell the pairs apart.
    expect(losses[0]).toBeGreaterThan(3.5);
    expect(losses.at(-1)).toBeLessThan(0.5);

    // The trained weights, saved as a model folder and served from its ONNX file.
    const dir = await mkdtemp(join(tmpdir(), 'proj-infonce-'));
    try {
      await saveEncoderFolder(join(dir, 'paraphrase-embedder'), {
        config,
        weights: trainer.params(),
        tokenizer: files,
      });
      const trained = await LocalEmbedder.fromFolder(join(dir, 'paraphrase-embedder'));
      const after = await retrievalAccuracy(trained, task.heldOut);
      await trained.dispose();
      expect(before).toBeLessThan(0.06);
      expect(after).toBeGreaterThan(0.9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
