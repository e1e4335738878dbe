/**
 * Throughput of the ONNX codec (encodeModel / decodeModel) next to python onnx (protobuf C++ backend) on the same
 * bytes. Not a test. Run from the repository root:
 *
 *   npx tsx packages/runtime/scripts/bench-onnx-codec.ts
 *
 * Two generated models: "weights" (~50 MB: 96 float32 matrices of 512 KiB in rawData plus a few hundred nodes)
 * and "graph" (~6 MB of structure: 60k small nodes with names, attributes and value infos, no large tensors).
 * Prints a table (ratios > 1 mean faster than python) and writes bench/results/onnx-codec.json. The machine is
 * noisy: compare the ratios of one run, and rerun a few times.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel } from '../src/onnx/codec.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../src/onnx/types.js';

const ROUNDS = 11;

function weightsModel(): ModelProto {
  const initializer: TensorProto[] = [];
  const node: NodeProto[] = [];
  for (let i = 0; i < 96; i++) {
    const data = new Float32Array(256 * 512);
    for (let j = 0; j < data.length; j++) data[j] = Math.sin(i * 131 + j);
    initializer.push({
      name: `layers.${i}.weight`,
      dataType: 1,
      dims: [256, 512],
      rawData: new Uint8Array(data.buffer),
    });
    node.push({
      input: [i === 0 ? 'x' : `h${i - 1}`, `layers.${i}.weight`],
      output: [`h${i}`],
      name: `/layers.${i}/MatMul`,
      opType: 'MatMul',
      attribute: [],
    });
  }
  return model(node, initializer, 'weights');
}

function graphModel(): ModelProto {
  const node: NodeProto[] = [];
  const valueInfo: ValueInfoProto[] = [];
  for (let i = 0; i < 60000; i++) {
    node.push({
      input: [i === 0 ? 'x' : `/block.${i - 1}/out`, `/block.${i}/scale`],
      output: [`/block.${i}/out`],
      name: `/block.${i}/Mul`,
      opType: i % 3 === 0 ? 'Transpose' : 'Mul',
      attribute: i % 3 === 0 ? [{ name: 'perm', type: 7, ints: [0, 2, 1, 3] }] : [],
    });
    valueInfo.push({
      name: `/block.${i}/out`,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: [{ dimParam: 'batch' }, { dimValue: 128 }, { dimValue: 64 }] },
        },
      },
    });
  }
  const m = model(node, [], 'graph');
  m.graph.valueInfo = valueInfo;
  return m;
}

function model(node: NodeProto[], initializer: TensorProto[], name: string): ModelProto {
  const graph: GraphProto = {
    name,
    node,
    initializer,
    input: [
      {
        name: 'x',
        type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 256 }] } } },
      },
    ],
    output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    valueInfo: [],
  };
  return { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'bench', graph };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const PY = `
import sys, time, onnx
from google.protobuf.internal import api_implementation
data = open(sys.argv[1], 'rb').read()
rounds = int(sys.argv[2])
dec, enc = [], []
for _ in range(rounds):
    t = time.perf_counter(); m = onnx.ModelProto(); m.ParseFromString(data); dec.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter(); out = m.SerializeToString(); enc.append((time.perf_counter() - t) * 1e3)
assert out == data
dec.sort(); enc.sort()
print(dec[len(dec) // 2], enc[len(enc) // 2], api_implementation.Type())
`;

interface Row {
  model: string;
  mb: number;
  encodeMs: number;
  decodeViewMs: number;
  decodeCopyMs: number;
  pythonDecodeMs: number;
  pythonEncodeMs: number;
  pythonBackend: string;
}

const dir = mkdtempSync(join(tmpdir(), 'onnx-bench-'));
const rows: Row[] = [];
try {
  for (const [label, make] of [
    ['weights', weightsModel],
    ['graph', graphModel],
  ] as const) {
    const m = make();
    const bytes = encodeModel(m);
    const enc: number[] = [];
    const decView: number[] = [];
    const decCopy: number[] = [];
    // One operation at a time: interleaving lets one operation's garbage be collected during another's timing.
    for (let r = 0; r < ROUNDS; r++) enc.push(time(() => encodeModel(m)));
    for (let r = 0; r < ROUNDS; r++) decView.push(time(() => decodeModel(bytes)));
    for (let r = 0; r < ROUNDS; r++) decCopy.push(time(() => decodeModel(bytes, { copyBytes: true })));
    const again = encodeModel(decodeModel(bytes));
    if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) throw new Error('round trip differs');
    const file = join(dir, `${label}.onnx`);
    writeFileSync(file, bytes);
    const [pd, pe, backend] = execFileSync('/usr/bin/python3', ['-c', PY, file, String(ROUNDS)], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ');
    rows.push({
      model: label,
      mb: bytes.byteLength / 1e6,
      encodeMs: median(enc),
      decodeViewMs: median(decView),
      decodeCopyMs: median(decCopy),
      pythonDecodeMs: Number(pd),
      pythonEncodeMs: Number(pe),
      pythonBackend: backend,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const mbps = (mb: number, ms: number) => (mb / (ms / 1000)).toFixed(0);
const ratio = (py: number, ours: number) => `${(py / ours).toFixed(2)}x`;
console.log(
  'model      MB | encode MB/s (vs python) | decode view MB/s (vs python) | decode copy MB/s | python parse / serialize MB/s',
);
for (const r of rows) {
  console.log(
    [
      `${r.model.padEnd(7)} ${r.mb.toFixed(1).padStart(5)}`,
      `${mbps(r.mb, r.encodeMs).padStart(11)} (${ratio(r.pythonEncodeMs, r.encodeMs)})`.padEnd(23),
      `${mbps(r.mb, r.decodeViewMs).padStart(16)} (${ratio(r.pythonDecodeMs, r.decodeViewMs)})`.padEnd(28),
      mbps(r.mb, r.decodeCopyMs).padStart(16),
      `${mbps(r.mb, r.pythonDecodeMs)} / ${mbps(r.mb, r.pythonEncodeMs)}`,
    ].join(' | '),
  );
}
console.log(`(medians of ${ROUNDS} rounds; python protobuf backend: ${rows[0]?.pythonBackend})`);
const outDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const out = join(outDir, 'onnx-codec.json');
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, rows }, null, 1)}\n`);
renameSync(tmp, out);
console.log(`wrote ${out}`);
