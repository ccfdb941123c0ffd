/**
 * Nielsen's `expand_mnist.py`: every training image, then its copies shifted one pixel down,
 * up, right and left (the row or column that enters is zero), 250,000 images from 50,000,
 * shuffled once. Built once into new shared arrays, so workers still share one copy.
 *
 * @module
 */
import type { Split } from "./split.ts";
import { sharedFloat32, sharedUint8 } from "./_convert.ts";
import { Rng } from "../core/mod.ts";

/** The seed of the one shuffle of the expanded set (expand_mnist.py's is unseeded). */
export const EXPAND_SEED = 0;

/**
 * `split`'s images with four one-pixel shifts of each, in a shuffled order.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { expandShift1 } from "./expand.ts";
 * const images = new Float32Array(9).fill(0);
 * images[4] = 1; // the centre of a 3x3 image
 * const out = expandShift1({ images, labels: Uint8Array.of(7), count: 1 }, 3, 3);
 * assertEquals(out.count, 5);
 * assertEquals([...out.labels], [7, 7, 7, 7, 7]);
 * // Where the lit pixel went in each copy (in shuffled order): centre, below, above, right, left.
 * const lit = [0, 1, 2, 3, 4].map((i) => out.images.subarray(9 * i, 9 * i + 9).indexOf(1));
 * assertEquals(lit.sort(), [1, 3, 4, 5, 7]);
 * ```
 */
export function expandShift1(split: Split, h: number, w: number): Split {
  const n = split.count;
  const size = h * w;
  const images = sharedFloat32(5 * n * size);
  const labels = sharedUint8(5 * n);
  // dy, dx of each copy: itself, down, up, right, left (expand_mnist.py's order).
  const shifts = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]];
  const order = new Uint32Array(5 * n);
  for (let i = 0; i < order.length; i++) order[i] = i;
  new Rng(EXPAND_SEED).shuffle(order);
  for (let o = 0; o < order.length; o++) {
    const src = Math.floor(order[o] / 5);
    const [dy, dx] = shifts[order[o] % 5];
    const from = src * size;
    const to = o * size;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      for (let x = 0; x < w; x++) {
        const sx = x - dx;
        images[to + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w
          ? split.images[from + sy * w + sx]
          : 0;
      }
    }
    labels[o] = split.labels[src];
  }
  return { images, labels, count: 5 * n };
}
