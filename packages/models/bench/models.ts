import { type DecoderConfig, gpt2Config } from '../src/decoder/config.js';

/** The two GPT-style models of the benchmarks (issue 3 / ../shared/BENCHMARKING.md). */
export const BENCH_MODELS: Record<'small' | 'mid', { config: DecoderConfig; batch: number; seq: number }> = {
  small: {
    config: gpt2Config({ vocabSize: 256, dModel: 128, nLayers: 2, nHeads: 4, maxPositions: 256 }),
    batch: 16,
    seq: 64,
  },
  mid: {
    config: gpt2Config({ vocabSize: 512, dModel: 256, nLayers: 4, nHeads: 8, maxPositions: 256 }),
    batch: 8,
    seq: 128,
  },
};
