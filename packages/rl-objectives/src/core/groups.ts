import { assertLength } from './arrays.js';
import { GroupError, InvalidValueError, ShapeError } from './errors.js';

/**
 * How samples are grouped (one group = the G completions of one prompt):
 * - a number `G`: uniform groups of `G` consecutive samples (the TRL / verl layout, fastest);
 * - an array of group ids, one per sample (numbers or strings; members need not be contiguous, as with
 *   verl's `uid` index); groups are numbered in order of first appearance;
 * - a prebuilt {@link GroupIndex} (reuse it across calls on the same batch).
 *
 * @example
 * ```ts
 * const uniform: GroupSpec = 16;
 * const byId: GroupSpec = ['q1', 'q1', 'q2', 'q2'];
 * ```
 */
export type GroupSpec = number | ArrayLike<number> | readonly string[] | GroupIndex;

/**
 * A resolved grouping of `length` samples into `count` non-empty groups.
 *
 * @example
 * ```ts
 * const idx = GroupIndex.from(['a', 'b', 'a', 'b'], 4);
 * idx.count;        // 2
 * idx.groupOf[2];   // 0 (sample 2 is in group 'a')
 * idx.sizes;        // Int32Array [2, 2]
 * ```
 */
export class GroupIndex {
  /** Number of samples. */
  readonly length: number;
  /** Number of groups. */
  readonly count: number;
  /** Group size when groups are uniform and contiguous (sample i is in group floor(i / size)); 0 otherwise. */
  readonly uniformSize: number;
  /** Samples per group. */
  readonly sizes: Int32Array;
  /** The id of each group (its index 0, 1, ... for uniform groups), in group order. */
  readonly keys: readonly (string | number)[];
  private groupOfCache: Int32Array | null;

  private constructor(
    length: number,
    uniformSize: number,
    groupOf: Int32Array | null,
    sizes: Int32Array,
    keys: (string | number)[],
  ) {
    this.length = length;
    this.count = sizes.length;
    this.uniformSize = uniformSize;
    this.groupOfCache = groupOf;
    this.sizes = sizes;
    this.keys = keys;
  }

  /** Group number of each sample (built lazily for uniform groups, which do not need it). */
  get groupOf(): Int32Array {
    if (this.groupOfCache === null) {
      const g = new Int32Array(this.length);
      for (let i = 0; i < this.length; i++) g[i] = (i / this.uniformSize) | 0;
      this.groupOfCache = g;
    }
    return this.groupOfCache;
  }

  /**
   * Resolve a {@link GroupSpec} for `n` samples.
   * @throws {GroupError} when n is 0 or a uniform size does not divide n; {@link ShapeError} when an id
   *   array's length is not n; {@link InvalidValueError} for NaN / non-string ids.
   * @example
   * ```ts
   * GroupIndex.from(4, 16).count; // 4 groups of 4
   * ```
   */
  static from(spec: GroupSpec, n: number): GroupIndex {
    if (!Number.isInteger(n) || n <= 0) {
      throw new GroupError(`there are no samples to group (n = ${n}); pass at least one reward.`);
    }
    if (spec instanceof GroupIndex) {
      if (spec.length !== n) {
        throw new ShapeError(
          `the GroupIndex covers ${spec.length} samples but there are ${n}; rebuild it for this batch.`,
        );
      }
      return spec;
    }
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec <= 0) {
        throw new GroupError(
          `group size must be a positive integer, got ${spec}; pass e.g. 16 or an array of group ids.`,
        );
      }
      if (n % spec !== 0) {
        throw new GroupError(
          `${n} samples are not a multiple of group size ${spec}; pass an array of group ids for uneven groups.`,
        );
      }
      const count = n / spec;
      const sizes = new Int32Array(count).fill(spec);
      const keys: number[] = new Array(count);
      for (let g = 0; g < count; g++) keys[g] = g;
      return new GroupIndex(n, spec, null, sizes, keys);
    }
    if (
      spec === null ||
      typeof spec !== 'object' ||
      typeof (spec as ArrayLike<unknown>).length !== 'number'
    ) {
      throw new GroupError('groups must be a group size (number), an array of group ids, or a GroupIndex.');
    }
    assertLength(spec as ArrayLike<unknown>, n, 'groups', 'rewards');
    return GroupIndex.fromIds(spec as ArrayLike<number | string>, n);
  }

  private static fromIds(ids: ArrayLike<number | string>, n: number): GroupIndex {
    const groupOf = new Int32Array(n);
    const keys: (string | number)[] = [];
    const sizesList: number[] = [];
    // Small non-negative integer ids (the common `np.repeat(arange(B), G)` case) use a dense lookup table,
    // everything else a Map; both number groups by first appearance, like verl's dict of uids.
    let dense = true;
    let maxId = -1;
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      if (typeof id === 'number') {
        if (id - id !== 0)
          throw new InvalidValueError(`groups[${i}] is ${id}; group ids must be finite numbers or strings.`);
        if (!Number.isInteger(id) || id < 0) dense = false;
        else if (id > maxId) maxId = id;
      } else if (typeof id === 'string') {
        dense = false;
      } else {
        throw new InvalidValueError(
          `groups[${i}] is ${id === null ? 'null' : typeof id}; group ids must be numbers or strings.`,
        );
      }
    }
    if (dense && maxId <= 4 * n + 1024) {
      const table = new Int32Array(maxId + 1).fill(-1);
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        let g = table[id];
        if (g < 0) {
          g = keys.length;
          table[id] = g;
          keys.push(id);
          sizesList.push(0);
        }
        sizesList[g]++;
        groupOf[i] = g;
      }
    } else {
      const map = new Map<string | number, number>();
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        let g = map.get(id);
        if (g === undefined) {
          g = keys.length;
          map.set(id, g);
          keys.push(id);
          sizesList.push(0);
        }
        sizesList[g]++;
        groupOf[i] = g;
      }
    }
    return new GroupIndex(n, 0, groupOf, Int32Array.from(sizesList), keys);
  }
}

/**
 * Per-group mean and standard deviation (two-pass, so no cancellation for large rewards).
 * `bessel` divides by (size - 1) like `torch.std` (unbiased, the TRL / verl default); a group of one gets
 * std NaN with Bessel (like torch) and 0 without.
 *
 * @example
 * ```ts
 * const { mean, std } = groupMoments([1, 0, 0, 0], GroupIndex.from(2, 4), true);
 * // mean = [0.5, 0], std = [0.7071..., 0]
 * ```
 */
export function groupMoments(
  rewards: ArrayLike<number>,
  index: GroupIndex,
  bessel: boolean,
): { mean: Float64Array; std: Float64Array } {
  const count = index.count;
  const mean = new Float64Array(count);
  const std = new Float64Array(count);
  const G = index.uniformSize;
  if (G > 0) {
    for (let g = 0, s = 0; g < count; g++, s += G) {
      let sum = 0;
      for (let i = s; i < s + G; i++) sum += rewards[i];
      const m = sum / G;
      let ss = 0;
      for (let i = s; i < s + G; i++) {
        const d = rewards[i] - m;
        ss += d * d;
      }
      mean[g] = m;
      std[g] = Math.sqrt(ss / (bessel ? G - 1 : G));
    }
    return { mean, std };
  }
  const groupOf = index.groupOf;
  const sizes = index.sizes;
  const n = index.length;
  for (let i = 0; i < n; i++) mean[groupOf[i]] += rewards[i];
  for (let g = 0; g < count; g++) mean[g] /= sizes[g];
  for (let i = 0; i < n; i++) {
    const d = rewards[i] - mean[groupOf[i]];
    std[groupOf[i]] += d * d;
  }
  for (let g = 0; g < count; g++) std[g] = Math.sqrt(std[g] / (bessel ? sizes[g] - 1 : sizes[g]));
  return { mean, std };
}
