import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/close.js';
import { GroupError, InvalidValueError } from '../core/errors.js';
import { asymreAdvantages } from './asymre.js';
import fixture from './fixtures/asymre.json' with { type: 'json' };

describe('AsymRE advantages', () => {
  it('r - (group mean + deltaV) matches numpy', () => {
    expectClose(asymreAdvantages(fixture.rewards, { groups: fixture.groupSize }), fixture['deltaV=-0.1']);
    expectClose(
      asymreAdvantages(fixture.rewards, { groups: fixture.groupSize, deltaV: 0 }),
      fixture['deltaV=0.0'],
    );
    expectClose(
      asymreAdvantages(fixture.rewards, { groups: fixture.groupSize, deltaV: 0.2 }),
      fixture['deltaV=0.2'],
    );
  });

  it('r - V with a fixed or per-sample V', () => {
    expectClose(asymreAdvantages(fixture.rewards, { value: fixture.values }), fixture.fixedValue);
    expectClose(asymreAdvantages([0.9, 0.2], { value: 0.5 }), [0.4, -0.3]);
  });

  it('hand-derived: +-1 rewards with group mean 0 and the default deltaV -0.1', () => {
    expectClose(asymreAdvantages([1, -1, -1, 1], { groups: 4 }), [1.1, -0.9, -0.9, 1.1]);
    // a lone sample is its own mean: A = -deltaV
    expectClose(asymreAdvantages([3], { groups: [7] }), [0.1]);
  });

  it('validates options', () => {
    expect(() => asymreAdvantages([1], {} as never)).toThrow(InvalidValueError);
    expect(() => asymreAdvantages([1], { groups: 1, value: 0.5 } as never)).toThrow(/not both/);
    expect(() => asymreAdvantages([1, 0], { groups: 2, deltaV: Number.NaN })).toThrow(InvalidValueError);
    expect(() => asymreAdvantages([1, 0, 1], { groups: 2 })).toThrow(GroupError);
  });
});
