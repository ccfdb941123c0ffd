// A convolutional layer: convolution over all input maps (the input padded by `pad` zeros on
// each side, filters every `stride` positions; network3.py's "valid" convolution is pad 0,
// stride 1), optionally followed by max-pooling, then the per-map bias and the activation.
// That is network3.py's ConvPoolLayer order (pool, then add b, then σ); Saito's Convolution →
// ReLU → Pooling gives the same outputs and the same gradients, because the bias is one per
// map and every activation here is non-decreasing, so max(σ(z + b)) = σ(max(z) + b), and the
// window's δ reaches the same input either way (registry.ts fuses the two only for such
// activations). Pooling first applies the activation to a quarter of the values.
//
// Each image is lowered to columns (im2col), so the convolution is one matrix product:
//   F:(maps, C·k·k) · col:(C·k·k, P) -> zc:(maps, P), P = outH·outW positions.
import type { Activation } from "../../vocabulary/mod.ts";
import type { Kernels, WasmArena } from "../_arena.ts";
import { cutAt } from "./_split.ts";
import {
  applyActivation,
  applyDerivative,
  type Layer,
  type LayerWork,
  type Param,
  type Pass,
  poolBackwardAt,
  positions,
  shapeText,
  sizeOf,
} from "./_layer.ts";

/** What a convolutional layer is. */
export interface ConvOptions {
  /** `[channels, height, width]` of the input. */
  inShape: readonly number[];
  maps: number;
  kernel: number;
  /** Zeros on each side of the input (0: "valid"). */
  pad: number;
  /** Step between filter positions. */
  stride: number;
  /** Pooling window (1 for none). */
  pool: number;
  /** Step between pooling windows (`pool` for non-overlapping ones). */
  poolStride: number;
  activation: Activation;
}

interface ConvWork extends LayerWork {
  /** Per image, its columns (C·k·k, P). */
  col: Float32Array;
  /** The convolution before pooling (maps, P) per image, and its gradient. */
  zc: Float32Array;
  dzc: Float32Array;
  /** The pooled convolution (zc itself without pooling): the activation's input, less b. */
  zp: Float32Array;
  /** One image's column gradient (C·k·k, P), one for each thread of a split. */
  dcol: Float32Array;
  dcol2: Float32Array;
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
  /** Whether the layer pools (a 1×1 window every 1 is none). */
  readonly pools: boolean;

  /** Its arena: the splitter of its work is read from it at each call. */
  readonly #arena: WasmArena;
  // The pass being split (../team.ts): read by the part bodies, which allocate nothing.
  #work: ConvWork | null = null;
  #x: Float32Array | null = null;
  #dX: Float32Array | null = null;
  #m = 0;
  #target: Float32Array | null = null;
  #alpha = 0;
  #accumulate = false;

  constructor(arena: WasmArena, options: ConvOptions) {
    this.#arena = arena;
    const [c, h, w] = options.inShape;
    const { maps, kernel: k, pad, stride, pool, poolStride } = options;
    this.options = options;
    this.convH = positions(h, k, pad, stride);
    this.convW = positions(w, k, pad, stride);
    this.inShape = options.inShape;
    this.pools = pool > 1 || poolStride > 1;
    this.outShape = [
      maps,
      positions(this.convH, pool, 0, poolStride),
      positions(this.convW, pool, 0, poolStride),
    ];
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
    const { maps, kernel, pad, stride, pool, poolStride, activation } = this.options;
    const steps = `${pad ? ` pad ${pad}` : ""}${stride > 1 ? ` stride ${stride}` : ""}`;
    const conv = `conv ${maps}x${kernel}x${kernel}${steps} -> ${maps}x${this.convH}x${this.convW}`;
    const pooled = `pool ${pool}${poolStride !== pool ? ` stride ${poolStride}` : ""}`;
    return `${conv}${
      this.pools ? `, ${pooled} -> ${shapeText(this.outShape)}` : ""
    }, ${activation}`;
  }

  allocate(arena: WasmArena, m: number): ConvWork {
    const P = this.convH * this.convW;
    const maps = this.options.maps;
    const zc = arena.float32(m * maps * P);
    return {
      m,
      col: arena.float32(m * this.ckk * P),
      zc,
      dzc: arena.float32(m * maps * P),
      zp: this.pools ? arena.float32(m * this.outSize) : zc,
      a: arena.float32(m * this.outSize),
      dA: arena.float32(m * this.outSize),
      dcol: arena.float32(this.ckk * P),
      dcol2: arena.float32(this.ckk * P),
    };
  }

  forward(k: Kernels, work: LayerWork, x: Float32Array, m: number, _pass: Pass): void {
    this.#work = work as ConvWork;
    this.#x = x;
    this.#m = m;
    // Images are independent: split between two threads (not tanh: a JavaScript loop).
    if (this.options.activation === "tanh") this.#forwardImages(k, 0, m);
    else this.#arena.splitter.split(m, cutAt(m, 1), this.#forwardImages);
  }

  /** Convolution, pooling and activation of images [from, to). */
  readonly #forwardImages = (k: Kernels, from: number, to: number): void => {
    const w = this.#work!;
    const x = this.#x!;
    const { maps, pool, poolStride, kernel, pad, stride, activation } = this.options;
    const [C, H, W] = this.inShape;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    for (let e = from; e < to; e++) {
      const col = w.col.byteOffset + e * ckk * P * 4;
      k.im2col(x.byteOffset + e * this.inSize * 4, C, H, W, kernel, pad, stride, col);
      // F:(maps, ckk) · col:(ckk, P) -> zc:(maps, P)
      k.gemm_nn(
        w.zc.byteOffset + e * maps * P * 4,
        this.filters.byteOffset,
        col,
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
    const out = this.outSize;
    if (this.pools) {
      k.maxpool(
        w.zc.byteOffset + from * maps * P * 4,
        w.zp.byteOffset + from * out * 4,
        (to - from) * maps,
        this.convH,
        this.convW,
        pool,
        poolStride,
      );
    }
    // a = f(pooled + b), one map (plane) at a time per image.
    const per = out / maps;
    for (let e = from; e < to; e++) {
      const off = e * out * 4;
      const zp = w.zp.byteOffset + off;
      const a = w.a.byteOffset + off;
      if (activation === "sigmoid") k.act_sigmoid(zp, a, maps, per, this.b.byteOffset);
      else if (activation === "relu") k.act_relu(zp, a, maps, per, this.b.byteOffset);
      else {
        this.#whole(from, to); // JavaScript: it would run at record time, on this thread
        const o = e * out;
        applyActivation(
          k,
          activation,
          w.zp.subarray(o, o + out),
          w.a.subarray(o, o + out),
          maps,
          per,
          this.b,
        );
      }
    }
  };

  backward(
    k: Kernels,
    work: LayerWork,
    _x: Float32Array,
    m: number,
    dX: Float32Array | null,
  ): void {
    const w = work as ConvWork;
    if (dX) dX.fill(0, 0, m * this.inSize);
    this.#work = w;
    this.#dX = dX;
    this.#m = m;
    // Images are independent: split between two threads where every step is a kernel and the
    // derivative's vectors fall on the same values as in one call.
    const kernelsOnly = this.pools && this.options.activation !== "tanh" &&
      this.outSize % 4 === 0;
    if (kernelsOnly) this.#arena.splitter.split(m, cutAt(m, 1), this.#backwardImages);
    else this.#backwardImages(k, 0, m);
  }

  /** δ of images [from, to), and their dX when asked. */
  readonly #backwardImages = (k: Kernels, from: number, to: number): void => {
    const w = this.#work!;
    const dX = this.#dX;
    const { maps, pool, poolStride, kernel, pad, stride } = this.options;
    const [C, H, W] = this.inShape;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    const out = this.outSize;
    const off = from * out * 4;
    const n = (to - from) * out;
    const f = this.options.activation;
    if (f === "sigmoid") k.back_sigmoid(w.a.byteOffset + off, w.dA.byteOffset + off, n);
    else if (f === "relu") k.back_relu(w.a.byteOffset + off, w.dA.byteOffset + off, n);
    else {
      this.#whole(from, to); // tanh's JavaScript loop: never split
      applyDerivative(k, f, w.a, w.dA, n);
    }
    // δ of the convolution: each window's δ to the first largest value, zero elsewhere.
    if (this.pools) {
      const planes = from * maps * P * 4;
      poolBackwardAt(
        k,
        w.zc.byteOffset + planes,
        w.zp.byteOffset + off,
        w.dA.byteOffset + off,
        w.dzc.byteOffset + planes,
        (to - from) * maps,
        this.convH,
        this.convW,
        pool,
        poolStride,
      );
    } else {
      this.#whole(from, to); // a JavaScript copy: never split
      const dzc = w.dzc;
      const delta = w.dA;
      for (let i = from * out; i < to * out; i++) dzc[i] = delta[i];
    }
    if (!dX) return;
    const dcol = from === 0 ? w.dcol : w.dcol2;
    for (let e = from; e < to; e++) {
      // F^T:(ckk, maps) · δzc:(maps, P) -> dcol:(ckk, P), then added back onto the image.
      k.gemm_nn(
        dcol.byteOffset,
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
      k.col2im(
        dX.byteOffset + e * this.inSize * 4,
        C,
        H,
        W,
        kernel,
        pad,
        stride,
        dcol.byteOffset,
      );
    }
  };

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
    _k: Kernels,
    w: ConvWork,
    m: number,
    target: Float32Array,
    alpha: number,
    accumulate: boolean,
  ): void {
    this.#work = w;
    this.#m = m;
    this.#target = target;
    this.#alpha = alpha;
    this.#accumulate = accumulate;
    // Filters (rows of the sum) are independent: split between two threads.
    const maps = this.options.maps;
    this.#arena.splitter.split(maps, cutAt(maps, 2), this.#filterRows);
  }

  /** JavaScript in a part body would run when the part is recorded, not on the helper. */
  #whole(from: number, to: number): void {
    if (from !== 0 || to !== this.#m) {
      throw new Error(`conv layer: JavaScript work in a split part [${from}, ${to})`);
    }
  }

  /** Rows [from, to) of the filter gradient, summed over the images in order. */
  readonly #filterRows = (k: Kernels, from: number, to: number): void => {
    const w = this.#work!;
    const maps = this.options.maps;
    const P = this.convH * this.convW;
    const ckk = this.ckk;
    const target = this.#target!;
    for (let e = 0; e < this.#m; e++) {
      k.gemm_nt(
        target.byteOffset + from * ckk * 4,
        w.dzc.byteOffset + (e * maps + from) * P * 4,
        w.col.byteOffset + e * ckk * P * 4,
        to - from,
        ckk,
        P,
        P,
        P,
        ckk,
        this.#alpha,
        this.#accumulate || e > 0 ? 1 : 0,
      );
    }
  };

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
