import { compile, encodeModel, Graph, Tensor, toModel } from '@proj/runtime';
import { type Command, UsageError } from '../cli.js';

/**
 * `proj demo`: a short end-to-end run that shows the stack working on this machine: build a network with the
 * graph builder, serialise it to ONNX, run it on ONNX Runtime, and report shapes, timing and a checksum.
 */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Build a small network with the graph builder and run it on ONNX Runtime.',
  description:
    'Builds a 2-layer GELU MLP (batch 256, 512 -> 2048 -> 512) with the @proj/runtime graph builder, serialises it to ONNX, runs it on ONNX Runtime (CPU) and prints what it did.',
  options: {
    batch: { type: 'string', description: 'Batch size.', default: '256', valueName: 'n' },
    runs: { type: 'string', description: 'Timed runs after one warm-up.', default: '20', valueName: 'n' },
    seed: { type: 'string', description: 'Seed for weights and inputs.', default: '1', valueName: 'n' },
  },
  async run(ctx) {
    const batch = positiveInt(ctx.values.batch, 'batch');
    const runs = positiveInt(ctx.values.runs, 'runs');
    const seed = positiveInt(ctx.values.seed, 'seed');
    const t0 = performance.now();
    const g = new Graph('demo-mlp');
    const x = g.input('x', 'float32', ['batch', 512]);
    const w1 = g.param('w1', [512, 2048], { init: 'kaiming', seed });
    const b1 = g.param('b1', [2048], { init: 'zeros' });
    const w2 = g.param('w2', [2048, 512], { init: 'xavier', seed: seed + 1 });
    const y = x.matmul(w1).add(b1).gelu().matmul(w2);
    g.output('y', y);
    const bytes = encodeModel(toModel(g));
    const built = performance.now();
    const f = await compile(bytes);
    const compiled = performance.now();
    const input = Tensor.randn([batch, 512], { seed: seed + 2 });
    await f({ x: input });
    const times: number[] = [];
    let out: Tensor | undefined;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      out = (await f({ x: input })).y;
      times.push(performance.now() - s);
    }
    await f.dispose();
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const flops = 2 * batch * (512 * 2048 + 2048 * 512);
    const data = out!.data as Float32Array;
    let sum = 0;
    for (const v of data) sum += v;
    const report = {
      graph: {
        name: g.name,
        nodes: g.nodes.length,
        params: [...g.params.values()].reduce((s, p) => s + p.data.size, 0),
        onnxBytes: bytes.byteLength,
      },
      input: [...input.shape],
      output: [...out!.shape],
      outputMean: sum / data.length,
      buildMs: round(built - t0),
      sessionMs: round(compiled - built),
      runMedianMs: round(median),
      gflops: round(flops / median / 1e6),
    };
    if (ctx.values.json) {
      ctx.out(JSON.stringify(report, null, 2));
      return;
    }
    ctx.out('proj demo: a GELU MLP built with @proj/runtime and run on ONNX Runtime (CPU)');
    ctx.out(
      `  graph     ${report.graph.nodes} nodes, ${report.graph.params.toLocaleString('en-US')} parameters, ${(bytes.byteLength / 1e6).toFixed(1)} MB of ONNX (opset 17)`,
    );
    ctx.out(`  built in  ${report.buildMs} ms; session created in ${report.sessionMs} ms`);
    ctx.out(
      `  ran       x[${report.input.join(', ')}] -> y[${report.output.join(', ')}], mean(y) = ${report.outputMean.toExponential(3)}`,
    );
    ctx.out(`  speed     median ${report.runMedianMs} ms over ${runs} runs = ${report.gflops} GFLOP/s`);
    ctx.out("Next: 'proj --help' lists what else proj can do.");
    return 0;
  },
};

function positiveInt(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive integer, got '${String(v)}'.`);
  }
  return n;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
