// A convolutional layer: "valid" convolution, stride 1, over all input maps, optionally
// followed by max-pooling over non-overlapping windows, then the per-map bias and the
// activation. That is network3.py's ConvPoolLayer order (pool, then add b, then σ); Saito's
// Convolution → ReLU → Pooling gives the same outputs, because the bias is one per map and
// every activation here is non-decreasing, so max(σ(z + b)) = σ(max(z) + b). Pooling first
// applies the activation to a quarter of the values.
//
// Each image is lowered to columns (im2col), so the convolution is one matrix product:
//   F:(maps, C·k·k) · col:(C·k·k, P) -> zc:(maps, P), P = outH·outW positions.
import { activate, type Activation, timesDerivative } from "../functions.ts";
import type { Kernels, WasmArena } from "../_arena.ts";
import { type Layer, type LayerWork, type Param, type Pass, shapeText, sizeOf } from "./_layer.ts";

/** What a convolutional layer is. */
export interface ConvOptions {
  /** `[channels, height, width]` of the input. */
  inShape: readonly number[];
  maps: number;
  kernel: number;
  /** Pooling window (1 for none). */
  pool: number;
  activation: Activation;
}

interface ConvWork extends LayerWork {
  /** Per image, its columns (C·k·k, P). */
  col: Float32Array;
  /** The convolution before pooling (maps, P) per image, and its gradient. */
  zc: Float32Array;
  dzc: Float32Array;
  /** Pooled (or not) convolution plus bias: the activation's input. */
  z: Float32Array;
  /** For each pooled output, the position in zc that won the window. */
  argmax: Int32Array;
  /** One image's column gradient (C·k·k, P). */
  dcol: Float32Array;
}

/** A convolutional (and pooling) layer. */
export class ConvLayer implements Layer {
  readonly type = "conv" as const;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly inSize: number;
  readonly outSize: number;
  readonly params: Param[];
  readonly state: Float32Array[] = [];
  readonly fanIn: number;
  readonly fanOut: number;
  readonly options: ConvOptions;
  /** Filters F:(maps, C·k·k) row-major, biases b:(maps). */
  readonly filters: Float32Array;
  readonly b: Float32Array;
  /** Convolution output height and width, before pooling. */
  readonly convH: number;
  readonly convW: number;
  readonly ckk: number;

  constructor(arena: WasmArena, options: ConvOptions) {
    const [c, h, w] = options.inShape;
    const { maps, kernel: k, pool } = options;
    this.options = options;
    this.convH = h - k + 1;
    this.convW = w - k + 1;
    this.inShape = options.inShape;
    this.outShape = [maps, this.convH / pool, this.convW / pool];
    this.inSize = sizeOf(this.inShape);
    this.outSize = sizeOf(this.outShape);
    this.ckk = c * k * k;
    this.fanIn = this.ckk;
    this.fanOut = (maps * k * k) / (pool * pool);
    this.filters = arena.float32(maps * this.ckk);
    this.b = arena.float32(maps);
    this.params = [
      { name: "w", data: this.filters, grad: arena.float32(maps * this.ckk), regularize: true },
      { name: "b", data: this.b, grad: arena.float32(maps), regularize: false },
    ];
  }

  describe(): string {
    const { maps, kernel, pool, activation } = this.options;
    const conv = `conv ${maps}x${kernel}x${kernel} -> ${maps}x${this.convH}x${this.convW}`;
    return `${conv}${
      pool > 1 ? `, pool ${pool} -> ${shapeText(this.outShape)}` : ""
    }, ${activation}`;
  }

  allocate(arena: WasmArena, m: number): ConvWork {
    const P = this.convH * this.convW;
    const maps = this.options.maps;
    const pooled = this.options.pool > 1;
    const zc = arena.float32(m * maps * P);
    return {
      m,
      col: arena.float32(m * this.ckk * P),
      zc,
      dzc: arena.float32(m * maps * P),
      z: pooled ? arena.float32(m * this.outSize) : zc,
      argmax: new Int32Array(pooled ? m * this.outSize : 0),
      a: arena.float32(m * this.outSize),
      dA: arena.float32(m * this.outSize),
      dcol: arena.float32(this.ckk * P),
    };
  }

  forward(k: Kernels, work: LayerWork, x: Float32Array, m: number, _pass: Pass): void {
    const w = work as ConvWork;
    const { maps, pool } = this.options;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    const inSize = this.inSize;
    for (let e = 0; e < m; e++) {
      im2col(x, e * inSize, this.inShape, this.options.kernel, w.col, e * ckk * P);
      // F:(maps, ckk) · col:(ckk, P) -> zc:(maps, P)
      k.gemm_nn(
        w.zc.byteOffset + e * maps * P * 4,
        this.filters.byteOffset,
        w.col.byteOffset + e * ckk * P * 4,
        maps,
        P,
        ckk,
        ckk,
        1,
        P,
        P,
        1,
        0,
      );
    }
    if (pool > 1) maxPool(w.zc, w.z, w.argmax, m * maps, this.convH, this.convW, pool);
    // + b per map, then the activation.
    const per = this.outSize / maps;
    const z = w.z;
    const b = this.b;
    for (let e = 0, off = 0; e < m; e++) {
      for (let f = 0; f < maps; f++) {
        const bf = b[f];
        for (let q = 0; q < per; q++, off++) z[off] += bf;
      }
    }
    activate(this.options.activation, z, w.a, m * this.outSize);
  }

  backward(
    k: Kernels,
    work: LayerWork,
    _x: Float32Array,
    m: number,
    dX: Float32Array | null,
  ): void {
    const w = work as ConvWork;
    const { maps, pool, kernel } = this.options;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    timesDerivative(this.options.activation, w.z, w.a, w.dA, m * this.outSize);
    // δ of the convolution: routed to the winners of the pooling windows (zero elsewhere).
    if (pool > 1) {
      w.dzc.fill(0, 0, m * maps * P);
      const argmax = w.argmax;
      const delta = w.dA;
      const dzc = w.dzc;
      for (let o = 0, n = m * this.outSize; o < n; o++) dzc[argmax[o]] = delta[o];
    } else {
      const dzc = w.dzc;
      const delta = w.dA;
      for (let i = 0, n = m * this.outSize; i < n; i++) dzc[i] = delta[i];
    }
    if (!dX) return;
    dX.fill(0, 0, m * this.inSize);
    for (let e = 0; e < m; e++) {
      // F^T:(ckk, maps) · δzc:(maps, P) -> dcol:(ckk, P), then back onto the image.
      k.gemm_nn(
        w.dcol.byteOffset,
        this.filters.byteOffset,
        w.dzc.byteOffset + e * maps * P * 4,
        ckk,
        P,
        maps,
        1,
        ckk,
        P,
        P,
        1,
        0,
      );
      col2im(w.dcol, this.inShape, kernel, dX, e * this.inSize);
    }
  }

  gradients(k: Kernels, work: LayerWork, _x: Float32Array, m: number, alpha: number): void {
    const [pw, pb] = this.params;
    this.#filterGradient(k, work as ConvWork, m, pw.grad, alpha, false);
    this.#biasGradient(work as ConvWork, m, pb.grad, alpha, false);
  }

  sgdStep(k: Kernels, work: LayerWork, _x: Float32Array, m: number, step: number): void {
    this.#filterGradient(k, work as ConvWork, m, this.filters, step, true);
    this.#biasGradient(work as ConvWork, m, this.b, step, true);
  }

  /** target (+)= alpha · Σ_e δzc_e · col_e^T: (maps, P) · (P, ckk) -> (maps, ckk). */
  #filterGradient(
    k: Kernels,
    w: ConvWork,
    m: number,
    target: Float32Array,
    alpha: number,
    accumulate: boolean,
  ): void {
    const maps = this.options.maps;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    for (let e = 0; e < m; e++) {
      k.gemm_nt(
        target.byteOffset,
        w.dzc.byteOffset + e * maps * P * 4,
        w.col.byteOffset + e * ckk * P * 4,
        maps,
        ckk,
        P,
        P,
        P,
        ckk,
        alpha,
        accumulate || e > 0 ? 1 : 0,
      );
    }
  }

  #biasGradient(
    w: ConvWork,
    m: number,
    target: Float32Array,
    alpha: number,
    accumulate: boolean,
  ): void {
    const maps = this.options.maps;
    const per = this.outSize / maps;
    const delta = w.dA;
    for (let f = 0; f < maps; f++) {
      let s = 0;
      for (let e = 0; e < m; e++) {
        const off = e * this.outSize + f * per;
        for (let q = 0; q < per; q++) s += delta[off + q];
      }
      target[f] = (accumulate ? target[f] : 0) + alpha * s;
    }
  }
}

/**
 * One image (C, H, W) at `xOff` to columns (C·k·k, P): row c·k² + dy·k + dx holds the pixels
 * that filter tap (c, dy, dx) meets at each of the P output positions.
 */
export function im2col(
  x: Float32Array,
  xOff: number,
  shape: readonly number[],
  k: number,
  col: Float32Array,
  colOff: number,
): void {
  const [C, H, W] = shape;
  const oh = H - k + 1;
  const ow = W - k + 1;
  const P = oh * ow;
  let r = colOff;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++, r += P) {
        let q = r;
        for (let y = 0; y < oh; y++) {
          const src = plane + (y + dy) * W + dx;
          for (let xx = 0; xx < ow; xx++) col[q++] = x[src + xx];
        }
      }
    }
  }
}

/** The inverse scatter of {@linkcode im2col}: adds each column entry back onto its pixel. */
export function col2im(
  col: Float32Array,
  shape: readonly number[],
  k: number,
  dx: Float32Array,
  dxOff: number,
): void {
  const [C, H, W] = shape;
  const oh = H - k + 1;
  const ow = W - k + 1;
  const P = oh * ow;
  let r = 0;
  for (let c = 0; c < C; c++) {
    const plane = dxOff + c * H * W;
    for (let dy = 0; dy < k; dy++) {
      for (let dxx = 0; dxx < k; dxx++, r += P) {
        let q = r;
        for (let y = 0; y < oh; y++) {
          const dst = plane + (y + dy) * W + dxx;
          for (let xx = 0; xx < ow; xx++) dx[dst + xx] += col[q++];
        }
      }
    }
  }
}

/**
 * Max-pooling of `planes` maps of (h, w), stored one after another, over s×s windows: the
 * largest value of each window (the first in row order on ties) and its index in `src`.
 */
export function maxPool(
  src: Float32Array,
  dst: Float32Array,
  argmax: Int32Array,
  planes: number,
  h: number,
  w: number,
  s: number,
): void {
  const ph = h / s;
  const pw = w / s;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++, o++) {
        let best = -Infinity;
        let at = base + y * s * w + x * s;
        for (let dy = 0; dy < s; dy++) {
          const row = base + (y * s + dy) * w + x * s;
          for (let dx = 0; dx < s; dx++) {
            const v = src[row + dx];
            if (v > best) {
              best = v;
              at = row + dx;
            }
          }
        }
        dst[o] = best;
        argmax[o] = at;
      }
    }
  }
}
