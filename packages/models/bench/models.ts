import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The PyTorch side of the benchmarks (the project's GPT in torch, driven over stdin/stdout). */
export const TORCH_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'torch_server.py');
