import { describe, expect, it } from 'vitest';
import { runCli } from './main.js';
import { fakeIO } from './testing.js';

describe('proj CLI', () => {
  it('prints help with the command list and exits 0', async () => {
    const { io, out } = fakeIO();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/Commands:\n {2}demo/);
  });

  it('prints the version', async () => {
    const { io, out } = fakeIO();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects unknown commands and flags with exit code 2', async () => {
    const a = fakeIO();
    expect(await runCli(['nope'], a.io)).toBe(2);
    expect(a.err.join('\n')).toMatch(/unknown command 'nope'/);
    const b = fakeIO();
    expect(await runCli(['demo', '--bogus'], b.io)).toBe(2);
    expect(b.err.join('\n')).toMatch(/Unknown option '--bogus'/);
    const c = fakeIO();
    expect(await runCli(['demo', '--steps', 'x'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--steps must be a positive integer/);
  });

  it('demo runs every stage and reports what it measured', async () => {
    const { io, out, err } = fakeIO();
    expect(await runCli(['demo', '--json', '--steps', '300', '--samples', '6'], io)).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(err.join('\n')).toMatch(/1\. runtime[\s\S]*5\. cot-graph/);
    expect(report.runtime.params).toBe(512 * 2048 + 2048 + 2048 * 512);
    // The tiny LM memorises its training facts and can only guess the held-out ones...
    expect(report.training.lastLoss).toBeLessThan(report.training.firstLoss / 10);
    expect(report.sampling.trainedAccuracy).toBeGreaterThan(0.9);
    expect(report.sampling.heldOutAccuracy).toBeLessThan(0.2);
    // ...and its answers to held-out facts disagree more (higher isotropy), which the trust score picks up.
    expect(report.trust.meanIsotropyHeldOut).toBeGreaterThan(report.trust.meanIsotropyTrained);
    expect(report.reasoning.failedStepFraction).toBeGreaterThan(0);
  });
});
