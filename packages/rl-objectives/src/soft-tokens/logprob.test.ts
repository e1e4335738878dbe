import { Graph, grad } from '@proj/runtime';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNear } from '../../test/close.js';
import { evaluate, f64 } from '../../test/graph.js';
import { InvalidValueError, ShapeError } from '../core/errors.js';
import fixture from './fixtures/logprob.json' with { type: 'json' };
import { gaussianLogprob, softTokenLogprob, softTokenMean } from './logprob.js';

const { batch: B, seqLen: L, vocab: V, dModel: D, sigma } = fixture;

describe('soft-token Gaussian log-prob term against torch (logprob.json)', () => {
  for (const c of fixture.cases) {
    it(`tau ${c.temperature}: values and gradients w.r.t. h, the logits and the embedding table`, async () => {
      const g = new Graph('soft');
      const logits = g.input('logits', 'float64', ['batch', 'seq', V]);
      const table = g.input('table', 'float64', [V, D]);
      const noisy = g.input('noisy', 'float64', ['batch', 'seq', D]);
      const h = g.input('h', 'float64', ['batch', 'seq', D]);
      const mask = g.input('mask', 'float64', ['batch', 'seq']);
      const adv = g.input('adv', 'float64', ['batch']);
      // Directly on the mean h.
      const perH = gaussianLogprob(noisy, h, sigma).mul(mask);
      const lossH = perH.sum([1]).mul(adv).mean().neg();
      // Through the model's logits and table.
      const built = softTokenLogprob(
        { logits, embeddingTable: table, noisyEmbeds: noisy, mask },
        { sigma, temperature: c.temperature },
      );
      const loss = built.perSequence.mul(adv).mean().neg();
      const [gLogits, gTable] = grad(loss, [logits, table]);
      const out = await evaluate(
        g,
        {
          mean: softTokenMean(logits, table, { temperature: c.temperature }),
          perH,
          perToken: built.perToken,
          perSequence: built.perSequence,
          loss,
          gradH: grad(lossH, [h])[0],
          gLogits,
          gTable,
        },
        {
          logits: f64(fixture.logits, [B, L, V]),
          table: f64(fixture.table, [V, D]),
          noisy: f64(c.noisy, [B, L, D]),
          h: f64(c.mean, [B, L, D]),
          mask: f64(fixture.mask, [B, L]),
          adv: f64(fixture.advantages, [B]),
        },
      );
      expectClose(out.mean, c.mean, 1e-12, 'p E');
      expectClose(out.perH, c.perToken, 1e-10, 'log-prob from h');
      expectClose(out.perToken, c.perToken, 1e-10, 'log-prob through the logits');
      expectClose(out.perSequence, c.perSequence, 1e-10, 'per sequence');
      expectNear(out.loss[0], c.loss, 1e-10, 'loss');
      expectClose(out.gradH, c.gradMean, 1e-10, 'd/dh');
      expectClose(out.gLogits, c.gradLogits, 1e-9, 'd/dlogits');
      expectClose(out.gTable, c.gradTable, 1e-10, 'd/dE');
    });
  }

  it('checks its inputs', () => {
    const g = new Graph('bad');
    const logits = g.input('logits', 'float32', ['b', 's', 6]);
    const table = g.input('table', 'float32', [7, 4]);
    expect(() => softTokenMean(logits, table)).toThrow(ShapeError);
    const t6 = g.input('t6', 'float32', [6, 4]);
    expect(() => softTokenMean(logits, t6, { temperature: 0 })).toThrow(InvalidValueError);
    const x = g.input('x', 'float32', ['b', 's', 4]);
    expect(() => gaussianLogprob(x, x, -1)).toThrow(/sigma/);
  });
});
