import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Time spent in one op type over the profiled runs. */
export interface OpProfile {
  /** ONNX op type, e.g. `'MatMul'` (fused kernels appear under their own names, e.g. `'FusedMatMul'`). */
  op: string;
  /** Mean milliseconds per run. */
  ms: number;
  /** Nodes of this type executed per run. */
  nodes: number;
}

/** Summary of an ONNX Runtime profile (see `SessionOptions.profilePrefix`). */
export interface ProfileSummary {
  /** The trace file ONNX Runtime wrote (open it in chrome://tracing or Perfetto). */
  file: string;
  /** Profiled `run` calls. */
  runs: number;
  /** Mean wall milliseconds per run as ONNX Runtime measured it. */
  runMs: number;
  /** Mean milliseconds per run inside kernels. */
  kernelMs: number;
  /** Per op type, slowest first. */
  byOp: OpProfile[];
}

interface TraceEvent {
  cat?: string;
  name: string;
  dur?: number;
  args?: { op_name?: string };
}

/** Summarise a Chrome-trace profile written by ONNX Runtime. */
export async function summarizeProfile(file: string): Promise<ProfileSummary> {
  const events = JSON.parse(await readFile(file, 'utf8')) as TraceEvent[];
  const runs = events.filter((e) => e.name === 'model_run');
  const n = Math.max(1, runs.length);
  const byOp = new Map<string, { us: number; count: number }>();
  let kernel = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? 'unknown';
    const cur = byOp.get(op) ?? { us: 0, count: 0 };
    cur.us += e.dur ?? 0;
    cur.count++;
    byOp.set(op, cur);
    kernel += e.dur ?? 0;
  }
  return {
    file,
    runs: runs.length,
    runMs: runs.reduce((s, e) => s + (e.dur ?? 0), 0) / n / 1000,
    kernelMs: kernel / n / 1000,
    byOp: [...byOp.entries()]
      .map(([op, v]) => ({ op, ms: v.us / n / 1000, nodes: v.count / n }))
      .sort((a, b) => b.ms - a.ms),
  };
}

/** The newest trace file ONNX Runtime wrote for a profile prefix. */
export async function latestProfileFile(prefix: string): Promise<string | undefined> {
  const dir = dirname(prefix);
  const base = basename(prefix);
  const files = (await readdir(dir)).filter((f) => f.startsWith(base) && f.endsWith('.json')).sort();
  return files.length ? join(dir, files[files.length - 1]) : undefined;
}
