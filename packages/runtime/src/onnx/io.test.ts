import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from './codec.js';
import { OnnxFileError, OnnxModelError } from './errors.js';
import { fixtureBytes, fixturePath, pySummary } from './fixtures/summarize.js';
import { inlineExternalData, loadModel, type ReadExternal, saveModel } from './io.js';
import { modelInitializers } from './signature.js';
import { tensorFromProto } from './tensor-proto.js';
import type { ModelProto, TensorProto } from './types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'onnx-io-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ext = (t: TensorProto) => Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));

async function runMlp(session: ort.InferenceSession): Promise<void> {
  const io = pySummary().torch_mlp_io;
  const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from(io.x), io.x_shape) });
  const got = y.data as Float32Array;
  expect(got.length).toBe(io.y.length);
  for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(io.y[i], 5);
  await session.release();
}

function pythonValues(model: string, tensor: string): unknown {
  const g = pySummary().models[model].graph as { initializers: { name: string; values: unknown }[] };
  return g.initializers.find((t) => t.name === tensor)!.values;
}

describe('loadModel', () => {
  it('reads external initializers written by python onnx', async () => {
    const { model, readExternal } = await loadModel(fixturePath('torch_mlp_ext.onnx'));
    const external = model.graph.initializer.filter((t) => t.dataLocation === 1);
    expect(external.map((t) => t.name)).toEqual([
      'fc1.weight',
      'fc1.bias',
      'norm.weight',
      'norm.bias',
      'fc2.weight',
    ]);
    // Without a length, readExternal reads to the end of the file (960 bytes here).
    expect(readExternal('torch_mlp_ext.data', 900, undefined).byteLength).toBe(60);
    const weights = modelInitializers(model, readExternal);
    expect(weights.get('fc1.weight')!.shape).toEqual([16, 8]);
    for (const [name, t] of weights) {
      expect(Array.from(t.data as Float32Array)).toEqual(pythonValues('torch_mlp_ext.onnx', name));
    }
  });

  it('inlines external data into the bytes python wrote before externalising', async () => {
    // make_onnx_fixtures.py saved torch_mlp.onnx with external data: undoing that gives the original file back.
    const { model } = await loadModel(fixturePath('torch_mlp_ext.onnx'), { inlineExternalData: true });
    expect(hex(encodeModel(model))).toBe(hex(fixtureBytes('torch_mlp.onnx')));
    await runMlp(await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 }));
  });

  it('names the missing model file, missing or truncated external file, and escaping locations', async () => {
    await expect(loadModel(join(dir, 'nope.onnx'))).rejects.toThrow(
      /ONNX model file does not exist: .*nope\.onnx/,
    );
    copyFileSync(fixturePath('torch_mlp_ext.onnx'), join(dir, 'm.onnx'));
    const missing = (await loadModel(join(dir, 'm.onnx')).then(
      () => undefined,
      (e: unknown) => e,
    )) as OnnxFileError;
    expect(missing).toBeInstanceOf(OnnxFileError);
    expect(missing.message).toMatch(
      /External data file 'torch_mlp_ext.data' \(of tensor 'fc1.weight'.*does not exist/,
    );
    expect(missing.path).toBe(join(dir, 'torch_mlp_ext.data'));

    writeFileSync(
      join(dir, 'torch_mlp_ext.data'),
      readFileSync(fixturePath('torch_mlp_ext.data')).subarray(0, 700),
    );
    await expect(loadModel(join(dir, 'm.onnx'))).rejects.toThrow(
      /'torch_mlp_ext.data' is truncated: tensor '(norm|fc2)\.\w+' needs bytes \d+\.\.\d+ but the file has 700 bytes/,
    );

    const m = decodeModel(fixtureBytes('torch_mlp_ext.onnx'));
    m.graph.initializer[0].externalData![0].value = '../outside.data';
    writeFileSync(join(dir, 'escape.onnx'), encodeModel(m));
    await expect(loadModel(join(dir, 'escape.onnx'))).rejects.toThrow(/outside the model's folder/);
  });

  it('readExternal reports a data file that shrank after loading', async () => {
    copyFileSync(fixturePath('torch_mlp_ext.onnx'), join(dir, 'm.onnx'));
    copyFileSync(fixturePath('torch_mlp_ext.data'), join(dir, 'torch_mlp_ext.data'));
    const { model, readExternal } = await loadModel(join(dir, 'm.onnx'));
    writeFileSync(join(dir, 'torch_mlp_ext.data'), new Uint8Array(10));
    expect(() => tensorFromProto(model.graph.initializer[0], { readExternal })).toThrow(/is truncated/);
  });
});

describe('saveModel', () => {
  it('moves initializers over the threshold into one aligned data file that ONNX Runtime loads', async () => {
    const original = decodeModel(fixtureBytes('torch_mlp.onnx'));
    const out = join(dir, 'mlp.onnx');
    const saved = await saveModel(out, original, { externalData: { threshold: 64, align: 256 } });
    // fc1.weight 512 B at 0; fc1.bias, norm.weight, norm.bias 64 B each packed after it (smaller than align);
    // fc2.weight 256 B aligned up from 704 to 768; fc2.bias (16 B) stays inline.
    const layout = saved.model.graph.initializer.map((t) => [t.name, ext(t).offset, ext(t).length]);
    expect(layout).toEqual([
      ['fc1.weight', '0', '512'],
      ['fc1.bias', '512', '64'],
      ['norm.weight', '576', '64'],
      ['norm.bias', '640', '64'],
      ['fc2.weight', '768', '256'],
      ['fc2.bias', undefined, undefined],
    ]);
    expect(saved.dataPath).toBe(join(dir, 'mlp.onnx.data'));
    expect(statSync(saved.dataPath!).size).toBe(1024);
    expect(saved.dataBytes).toBe(1024);
    expect(statSync(out).size).toBe(saved.modelBytes);
    expect(readdirSync(dir).sort()).toEqual(['mlp.onnx', 'mlp.onnx.data']);
    // The input model is untouched, and reloading gives the same tensors.
    expect(original.graph.initializer[0].rawData).toBeDefined();
    const { model, readExternal } = await loadModel(out);
    const before = modelInitializers(original);
    for (const [name, t] of modelInitializers(model, readExternal)) {
      expect(hex(new Uint8Array(t.data.buffer))).toBe(hex(new Uint8Array(before.get(name)!.data.buffer)));
    }
    await runMlp(await ort.InferenceSession.create(out, { intraOpNumThreads: 1 }));
  });

  it('defaults: 1 KiB threshold, 4096 alignment, <file>.data; re-saving over the data file it reads is safe', async () => {
    const big = (name: string, n: number, seed: number): TensorProto => ({
      name,
      dataType: 2,
      dims: [n],
      rawData: Uint8Array.from({ length: n }, (_, i) => (i * seed + 7) & 255),
    });
    const model: ModelProto = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [],
        initializer: [big('a', 5000, 3), big('b', 2000, 5), big('c', 100, 11)],
        input: [],
        output: [],
        valueInfo: [],
      },
    };
    const out = join(dir, 'model.onnx');
    const saved = await saveModel(out, model, { externalData: true });
    // a: 5000 B >= 4096 so aligned (offset 0); b: 2000 B < 4096 packed at 5000; c: 100 B < 1024 stays inline.
    expect(saved.model.graph.initializer.map((t) => ext(t))).toEqual([
      { location: 'model.onnx.data', offset: '0', length: '5000' },
      { location: 'model.onnx.data', offset: '5000', length: '2000' },
      {},
    ]);
    expect(statSync(join(dir, 'model.onnx.data')).size).toBe(7000);

    // Load and save to the same paths: the data is read from the old file while the new one is written.
    const loaded = await loadModel(out);
    await saveModel(out, loaded.model, {
      externalData: { threshold: 1000, align: 1 },
      readExternal: loaded.readExternal,
    });
    const again = await loadModel(out);
    const tensors = modelInitializers(again.model, again.readExternal);
    for (const t of model.graph.initializer) {
      expect(hex(tensors.get(t.name)!.data as Uint8Array)).toBe(hex(t.rawData!));
    }
    expect(statSync(join(dir, 'model.onnx.data')).size).toBe(7000);
    // Without externalData, external tensors are inlined: one self-contained file.
    const inline = join(dir, 'inline.onnx');
    await saveModel(inline, again.model, { readExternal: again.readExternal });
    expect(hex(encodeModel(inlineExternalData(again.model, again.readExternal)))).toBe(
      hex(readFileSync(inline)),
    );
  });

  it('refuses external tensors without readExternal, and writes nothing', async () => {
    const m = decodeModel(fixtureBytes('torch_mlp_ext.onnx'));
    await expect(saveModel(join(dir, 'x.onnx'), m)).rejects.toThrow(
      /'fc1.weight' keeps its data in external file 'torch_mlp_ext.data': pass readExternal/,
    );
    await expect(saveModel(join(dir, 'x.onnx'), m)).rejects.toBeInstanceOf(OnnxModelError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is atomic: a failure mid-write leaves the previous files intact and no temporaries', async () => {
    const out = join(dir, 'mlp.onnx');
    const first = await saveModel(out, decodeModel(fixtureBytes('torch_mlp.onnx')), {
      externalData: { threshold: 64 },
    });
    const modelBefore = readFileSync(out);
    const dataBefore = readFileSync(first.dataPath!);
    const loaded = await loadModel(out);
    let calls = 0;
    const failing: ReadExternal = (location, offset, length) => {
      if (++calls === 3) throw new Error('disk went away');
      return loaded.readExternal(location, offset, length);
    };
    await expect(
      saveModel(out, loaded.model, { externalData: { threshold: 64, align: 1 }, readExternal: failing }),
    ).rejects.toThrow('disk went away');
    expect(calls).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['mlp.onnx', 'mlp.onnx.data']);
    expect(readFileSync(out).equals(modelBefore)).toBe(true);
    expect(readFileSync(first.dataPath!).equals(dataBefore)).toBe(true);

    // Errors before writing (a value the format cannot hold, a missing folder) leave nothing behind either.
    const bad = decodeModel(fixtureBytes('torch_mlp.onnx'));
    bad.graph.initializer[0].dims = [16.5, 8];
    await expect(saveModel(join(dir, 'bad.onnx'), bad)).rejects.toThrow(/pass an integer/);
    await expect(saveModel(join(dir, 'no', 'such', 'm.onnx'), bad)).rejects.toThrow(OnnxModelError);
    await expect(
      saveModel(join(dir, 'no', 'm.onnx'), decodeModel(fixtureBytes('rich.onnx'))),
    ).rejects.toThrow(/Folder .*no does not exist/);
    expect(readdirSync(dir).sort()).toEqual(['mlp.onnx', 'mlp.onnx.data']);
  });

  it('rejects data locations outside the folder or equal to the model file', async () => {
    const m = decodeModel(fixtureBytes('torch_mlp.onnx'));
    await expect(
      saveModel(join(dir, 'm.onnx'), m, { externalData: { location: '../up.data' } }),
    ).rejects.toThrow(/outside the model's folder/);
    await expect(saveModel(join(dir, 'm.onnx'), m, { externalData: { location: 'm.onnx' } })).rejects.toThrow(
      /is the model file itself/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
