import { describe, expect, it } from 'vitest';
import { LabInputError } from './errors.js';
import { parseRunArgs, settingsFor } from './run.js';
import { FULL, QUICK, validateSettings } from './settings.js';

describe('parseRunArgs', () => {
  it('reads the flags', () => {
    expect(parseRunArgs([])).toEqual({ mode: 'full', retrain: false, help: false });
    expect(parseRunArgs(['--quick', '--seed', '3', '--out', 'x', '--retrain'])).toEqual({
      mode: 'quick',
      seed: 3,
      outDir: 'x',
      retrain: true,
      help: false,
    });
    expect(settingsFor(parseRunArgs(['--quick', '--seed', '3']))).toEqual({ ...QUICK, seed: 3 });
    expect(settingsFor(parseRunArgs([]))).toBe(FULL);
  });

  it('rejects unknown flags and bad values', () => {
    expect(() => parseRunArgs(['--fast'])).toThrow(LabInputError);
    expect(() => parseRunArgs(['--seed', '-1'])).toThrow(/--seed/);
    expect(() => parseRunArgs(['--seed'])).toThrow(/needs a value/);
  });
});

describe('validateSettings', () => {
  it('accepts the presets and names the bad field otherwise', () => {
    expect(validateSettings(QUICK)).toBe(QUICK);
    expect(validateSettings(FULL)).toBe(FULL);
    expect(() => validateSettings({ ...QUICK, sampling: { ...QUICK.sampling, samples: 1 } })).toThrow(
      /samples/,
    );
    expect(() => validateSettings({ ...QUICK, lm: { ...QUICK.lm, steps: 0 } })).toThrow(/lm.steps/);
    expect(() => validateSettings({ ...QUICK, threshold: 0 })).toThrow(/threshold/);
  });
});
