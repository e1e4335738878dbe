import type { OptimizerSpec, StepScalars } from '../optimizers.js';
import { OPTIM_WASM_BASE64 } from './optim-wasm.js';

// The project compiles without the DOM lib, whose types declare WebAssembly; this is the part used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

interface Kernels {
  memory: WasmMemory;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    eps: number,
    step: number,
    sqrtBc2: number,
    keep: number,
    gs: number,
    l2: number,
  ): void;
  sgd(
    p: number,
    g: number,
    buf: number,
    n: number,
    lr: number,
    mu: number,
    wd: number,
    gs: number,
    first: number,
    nesterov: number,
  ): void;
  sumsq(x: number, n: number): number;
  accumulate(acc: number, x: number, n: number): void;
}

let compiled: object | undefined;

function wasmModule(): object {
  compiled ??= new WebAssembly.Module(Buffer.from(OPTIM_WASM_BASE64, 'base64'));
  return compiled;
}

/** Most float32 parameters an arena holds: 4 regions of 4 bytes each must fit 4 GiB of wasm32 memory. */
export const ARENA_MAX_PARAMS = Math.floor((2 ** 32 - 65536) / 16) - 16;

const PAGE = 65536;
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * Flat float32 buffers for parameters, gradients and optimiser state living in WebAssembly memory, updated by
 * fused SIMD kernels (one pass per parameter segment, float32 arithmetic in torch.optim's order). ONNX Runtime
 * writes gradients straight into `grads` (preallocated outputs), so a step allocates and copies nothing.
 *
 * Views are invalidated when the memory grows (only {@link ensureScratch} grows it): re-read the properties.
 */
export class OptimizerArena {
  private readonly k: Kernels;
  private readonly regionBytes: number;
  private readonly slots: number;
  private scratchOffset = -1;

  /** @param total scalar parameters; @param slots optimiser state arrays (0 to 2). */
  constructor(
    /** Number of scalar parameters the arena holds. */
    readonly total: number,
    slots: number,
  ) {
    if (total > ARENA_MAX_PARAMS)
      throw new RangeError(`OptimizerArena holds at most ${ARENA_MAX_PARAMS} parameters, got ${total}.`);
    this.slots = slots;
    this.regionBytes = align16(total * 4);
    const bytes = this.regionBytes * (2 + slots);
    const instance = new WebAssembly.Instance(wasmModule(), {});
    this.k = instance.exports as unknown as Kernels;
    const pages = Math.ceil(bytes / PAGE);
    const have = this.k.memory.buffer.byteLength / PAGE;
    if (pages > have) this.k.memory.grow(pages - have);
  }

  private view(region: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, region * this.regionBytes, this.total);
  }

  /** All parameters, flat. */
  get params(): Float32Array {
    return this.view(0);
  }

  /** Gradients, flat (written by ONNX Runtime). */
  get grads(): Float32Array {
    return this.view(1);
  }

  /** Optimiser state arrays (m, v for Adam; the momentum buffer for SGD). */
  get state(): Float32Array[] {
    return Array.from({ length: this.slots }, (_, i) => this.view(2 + i));
  }

  /** A second gradient buffer for gradient accumulation (grows the memory on first use: re-read the views). */
  ensureScratch(): boolean {
    if (this.scratchOffset >= 0) return false;
    const end = this.regionBytes * (2 + this.slots);
    const need = end + this.regionBytes;
    const have = this.k.memory.buffer.byteLength;
    if (need > have) this.k.memory.grow(Math.ceil((need - have) / PAGE));
    this.scratchOffset = end;
    return true;
  }

  /** The scratch gradient buffer (after {@link ensureScratch}). */
  get scratch(): Float32Array {
    if (this.scratchOffset < 0) throw new RangeError('OptimizerArena: call ensureScratch() first.');
    return new Float32Array(this.k.memory.buffer, this.scratchOffset, this.total);
  }

  /** grads += scratch. */
  accumulateScratch(): void {
    this.k.accumulate(this.regionBytes, this.scratchOffset, this.total);
  }

  /** Sum of squares of the gradients (float64 accumulation). */
  gradSumOfSquares(): number {
    return this.k.sumsq(this.regionBytes, this.total);
  }

  /** Update one parameter segment [offset, offset + n) in place. */
  update(spec: OptimizerSpec, offset: number, n: number, s: StepScalars, decay: boolean): void {
    const b = offset * 4;
    const p = b;
    const g = this.regionBytes + b;
    const s0 = 2 * this.regionBytes + b;
    const s1 = 3 * this.regionBytes + b;
    if (spec.kind === 'sgd') {
      const wd = decay ? spec.weightDecay : 0;
      this.k.sgd(
        p,
        g,
        spec.momentum > 0 ? s0 : 0,
        n,
        s.lr,
        spec.momentum,
        wd,
        s.gradScale,
        s.first ? 1 : 0,
        spec.nesterov ? 1 : 0,
      );
      return;
    }
    const wd = decay ? spec.weightDecay : 0;
    const keep = spec.kind === 'adamw' ? 1 - s.lr * wd : 1;
    const l2 = spec.kind === 'adam' ? wd : 0;
    this.k.adam(
      p,
      g,
      s0,
      s1,
      n,
      spec.beta1,
      spec.beta2,
      spec.eps,
      s.lr / s.bc1,
      Math.sqrt(s.bc2),
      keep,
      s.gradScale,
      l2,
    );
  }
}
