/**
 * The one seeded random generator behind every random choice: initialisation, shuffling and
 * sampling. xoshiro128** (Blackman and Vigna) seeded through splitmix32, with a Box–Muller
 * Gaussian. The same seed gives the same stream on every machine.
 *
 * @module
 */

/** A generator's state: xoshiro128**'s four words and the Gaussian kept from the last pair. */
export interface RngState {
  /** xoshiro128**'s four 32-bit words. */
  s: number[];
  /** NaN when no Gaussian is kept. */
  spare: number;
}

/**
 * A seeded xoshiro128** generator.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { Rng } from "./prng.ts";
 * const a = new Rng(42), b = new Rng(42);
 * assert(a.nextUint32() === b.nextUint32());
 * assert(a.nextInt(10) < 10);
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spare = NaN;

  /** A generator seeded with `seed` (an integer in 0..2^32-1) through splitmix32. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in 0..2^32-1, got ${seed}`);
    }
    let x = seed >>> 0;
    const next = () => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
  }

  /** The generator's state, to continue the same stream later (see {@linkcode Rng.fromState}). */
  state(): RngState {
    return { s: [this.#s0, this.#s1, this.#s2, this.#s3], spare: this.#spare };
  }

  /**
   * A generator that continues exactly where `state` was taken.
   *
   * @example
   * ```ts
   * import { assertEquals } from "../../tests/_assert.ts";
   * import { Rng } from "./prng.ts";
   * const a = new Rng(9);
   * a.gaussian();
   * const b = Rng.fromState(a.state());
   * assertEquals([b.gaussian(), b.nextUint32()], [a.gaussian(), a.nextUint32()]);
   * ```
   */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    [rng.#s0, rng.#s1, rng.#s2, rng.#s3] = state.s.map((v) => v >>> 0);
    rng.#spare = state.spare;
    return rng;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * Fills `out[0..n)` with the next `n` values of {@linkcode nextUint32} (the same sequence),
   * the state kept in locals: dropout masks draw one value per neuron and mini-batch.
   *
   * @example
   * ```ts
   * import { assertEquals } from "../../tests/_assert.ts";
   * import { Rng } from "./prng.ts";
   * const a = new Rng(7);
   * const b = new Rng(7);
   * const out = new Uint32Array(5);
   * a.fillUint32(out, 5);
   * assertEquals([...out], Array.from({ length: 5 }, () => b.nextUint32()));
   * assertEquals(a.nextUint32(), b.nextUint32());
   * ```
   */
  fillUint32(out: Uint32Array, n: number): void {
    let s0 = this.#s0;
    let s1 = this.#s1;
    let s2 = this.#s2;
    let s3 = this.#s3;
    for (let i = 0; i < n; i++) {
      const r = Math.imul(s1, 5);
      out[i] = Math.imul((r << 7) | (r >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.#s0 = s0 >>> 0;
    this.#s1 = s1 >>> 0;
    this.#s2 = s2 >>> 0;
    this.#s3 = s3 >>> 0;
  }

  /** A uniform float in [0, 1) with 53 random bits. */

  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!(n >= 1 && n <= 0x100000000)) {
      throw new RangeError(`nextInt(n) needs 1 <= n <= 2^32, got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /**
   * A standard normal sample: Marsaglia's polar method on 32-bit uniforms (twice as fast as
   * Box–Muller's sine and cosine, which matters when a network of thousands of weights is
   * initialised per trial); the second value of each pair is kept for the next call.
   */
  gaussian(): number {
    if (!Number.isNaN(this.#spare)) {
      const s = this.#spare;
      this.#spare = NaN;
      return s;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = this.nextUint32() / 2147483648 - 1;
      v = this.nextUint32() / 2147483648 - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.#spare = v * f;
    return u * f;
  }

  /** Shuffles `a` in place (Fisher–Yates). */
  shuffle(a: Uint32Array): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A 32-bit seed derived from any JSON-able parts (FNV-1a of their JSON), so that a trial's
 * seed depends only on the experiment seed and its setting.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { deriveSeed } from "./prng.ts";
 * assert(deriveSeed(1, { eta: 3 }) === deriveSeed(1, { eta: 3 }));
 * assert(deriveSeed(1, { eta: 3 }) !== deriveSeed(2, { eta: 3 }));
 * ```
 */
export function deriveSeed(...parts: unknown[]): number {
  const text = JSON.stringify(parts);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
