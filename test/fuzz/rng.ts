// A small seeded PRNG (sfc32) with the helpers the fuzzers use. Every iteration of a
// fuzz run gets its own generator derived from (seed, iteration), so any single
// iteration can be regenerated on its own from the two numbers a report prints.

/** 32-bit mix (murmur3 finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(seed + 0x243f6a88 + Math.imul(stream, 0x85ebca6b));
    this.c = mix32(stream ^ 0xb7e15162);
    this.d = mix32((seed ^ stream) + 0x6a09e667);
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The generator of one fuzz iteration. */
  static forIteration(seed: number, iteration: number, salt = 0): Rng {
    return new Rng(mix32(seed) ^ salt, iteration);
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(list: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of list) total += w;
    let r = this.float() * total;
    for (const [w, v] of list) {
      r -= w;
      if (r < 0) return v;
    }
    return list[list.length - 1][1];
  }

  /** Sizes skewed small: mostly < 64, sometimes up to `max`. */
  size(max: number): number {
    const bits = this.int(Math.max(1, Math.floor(Math.log2(Math.max(2, max))) + 1));
    return Math.min(max, this.int(2 ** bits) + 1);
  }
}
