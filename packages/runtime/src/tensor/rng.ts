/**
 * A small, fast, seedable pseudo-random generator: **xoshiro128\*\*** (Blackman & Vigna, 2018) with its
 * 128-bit state filled from the seed by **SplitMix32**. Every random choice in this project takes a seed and goes
 * through this class, so runs are reproducible across machines and Node versions.
 *
 * - `nextUint32()`: the raw 32-bit output.
 * - `uniform()`: a double in [0, 1) with 53 random bits (two draws).
 * - `normal()`: a standard normal via the Box-Muller transform (pairs are cached).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform();        // 0.0 <= x < 1.0, the same on every run
 * rng.normal();         // N(0, 1)
 * rng.int(10);          // integer in [0, 10)
 * const child = rng.fork(); // independent stream, e.g. for a worker
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** @param seed any finite number; non-integers are truncated, negatives wrap to uint32. */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}.`);
    let x = Math.trunc(seed) >>> 0;
    // High bits of large seeds still matter: fold them in.
    x = (x ^ Math.floor(Math.abs(seed) / 2 ** 32)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 bits of randomness. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [0, 1) with 32 bits of randomness (one draw; for bulk float32 fills). */
  uniform32(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal N(0, 1) by Box-Muller; the second value of each pair is cached. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`Rng.int(n) needs an integer 1 <= n <= 2^32, got ${n}.`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffle an array in place (Fisher-Yates) and return it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A new generator seeded from this one's stream: independent sub-streams for parallel work. */
  fork(): Rng {
    return new Rng(this.nextUint32() * 4294967296 + this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
