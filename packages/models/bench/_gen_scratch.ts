import { compile, Tensor } from '@proj/runtime';
import ref from '../src/folder/fixtures/tiny-gpt2-reference.json' with { type: 'json' };
const f = await compile('src/folder/fixtures/tiny-gpt2/onnx/model.onnx', { intraOpNumThreads: 1 });
console.log(f.inputs.map((i) => `${i.name}:${i.dtype}[${i.shape}]`).join('\n'));
console.log(f.outputs.map((i) => `${i.name}:${i.dtype}[${i.shape}]`).join('\n'));
const feeds: Record<string, Tensor> = {
  input_ids: Tensor.fromArray(ref.prefill.inputIds.map((r) => r.map(BigInt)), { dtype: 'int64' }),
  attention_mask: Tensor.fromArray(ref.prefill.attentionMask.map((r) => r.map(BigInt)), { dtype: 'int64' }),
  position_ids: Tensor.fromArray(ref.prefill.positionIds.map((r) => r.map(BigInt)), { dtype: 'int64' }),
};
for (let l = 0; l < 2; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = Tensor.zeros([2, 4, 0, 8]);
const out = await f(feeds);
const lg = out.logits;
console.log(lg.shape, out['present.0.key'].shape);
const d = lg.data as Float32Array; const [b, s, v] = lg.shape;
let maxErr = 0;
ref.prefill.logits.forEach((rows, i) => { const off = s - rows.length; rows.forEach((row, j) => row.forEach((x, k) => { maxErr = Math.max(maxErr, Math.abs(d[(i * s + off + j) * v + k] - x)); })); });
console.log('max err', maxErr);
