import { describe, expect, it } from 'vitest';
import { type CliIO, runCli } from './main.js';

function fakeIO(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: async () => stdin,
    interactive: false,
    signal: new AbortController().signal,
  };
  return { io, out, err };
}

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
    expect(await runCli(['demo', '--batch', 'x'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/--batch must be a positive integer/);
  });

  it('demo runs the MLP on ONNX Runtime and reports it as JSON', async () => {
    const { io, out } = fakeIO();
    expect(await runCli(['demo', '--json', '--batch', '8', '--runs', '2'], io)).toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report.input).toEqual([8, 512]);
    expect(report.output).toEqual([8, 512]);
    expect(report.graph.params).toBe(512 * 2048 + 2048 + 2048 * 512);
    expect(Number.isFinite(report.outputMean)).toBe(true);
  });
});
