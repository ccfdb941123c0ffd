// Mini-batch kernels for feedforward, backprop and the SGD update, over preallocated
// Float32Array workspaces. Layer i maps sizes[i] -> sizes[i+1]. Weights are stored
// transposed, wT:(in,out), so that every inner loop runs over contiguous memory:
//   forward   z_j += a_k * wT[k,j]           (axpy over j)
//   backward  (W^T delta)_k = wT[k,:] . delta  (row dot)
//   update    wT[k,:] -= (eta/m) a_k delta    (axpy over j)
// The input layer skips zero pixels (MNIST is 81% zeros): forward records each example's
// non-zero pixels, and the update reuses them, so both cost O(nonzeros * out), not O(in * out).
// Its two loops run in WebAssembly SIMD (wasm/kernels.wat), on weights and buffers that live
// in the network's WasmArena; the small hidden layers stay in TypeScript.
import { CROSS_ENTROPY, QUADRATIC, RELU, SIGMOID } from "./functions.ts";
import { BLOCK_PAD, type WasmArena } from "./_wasm.ts";
import type { SparseRows } from "../data/sparse.ts";

/**
 * Deltas smaller than this are flushed to zero. Saturated sigmoids make deltas tiny, and the
 * SIMD update's products of them are subnormal floats, which x86 computes about 50% slower
 * overall here (0.33 instead of 0.21 s per epoch at eta 3); WebAssembly has no flush-to-zero
 * mode. A change of 1e-30 * x is far below a float32 weight's precision, so the weights do not
 * change.
 */
const FLUSH_BELOW = 1e-30;

/** The parameters and functions the kernels read. */
export interface Params {
  sizes: number[];
  /** Per layer, wT:(in,out) row-major. */
  weightsT: Float32Array[];
  biases: Float32Array[];
  activation: number;
  cost: number;
  /** Holds weightsT[0]; the workspaces' input-layer buffers are allocated there too. */
  arena: WasmArena;
}

/** Buffers for one mini-batch size; allocated once, reused for every batch. */
export class Workspace {
  readonly batch: number;
  /** Per layer i: z and a of shape (batch, sizes[i+1]). */
  readonly z: Float32Array[];
  readonly a: Float32Array[];
  /** Per layer i: delta of shape (batch, sizes[i+1]). */
  readonly delta: Float32Array[];
  /** Non-zero input pixels per example: indices, values, counts. */
  readonly nzIndex: Uint16Array;
  readonly nzValue: Float32Array;
  readonly nzCount: Int32Array;
  /** The dataset rows of the current batch. */
  readonly rows: Uint32Array;

  constructor(p: Params, batch: number) {
    const sizes = p.sizes;
    this.batch = batch;
    const out = sizes.slice(1);
    // The input layer's z, delta and pixel lists are read by the WebAssembly kernels.
    this.z = out.map((
      n,
      i,
    ) => (i === 0 ? p.arena.float32(batch * n, BLOCK_PAD) : new Float32Array(batch * n)));
    this.a = out.map((n) => new Float32Array(batch * n));
    this.delta = out.map((
      n,
      i,
    ) => (i === 0 ? p.arena.float32(batch * n) : new Float32Array(batch * n)));
    this.nzIndex = p.arena.uint16(batch * sizes[0]);
    this.nzValue = p.arena.float32(batch * sizes[0]);
    this.nzCount = new Int32Array(batch);
    this.rows = new Uint32Array(batch);
  }
}

/**
 * Feedforward of rows[0..m) of `images` (Nielsen eq. 25: a' = σ(w a + b)), keeping z and a
 * of every layer for backprop. `sparse` selects the zero-skipping input kernel.
 */
export function forward(
  p: Params,
  ws: Workspace,
  images: Float32Array,
  m: number,
  sparse: boolean,
  rowsSparse?: SparseRows,
): void {
  const sizes = p.sizes;
  const layers = sizes.length - 1;
  const n0 = sizes[0];
  const n1 = sizes[1];
  const w0 = p.weightsT[0];
  const b0 = p.biases[0];
  const z0 = ws.z[0];
  const rows = ws.rows;
  const nzIndex = ws.nzIndex;
  const nzValue = ws.nzValue;
  const kernels = p.arena.kernels;
  const wPtr = w0.byteOffset;
  for (let e = 0; e < m; e++) {
    // w:(n1,n0) · x:(n0) -> z:(n1): list the pixels (the non-zero ones, for sparse input),
    // then one SIMD axpy per listed pixel.
    const xOff = rows[e] * n0;
    const zOff = e * n1;
    const nzOff = e * n0;
    for (let j = 0; j < n1; j++) z0[zOff + j] = b0[j];
    let count = 0;
    if (sparse && rowsSparse) {
      // The pixel list was found once for the whole split: copy it into the kernel's memory.
      // (An indexed copy: subarray() + set() would allocate two views per example.)
      const start = rowsSparse.rowStart[rows[e]];
      count = rowsSparse.rowStart[rows[e] + 1] - start;
      const index = rowsSparse.index;
      const value = rowsSparse.value;
      for (let c = 0; c < count; c++) {
        nzIndex[nzOff + c] = index[start + c];
        nzValue[nzOff + c] = value[start + c];
      }
    } else if (sparse) {
      for (let k = 0; k < n0; k++) {
        const v = images[xOff + k];
        if (v === 0) continue;
        nzIndex[nzOff + count] = k;
        nzValue[nzOff + count] = v;
        count++;
      }
    } else {
      for (let k = 0; k < n0; k++) {
        nzIndex[nzOff + k] = k;
        nzValue[nzOff + k] = images[xOff + k];
      }
      count = n0;
    }
    ws.nzCount[e] = count;
    kernels.forward(
      z0.byteOffset + zOff * 4,
      wPtr,
      n1,
      nzIndex.byteOffset + nzOff * 2,
      nzValue.byteOffset + nzOff * 4,
      count,
    );
  }
  activate(p, 0, ws.z[0], ws.a[0], m * n1);
  for (let i = 1; i < layers; i++) {
    const nIn = sizes[i];
    const nOut = sizes[i + 1];
    const src = ws.a[i - 1];
    const z = ws.z[i];
    for (let e = 0; e < m; e++) {
      affine(p.weightsT[i], p.biases[i], nIn, nOut, src, e * nIn, z, e * nOut);
    }
    activate(p, i, z, ws.a[i], m * nOut);
  }
  if (p.cost !== QUADRATIC && p.cost !== CROSS_ENTROPY) {
    softmaxRows(ws.z[layers - 1], ws.a[layers - 1], m, sizes[layers]);
  }
}

// w:(nOut,nIn) · src[srcOff..+nIn] + b -> z[zOff..+nOut]
function affine(
  wT: Float32Array,
  b: Float32Array,
  nIn: number,
  nOut: number,
  src: Float32Array,
  srcOff: number,
  z: Float32Array,
  zOff: number,
): void {
  for (let j = 0; j < nOut; j++) z[zOff + j] = b[j];
  for (let k = 0; k < nIn; k++) {
    const v = src[srcOff + k];
    if (v === 0) continue;
    const wOff = k * nOut;
    for (let j = 0; j < nOut; j++) z[zOff + j] += v * wT[wOff + j];
  }
}

function activate(p: Params, layer: number, z: Float32Array, a: Float32Array, n: number): void {
  const output = layer === p.sizes.length - 2;
  const code = output ? SIGMOID : p.activation;
  if (output && p.cost !== QUADRATIC && p.cost !== CROSS_ENTROPY) return; // softmax, per row
  if (code === SIGMOID) {
    for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
  } else if (code === RELU) {
    for (let i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0;
  } else {
    for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i]);
  }
}

function softmaxRows(z: Float32Array, a: Float32Array, m: number, n: number): void {
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
 * Backprop of the batch after {@link forward}: the output error (BP1; for cross-entropy and
 * log-likelihood it is a - y, Nielsen eq. 66 and 81), then δ^l = (w^{l+1})^T δ^{l+1} ⊙ σ'(z^l)
 * (BP2) down to the first hidden layer.
 */
export function backward(p: Params, ws: Workspace, labels: Uint8Array, m: number): void {
  const sizes = p.sizes;
  const L = sizes.length - 1;
  const nOut = sizes[L];
  const aL = ws.a[L - 1];
  const dL = ws.delta[L - 1];
  const quadratic = p.cost === QUADRATIC;
  for (let e = 0; e < m; e++) {
    const label = labels[ws.rows[e]];
    const off = e * nOut;
    for (let j = 0; j < nOut; j++) {
      const a = aL[off + j];
      const d = a - (j === label ? 1 : 0);
      dL[off + j] = quadratic ? d * a * (1 - a) : d; // σ'(z) = a(1-a)
    }
  }
  for (let i = L - 1; i >= 1; i--) {
    const nHere = sizes[i]; // neurons of layer i (output of weight layer i-1)
    const nNext = sizes[i + 1];
    const wT = p.weightsT[i];
    const dNext = ws.delta[i];
    const d = ws.delta[i - 1];
    const a = ws.a[i - 1];
    const z = ws.z[i - 1];
    const act = p.activation;
    for (let e = 0; e < m; e++) {
      const nextOff = e * nNext;
      const off = e * nHere;
      // w:(nNext,nHere)^T · δ:(nNext) -> (nHere)
      for (let k = 0; k < nHere; k++) {
        const wOff = k * nNext;
        let s = 0;
        for (let j = 0; j < nNext; j++) s += wT[wOff + j] * dNext[nextOff + j];
        const ak = a[off + k];
        const prime = act === SIGMOID
          ? ak * (1 - ak)
          : act === RELU
          ? (z[off + k] > 0 ? 1 : 0)
          : 1 - ak * ak;
        const v = s * prime;
        d[off + k] = v > -FLUSH_BELOW && v < FLUSH_BELOW ? 0 : v;
      }
    }
  }
}

/**
 * The SGD step of network2.py: w -> (1 - eta*lmbda/n) w - (eta/m) Σ δ a^T (BP4), and
 * b -> b - (eta/m) Σ δ (BP3), applied straight to the weights with no nablaW buffer.
 */
export function update(p: Params, ws: Workspace, m: number, eta: number, decay: number): void {
  const sizes = p.sizes;
  const L = sizes.length - 1;
  const step = -eta / m;
  const kernels = p.arena.kernels;
  for (let i = 0; i < L; i++) {
    const nIn = sizes[i];
    const nOut = sizes[i + 1];
    const wT = p.weightsT[i];
    const b = p.biases[i];
    const d = ws.delta[i];
    if (decay !== 1) {
      if (i === 0) kernels.scale(wT.byteOffset, wT.length, decay);
      else for (let q = 0, n = wT.length; q < n; q++) wT[q] *= decay;
    }
    for (let e = 0; e < m; e++) {
      const dOff = e * nOut;
      for (let j = 0; j < nOut; j++) b[j] += step * d[dOff + j];
      if (i === 0) {
        // Only the listed pixels' rows have a non-zero gradient.
        const nzOff = e * nIn;
        kernels.update(
          wT.byteOffset,
          nOut,
          ws.nzIndex.byteOffset + nzOff * 2,
          ws.nzValue.byteOffset + nzOff * 4,
          ws.nzCount[e],
          d.byteOffset + dOff * 4,
          step,
        );
      } else {
        const src = ws.a[i - 1];
        const srcOff = e * nIn;
        for (let k = 0; k < nIn; k++) {
          const v = src[srcOff + k];
          if (v === 0) continue;
          const s = step * v;
          const wOff = k * nOut;
          for (let j = 0; j < nOut; j++) wT[wOff + j] += s * d[dOff + j];
        }
      }
    }
  }
}
