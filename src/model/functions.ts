/**
 * Activations and costs, named as in Nielsen's book, with the loops that apply them to a
 * mini-batch buffer.
 *
 * @module
 */

import type { Cost } from "../vocabulary/mod.ts";

/** Smallest argument of a logarithm in a cost, so a saturated output gives a large finite cost. */
export const LOG_FLOOR = 1e-30;

/**
 * Deltas smaller than this are flushed to zero. Saturated sigmoids make deltas tiny, and the
 * SIMD update's products of them are subnormal floats, which x86 computes about 50% slower
 * overall (0.33 instead of 0.21 s per epoch at eta 3); WebAssembly has no flush-to-zero mode.
 * A change of 1e-30 · x is far below a float32 weight's precision, so the weights do not
 * change.
 */
export const FLUSH_BELOW = 1e-30;

/** Row-wise softmax of z (m rows of n) into a, shifted by each row's maximum. */
export function softmaxRows(z: Float32Array, a: Float32Array, m: number, n: number): void {
  for (let e = 0; e < m; e++) {
    const off = e * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (z[off + j] > max) max = z[off + j];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.exp(z[off + j] - max);
      a[off + j] = v;
      sum += v;
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) a[off + j] *= inv;
  }
}

/**
 * The output error δ^L = ∂C/∂z^L for each example (BP1): a - y for cross-entropy with sigmoid
 * outputs and for log-likelihood with softmax (Nielsen eq. 66 and 81), (a - y)·σ'(z) for the
 * quadratic cost. `labels[rows[e]]` is example e's class.
 */
export function outputDelta(
  cost: Cost,
  a: Float32Array,
  delta: Float32Array,
  labels: Uint8Array,
  rows: Uint32Array,
  m: number,
  n: number,
): void {
  const quadratic = cost === "quadratic";
  for (let e = 0; e < m; e++) {
    const label = labels[rows[e]];
    const off = e * n;
    for (let j = 0; j < n; j++) {
      const aj = a[off + j];
      const d = aj - (j === label ? 1 : 0);
      delta[off + j] = quadratic ? d * aj * (1 - aj) : d;
    }
  }
}

/** The cost of one example's outputs `a[off..off+n)` with class `label` (no regularisation). */
export function exampleCost(
  cost: Cost,
  a: Float32Array,
  off: number,
  n: number,
  label: number,
): number {
  let c = 0;
  if (cost === "quadratic") {
    for (let j = 0; j < n; j++) {
      const d = a[off + j] - (j === label ? 1 : 0);
      c += 0.5 * d * d;
    }
  } else if (cost === "cross-entropy") {
    for (let j = 0; j < n; j++) {
      const aj = a[off + j];
      c -= Math.log(Math.max(j === label ? aj : 1 - aj, LOG_FLOOR));
    }
  } else {
    c -= Math.log(Math.max(a[off + label], LOG_FLOOR));
  }
  return c;
}
