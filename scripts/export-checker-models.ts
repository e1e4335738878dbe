/**
 * Writes a set of builder-made ONNX models (inference, KV cache, steering, training with backward + optimiser,
 * encoder, InfoNCE) into a folder, for the reference checker:
 *   npx tsx --conditions=@proj/source scripts/export-checker-models.ts /tmp/proj-models
 *   /usr/bin/python3 packages/runtime/scripts/check_onnx.py /tmp/proj-models
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bertConfig,
  buildDecoderGraph,
  buildEncoderGraph,
  buildInfoNceGraph,
  buildLmTrainingGraph,
  buildStaticCacheDecoder,
  gpt2Config,
  llamaConfig,
  ParameterStore,
} from '@proj/models';
import {
  adamw,
  crossEntropy,
  declareScalarInputs,
  Graph,
  grad,
  graphUpdate,
  ops,
  saveModel,
  stateSlots,
  toModel,
  type Value,
} from '@proj/runtime';

const out = process.argv[2] ?? '/tmp/proj-models';
await mkdir(out, { recursive: true });
const models: Record<string, () => Graph> = {};

models.mlp = () => {
  const g = new Graph('mlp');
  const x = g.input('x', 'float32', ['batch', 512]);
  g.output(
    'y',
    x
      .matmul(g.param('w1', [512, 2048]))
      .add(g.param('b1', [2048]))
      .gelu()
      .matmul(g.param('w2', [2048, 512])),
  );
  return g;
};

// Forward + backward + in-graph AdamW in one model, as compileTrainStep's 'graph' mode builds it.
models['mlp-train-step-adamw'] = () => {
  const g = new Graph('mlp-train');
  const x = g.input('x', 'float32', ['batch', 32]);
  const y = g.input('y', 'int64', ['batch']);
  const params = [g.param('w1', [32, 64]), g.param('b1', [64], { init: 'zeros' }), g.param('w2', [64, 10])];
  const logits = x.matmul(params[0]).add(params[1]).gelu().matmul(params[2]);
  const loss = crossEntropy(logits, y);
  const grads = grad(loss, params);
  const spec = adamw();
  const scalars = declareScalarInputs(g);
  g.output('loss', loss);
  params.forEach((p, i) => {
    const state: Value[] = stateSlots(spec).map((s) => g.input(`opt.${s}.${p.name}`, 'float32', p.shape));
    const u = graphUpdate(spec, p, grads[i], state, scalars, p.rank >= 2);
    g.output(`new.${p.name}`, u.param);
    u.state.forEach((s, j) => g.output(`new.opt.${j}.${p.name}`, s));
  });
  return g;
};

const gpt = gpt2Config({ vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 4, maxPositions: 32 });
const llama = llamaConfig({
  vocabSize: 64,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
  nKvHeads: 2,
  maxPositions: 32,
});
models['gpt2-kv-cache'] = () => buildDecoderGraph(gpt, new ParameterStore({ seed: 1 }), { kvCache: true }).g;
models['gpt2-heads-steering'] = () =>
  buildDecoderGraph(gpt, new ParameterStore({ seed: 1 }), {
    exposeHeads: true,
    headScales: true,
    hiddenStates: true,
  }).g;
models['llama-gqa-kv-cache'] = () =>
  buildDecoderGraph(llama, new ParameterStore({ seed: 2 }), { kvCache: true }).g;
models['llama-inputs-embeds'] = () =>
  buildDecoderGraph(llama, new ParameterStore({ seed: 2 }), { inputsEmbeds: true, kvCache: true }).g;
models['gpt2-static-cache'] = () => buildStaticCacheDecoder(gpt, new ParameterStore({ seed: 1 }));
models['gpt2-training-grads'] = () => {
  const t = buildLmTrainingGraph(gpt, new ParameterStore({ seed: 3 }));
  const names = [...t.g.params.keys()];
  grad(
    t.loss,
    names.map((n) => t.g.params.get(n)!.value),
  ).forEach((gv, i) => t.g.output(`grad.${names[i]}`, gv));
  return t.g;
};
const bert = bertConfig({ vocabSize: 64, dModel: 32, nLayers: 2, nHeads: 4, maxPositions: 32 });
models['bert-encoder'] = () =>
  buildEncoderGraph(bert, new ParameterStore({ seed: 4 }), { tokenTypeIds: true }).g;
models['bert-infonce'] = () => buildInfoNceGraph(bert, new ParameterStore({ seed: 4 })).g;
models['ops-zoo'] = () => {
  const g = new Graph('zoo');
  const x = g.input('x', 'float32', [4, 6]);
  const i = g.input('i', 'int64', [4]);
  const parts = ops.split(x, [2, 4], 1);
  const [vals] = ops.topK(x, 3, 1);
  g.output('a', ops.concat([parts[1], parts[0]], 1).softmax(-1).sum([1]));
  g.output('b', ops.where(x.greater(0), x, x.abs()));
  g.output('c', ops.oneHot(i, 6).mul(x).max([1]));
  g.output(
    'd',
    ops.trilu(
      ops
        .tile(x, [1, 2])
        .slice([0], [6], [1])
        .transpose()
        .matmul(x.reshape([4, 6])),
    ),
  );
  g.output(
    'e',
    vals
      .clip(-1, 1)
      .sqrt()
      .add(ops.cumsum(x, 0).slice([0], [1], [0]).sum()),
  );
  return g;
};

for (const [name, build] of Object.entries(models)) {
  const g = build();
  await saveModel(join(out, `${name}.onnx`), toModel(g, { valueInfo: true }));
  console.log(`wrote ${name}.onnx (${g.nodes.length} nodes)`);
}
