import { readFileSync } from 'node:fs';
import { decodeModel } from '@proj/runtime';
const m = decodeModel(new Uint8Array(readFileSync('/tmp/prof/opt.onnx')));
const counts: Record<string, number> = {};
for (const n of m.graph.node) counts[`${n.domain || ''}:${n.opType}`] = (counts[`${n.domain || ''}:${n.opType}`] ?? 0) + 1;
console.log(m.graph.node.length, JSON.stringify(counts));
for (const n of m.graph.node) if (n.opType === 'Gemm' || n.opType === 'FusedMatMul' || n.opType === 'MatMul') {
  const at = Object.fromEntries(n.attribute.map((a) => [a.name, a.i ?? a.f]));
  console.log(n.opType, n.input.join(','), JSON.stringify(at));
}
