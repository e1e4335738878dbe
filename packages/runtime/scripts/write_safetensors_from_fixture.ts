/**
 * Cross-check helper: rebuild the reference tensors from src/io/fixtures/reference.json with @proj/runtime
 * alone, write them with saveSafetensors, then let the python reader check them against torch:
 *
 *   npx tsx packages/runtime/scripts/write_safetensors_from_fixture.ts /tmp/ts.safetensors
 *   /usr/bin/python3 packages/runtime/scripts/make_safetensors_fixture.py --verify /tmp/ts.safetensors
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { saveSafetensors } from '../src/io/safetensors.js';
import { type DType, toHalfBits } from '../src/tensor/dtype.js';
import { Tensor } from '../src/tensor/tensor.js';

const DTYPE: Record<string, DType> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  I32: 'int32',
  I64: 'int64',
  U8: 'uint8',
  I8: 'int8',
  BOOL: 'bool',
};

const out = process.argv[2];
if (!out) throw new Error('usage: write_safetensors_from_fixture.ts <output.safetensors>');
const ref = JSON.parse(
  await readFile(join(import.meta.dirname, '..', 'src', 'io', 'fixtures', 'reference.json'), 'utf8'),
) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
};
const tensors = new Map<string, Tensor>();
for (const [name, r] of Object.entries(ref.tensors)) {
  const dtype = DTYPE[r.dtype];
  const t = Tensor.zeros(r.shape, dtype);
  const d = t.data as unknown as (number | bigint)[];
  r.values.forEach((v, i) => {
    d[i] = dtype === 'int64' ? BigInt(v) : dtype === 'float16' ? toHalfBits(Number(v)) : Number(v);
  });
  tensors.set(name, t);
}
await saveSafetensors(out, tensors, ref.metadata);
console.log(`wrote ${tensors.size} tensors to ${out}`);
