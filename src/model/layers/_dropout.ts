// The books' dropout masks (not inverted): each value kept (mask 1, unchanged) when a uniform
// draw is above p, else zeroed; evaluation scales instead of dropping (the layers do that).
import type { Pass } from "./_layer.ts";

/** A Uint32Array view of each mask's bytes, made once (no allocation per mini-batch). */
const DRAWS = new WeakMap<Float32Array, Uint32Array>();
function drawsOf(mask: Float32Array): Uint32Array {
  let d = DRAWS.get(mask);
  if (!d) DRAWS.set(mask, d = new Uint32Array(mask.buffer, mask.byteOffset, mask.length));
  return d;
}

/**
 * out = x ⊙ mask over n values, each kept when a uniform draw is above p (Saito's
 * `rand > ratio`); `out` may be `x` itself.
 */
export function dropValues(
  x: Float32Array,
  out: Float32Array,
  mask: Float32Array,
  n: number,
  p: number,
  pass: Pass,
): void {
  // One 32-bit draw per value: kept when u > p·2^32 (p to 2^-32 precision). The draws land in
  // the mask's own bytes first (a Uint32Array view of it), then become 0 or 1 in place.
  const threshold = Math.floor(p * 4294967296);
  const draws = drawsOf(mask);
  pass.rng!.fillUint32(draws, n);

  for (let i = 0; i < n; i++) {
    const keep = draws[i] > threshold ? 1 : 0;
    mask[i] = keep;
    out[i] = x[i] * keep;
  }
}
