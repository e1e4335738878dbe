import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { GroupError, InvalidValueError, ShapeError } from '../core/errors.js';
import { GroupIndex } from '../core/groups.js';
import { bestOnlyAdvantages } from './best-only.js';
import fixture from './fixtures/advantages.json' with { type: 'json' };
import { drGrpoAdvantages, groupStats, grpoAdvantages, TRL_GRPO_EPS } from './grpo.js';
import { reinforceAdvantages, reinforcePlusPlusAdvantages } from './reinforce.js';
import { rlooAdvantages } from './rloo.js';

describe('GRPO / Dr.GRPO against TRL and verl (torch fixtures)', () => {
  for (const c of fixture.uniform) {
    it(c.name, () => {
      const G = c.groupSize;
      const ids = Int32Array.from(c.rewards, (_, i) => Math.floor(i / G));
      expectClose(grpoAdvantages(c.rewards, G, { eps: TRL_GRPO_EPS }), c.trl_grpo_group, 1e-12, 'TRL group');
      expectClose(
        grpoAdvantages(c.rewards, G, { eps: 1e-4, scale: 'batch' }),
        c.trl_grpo_batch,
        1e-12,
        'TRL batch',
      );
      expectClose(grpoAdvantages(c.rewards, G, { scale: 'none' }), c.trl_grpo_none, 1e-12, 'TRL none');
      expectClose(
        drGrpoAdvantages(Float32Array.from(c.rewards), G),
        c.trl_grpo_none,
        1e-6,
        'Dr.GRPO f32 input',
      );
      expectClose(grpoAdvantages(new Float64Array(c.rewards), G), c.verl_grpo, 1e-12, 'verl');
      expectClose(grpoAdvantages(c.rewards, ids), c.verl_grpo, 1e-12, 'verl via ids');
      expectClose(
        grpoAdvantages(c.rewards, G, { bessel: false }),
        c.population_grpo,
        1e-12,
        'population std',
      );
    });
  }

  it('interleaved string ids with lone samples follow verl with singletons: verl', () => {
    const u = fixture.uneven;
    expectClose(grpoAdvantages(u.rewards, u.ids, { singletons: 'verl' }), u.verl_grpo, 1e-12, 'grpo');
    expectClose(
      grpoAdvantages(u.rewards, u.ids, { singletons: 'verl', eps: 1e-4 }),
      u.verl_grpo_eps_trl,
      1e-12,
    );
    expectClose(drGrpoAdvantages(u.rewards, u.ids, { singletons: 'verl' }), u.verl_drgrpo, 1e-12, 'dr');
  });

  it('default singleton policy gives lone samples 0 and leaves the other groups as verl does', () => {
    const u = fixture.uneven;
    const adv = grpoAdvantages(u.rewards, u.ids);
    const sizes = new Map<string, number>();
    for (const id of u.ids) sizes.set(id, (sizes.get(id) ?? 0) + 1);
    u.ids.forEach((id, i) => {
      if (sizes.get(id) === 1) expect(adv[i]).toBe(0);
      else expect(Math.abs(adv[i] - u.verl_grpo[i])).toBeLessThan(1e-12);
    });
    expect(() => grpoAdvantages(u.rewards, u.ids, { singletons: 'error' })).toThrow(GroupError);
    expect(() => grpoAdvantages(u.rewards, u.ids, { singletons: 'error' })).toThrow(
      /"p[24]" has a single sample/,
    );
  });

  it('hand-derived values: one right of four', () => {
    // mean 0.25, deviations (0.75, -0.25 x3), unbiased std sqrt(0.75 / 3) = 0.5
    expectClose(grpoAdvantages([1, 0, 0, 0], 4, { eps: 0 }), [1.5, -0.5, -0.5, -0.5]);
    expectClose(grpoAdvantages([1, 0, 0, 0], 4), [
      0.75 / 0.500001,
      -0.25 / 0.500001,
      -0.25 / 0.500001,
      -0.25 / 0.500001,
    ]);
    expectClose(drGrpoAdvantages([1, 0, 0, 0], 4), [0.75, -0.25, -0.25, -0.25]);
    // all-equal group: zero advantage, no NaN
    expect([...grpoAdvantages([1, 1, 1, 0, 0, 1], 3)].slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('writes into out and validates it', () => {
    const out = new Float64Array(4);
    expect(grpoAdvantages([1, 0, 1, 1], 2, { out })).toBe(out);
    expect(() => grpoAdvantages([1, 0, 1, 1], 2, { out: new Float64Array(3) })).toThrow(ShapeError);
  });

  it('rejects NaN rewards, bad groups and bad options with typed errors', () => {
    expect(() => grpoAdvantages([1, Number.NaN, 0, 1], 2)).toThrow(InvalidValueError);
    expect(() => grpoAdvantages([1, Number.NaN, 0, 1], 2)).toThrow(/rewards\[1\] is NaN/);
    expect(() => grpoAdvantages([1, Number.POSITIVE_INFINITY], 2)).toThrow(/Infinity/);
    expect(() => grpoAdvantages([1, '1' as unknown as number], 2)).toThrow(InvalidValueError);
    expect(() => grpoAdvantages([1, 0, 1], 2)).toThrow(GroupError);
    expect(() => grpoAdvantages([1, 0, 1], 2)).toThrow(/not a multiple of group size 2/);
    expect(() => grpoAdvantages([], 2)).toThrow(GroupError);
    expect(() => grpoAdvantages([1, 0], 0)).toThrow(GroupError);
    expect(() => grpoAdvantages([1, 0, 1], [0, 0])).toThrow(ShapeError);
    expect(() => grpoAdvantages([1, 0], [0, Number.NaN])).toThrow(InvalidValueError);
    expect(() => grpoAdvantages([1, 0], [0, null as unknown as number])).toThrow(InvalidValueError);
    expect(() => grpoAdvantages([1, 0], 2, { eps: -1 })).toThrow(InvalidValueError);
    expect(() => grpoAdvantages([1, 0], 2, { scale: 'rows' as never })).toThrow(
      /scale must be 'group', 'batch', 'none'/,
    );
    expect(() => rlooAdvantages([1, 0], 2, { singletons: 'drop' as never })).toThrow(InvalidValueError);
  });

  it('groupStats counts zero-spread groups', () => {
    const s = groupStats([1, 1, 0, 1, 5], [0, 0, 1, 1, 2]);
    expect(s.zeroStdGroups).toBe(2);
    expectClose(s.mean, [1, 0.5, 5]);
    expect(s.keys).toEqual([0, 1, 2]);
  });
});

describe('RLOO against TRL and verl', () => {
  for (const c of fixture.uniform) {
    it(c.name, () => {
      expectClose(rlooAdvantages(c.rewards, c.groupSize), c.trl_rloo, 1e-12);
    });
  }
  it('uneven ids with lone samples (verl keeps r)', () => {
    const u = fixture.uneven;
    expectClose(rlooAdvantages(u.rewards, u.ids, { singletons: 'verl' }), u.verl_rloo, 1e-12);
    expect(() => rlooAdvantages(u.rewards, u.ids, { singletons: 'error' })).toThrow(GroupError);
  });
  it('hand-derived: one right of four', () => {
    expectClose(rlooAdvantages([1, 0, 0, 0], 4), [1, -1 / 3, -1 / 3, -1 / 3]);
    expectClose(rlooAdvantages([2, 5], 1), [0, 0]);
    expectClose(rlooAdvantages([2, 5], 1, { singletons: 'verl' }), [2, 5]);
    expect(() => rlooAdvantages([2, 5], 1, { singletons: 'error' })).toThrow(GroupError);
  });
});

describe('best-only (verl grpo_passk)', () => {
  for (const c of fixture.uniform) {
    it(c.name, () => {
      expectClose(bestOnlyAdvantages(c.rewards, c.groupSize), c.verl_passk, 1e-12);
      expectClose(bestOnlyAdvantages(c.rewards, c.groupSize, { scale: false }), c.verl_passk_nonorm, 1e-12);
    });
  }
  it('hand-derived and errors', () => {
    expectClose(bestOnlyAdvantages([0.2, 0.9, 0.5], 3, { scale: false }), [0, 0.4, 0]);
    expectClose(bestOnlyAdvantages([1, 1, 0], 3, { scale: false }), [0, 0, 0]);
    expect(() => bestOnlyAdvantages([1, 0, 1], [0, 0, 1])).toThrow(/at least 2 per group/);
  });
});

describe('REINFORCE and REINFORCE++', () => {
  it('REINFORCE baselines', () => {
    expectClose(reinforceAdvantages([1, 0, 1, 1]), [0.25, -0.75, 0.25, 0.25]);
    expectClose(reinforceAdvantages([1, 0], { baseline: 0.4 }), [0.6, -0.4]);
    expectClose(reinforceAdvantages([1, 0], { baseline: [0.5, -1] }), [0.5, 1]);
    expect(() => reinforceAdvantages([1, 0], { baseline: [0.5] })).toThrow(ShapeError);
    expect(() => reinforceAdvantages([1, 0], { baseline: Number.NaN })).toThrow(InvalidValueError);
    expect(() => reinforceAdvantages([])).toThrow(GroupError);
  });

  it('token-weighted whitening matches verl reinforce_plus_plus', () => {
    const f = fixture.reinforcepp;
    expectClose(reinforcePlusPlusAdvantages(f.rewards, { tokenCounts: f.lengths }), f.verl_rfpp, 1e-12);
    // verl's Bessel factor counts tokens, so equal lengths still need tokenCounts to match it exactly.
    const five = new Array<number>(f.rewards.length).fill(5);
    expectClose(
      reinforcePlusPlusAdvantages(f.rewards, { tokenCounts: five }),
      f.verl_rfpp_equal_lengths,
      1e-12,
      'equal',
    );
    const n = f.rewards.length;
    const W = 5 * n;
    const bessel = Math.sqrt(((n - 1) / n) * (W / (W - 1))); // sample-level var / token-level var
    const sampleLevel = reinforcePlusPlusAdvantages(f.rewards);
    expectClose(
      sampleLevel,
      f.verl_rfpp_equal_lengths.map((x) => x * bessel),
      1e-7,
      'sample-level',
    );
  });

  it('group-mean baseline matches verl reinforce_plus_plus_baseline', () => {
    const f = fixture.reinforcepp;
    const out = reinforcePlusPlusAdvantages(f.rewards, {
      baseline: 'group-mean',
      groups: 4,
      tokenCounts: f.lengths,
    });
    expectClose(out, f.verl_rfpp_baseline_g4, 1e-12);
    const u = fixture.uneven;
    expectClose(
      reinforcePlusPlusAdvantages(u.rewards, {
        baseline: 'group-mean',
        groups: u.ids,
        tokenCounts: u.lengths,
        singletons: 'verl',
      }),
      u.verl_rfpp_baseline,
      1e-12,
    );
  });

  it('hand-derived and errors', () => {
    const s = Math.sqrt(1 / 3 + 1e-8); // var = (4 * 0.25 / 4) * 4/3 = 1/3
    expectClose(reinforcePlusPlusAdvantages([1, 0, 0, 1]), [0.5 / s, -0.5 / s, -0.5 / s, 0.5 / s]);
    expect(() => reinforcePlusPlusAdvantages([1])).toThrow(GroupError);
    expect(() => reinforcePlusPlusAdvantages([1, 0], { tokenCounts: [1, 0] })).toThrow(
      /total weight above 1/,
    );
    expect(() => reinforcePlusPlusAdvantages([1, 0], { tokenCounts: [1, -2] })).toThrow(InvalidValueError);
    expect(() => reinforcePlusPlusAdvantages([1, 0], { baseline: 'group-mean' })).toThrow(ShapeError);
  });
});

describe('properties', () => {
  const groupsArb = fc.integer({ min: 2, max: 9 }).chain((G) =>
    fc.tuple(
      fc.constant(G),
      fc
        .array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: G, maxLength: G * 6 })
        .map((a) => a.slice(0, a.length - (a.length % G))),
    ),
  );

  it('GRPO advantages sum to 0 in every group and ignore shifts of the rewards', () => {
    fc.assert(
      fc.property(groupsArb, fc.double({ min: -50, max: 50, noNaN: true }), ([G, r], shift) => {
        const a = grpoAdvantages(r, G);
        for (let s = 0; s < r.length; s += G) {
          let sum = 0;
          let scale = 0;
          let rmax = 0;
          let mean = 0;
          for (let i = s; i < s + G; i++) {
            sum += a[i];
            scale += Math.abs(a[i]);
            rmax = Math.max(rmax, Math.abs(r[i]));
            mean += r[i] / G;
          }
          let v = 0;
          for (let i = s; i < s + G; i++) v += (r[i] - mean) ** 2 / Math.max(1, G - 1);
          // sum(r - mean) is zero up to rounding (~G ulps of max|r|), which the division by (std + eps) amplifies:
          // near-equal rewards make std ~ 0, so the bound scales with max|r| / (std + eps).
          const rounding = (8 * G * Number.EPSILON * rmax) / (Math.sqrt(v) + 1e-6);
          expect(Math.abs(sum)).toBeLessThanOrEqual(1e-9 * Math.max(1, scale) + rounding);
        }
        const shifted = grpoAdvantages(
          r.map((x) => x + shift),
          G,
          { scale: 'none' },
        );
        expectClose(shifted, drGrpoAdvantages(r, G), 1e-9);
      }),
    );
  });

  it('RLOO = G / (G - 1) * Dr.GRPO', () => {
    fc.assert(
      fc.property(groupsArb, ([G, r]) => {
        const dr = drGrpoAdvantages(r, G);
        expectClose(
          rlooAdvantages(r, G),
          Array.from(dr, (x) => (x * G) / (G - 1)),
          1e-9,
        );
      }),
    );
  });

  it('shuffling samples with their group ids permutes the advantages (id path = uniform path)', () => {
    fc.assert(
      fc.property(groupsArb, fc.integer(), ([G, r], seed) => {
        const n = r.length;
        const perm = Array.from({ length: n }, (_, i) => i);
        let x = seed >>> 0;
        for (let i = n - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        const base = grpoAdvantages(r, G);
        const baseR = rlooAdvantages(r, G);
        const ids = perm.map((p) => `g${Math.floor(p / G)}`);
        const shuffled = grpoAdvantages(
          perm.map((p) => r[p]),
          ids,
        );
        const shuffledR = rlooAdvantages(
          perm.map((p) => r[p]),
          GroupIndex.from(ids, n),
        );
        expectClose(
          shuffled,
          perm.map((p) => base[p]),
          1e-12,
        );
        expectClose(
          shuffledR,
          perm.map((p) => baseR[p]),
          1e-12,
        );
      }),
    );
  });
});
