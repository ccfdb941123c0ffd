// A fully connected layer: z = w·x + b, optionally batch-normalised (Saito ch. 6: after the
// affine step, before the activation), then the activation (hidden) or the output function
// (sigmoid or softmax, by the cost). Dropout here drops the layer's *inputs* with probability
// p, as network3.py's p_dropout does; a setting's `dropout` puts it on every layer after the
// first, which drops each hidden neuron. Scaling is the books' (not inverted): a kept input
// passes unchanged in training, and evaluation multiplies w·x by (1 - p). The output layer may
// also drop its weighted inputs z (`logitDropout`) before softmax or sigmoid, as Saito's
// DeepConvNet puts a Dropout after its last Affine; evaluation multiplies z by (1 - p).
//
// Weights are stored transposed, wT:(in,out) row-major, so that a row of wT is one input's
// outgoing weights: the sparse input kernel reads whole rows, and every GEMM reads rows.
import { MAX_CODES } from "../../data/mod.ts";
import { softmaxRows } from "../functions.ts";
import type { Activation, Cost } from "../../vocabulary/mod.ts";
import type { Kernels, WasmArena } from "../_arena.ts";
import { batchNormBackward, batchNormForward } from "./_batch_norm.ts";
import { dropValues } from "./_dropout.ts";
import { type InputRows, listPixels, type PixelLists } from "./_input_rows.ts";
import { splitGemmNN, splitGemmNT } from "./_split.ts";
import {
  applyActivation,
  applyDerivative,
  type Layer,
  type LayerWork,
  type Param,
  type Pass,
  sumRows,
} from "./_layer.ts";

/** What a dense layer is. */
export interface DenseOptions {
  inSize: number;
  outSize: number;
  /** The hidden activation, or null for the output layer (whose function follows `cost`). */
  activation: Activation | null;
  cost: Cost;
  batchNorm: boolean;
  /** Probability of dropping each input during training; 0 for none. */
  dropout: number;
  /** Probability of dropping each weighted input z during training (the output layer's
   * logits, before its function); 0 for none. */
  logitDropout: number;
  /** Inputs are the dataset's pixels, listed per example (zero pixels skipped). */
  sparseInput: boolean;
  /** Shape of the input, for summaries (`[n]` or the maps it flattens). */
  inShape?: readonly number[];
}

export type { InputRows } from "./_input_rows.ts";

interface DenseWork extends LayerWork {
  z: Float32Array;
  /** Batch norm: the normalised z and γ·x̂ + β; the batch's standard deviations. */
  xhat: Float32Array | null;
  y: Float32Array | null;
  std: Float32Array | null;
  dGamma: Float32Array | null;
  dBeta: Float32Array | null;
  /** Dropout: the kept inputs (x ⊙ mask) and the mask, (m, in). */
  xDrop: Float32Array | null;
  mask: Float32Array | null;
  /** Sparse input: the batch's pixel lists. */
  lists: PixelLists | null;
  /** The split's table of values in the kernels' memory, when the lists carry codes. */
  table: Float32Array | null;
  /** The table last copied there (a split's, by identity). */
  tableOf: Float32Array | null;
  /** Do the lists carry codes (else values)? */
  coded: boolean;
  /** Was the last forward a training pass (dropout masks in use)? */
  dropped: boolean;
  /** Logit dropout: the mask of z, (m, out), and whether the last forward drew it. */
  zMask: Float32Array | null;
  zDropped: boolean;
}

/** A fully connected layer. */
export class DenseLayer implements Layer {
  readonly type = "dense" as const;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly inSize: number;
  readonly outSize: number;
  readonly params: Param[];
  readonly state: Float32Array[];
  readonly fanIn: number;
  readonly fanOut: number;
  readonly options: DenseOptions;
  /** wT:(in,out) and b:(out). */
  readonly wT: Float32Array;
  readonly b: Float32Array;
  readonly gamma: Float32Array | null;
  readonly beta: Float32Array | null;
  readonly runMean: Float32Array | null;
  readonly runVar: Float32Array | null;

  /** Its arena: the splitter of its GEMMs is read from it at each call. */
  readonly #arena: WasmArena;

  constructor(arena: WasmArena, options: DenseOptions) {
    const { inSize, outSize } = options;
    this.#arena = arena;
    this.options = options;
    this.inShape = options.inShape ?? [inSize];
    this.outShape = [outSize];
    this.inSize = inSize;
    this.outSize = outSize;
    this.fanIn = inSize;
    this.fanOut = outSize;
    this.wT = arena.float32(inSize * outSize);
    this.b = arena.float32(outSize);
    this.params = [
      { name: "w", data: this.wT, grad: arena.float32(inSize * outSize), regularize: true },
      { name: "b", data: this.b, grad: arena.float32(outSize), regularize: false },
    ];
    if (options.batchNorm) {
      this.gamma = arena.float32(outSize).fill(1);
      this.beta = arena.float32(outSize);
      this.runMean = new Float32Array(outSize);
      this.runVar = new Float32Array(outSize);
      this.params.push(
        { name: "gamma", data: this.gamma, grad: arena.float32(outSize), regularize: false },
        { name: "beta", data: this.beta, grad: arena.float32(outSize), regularize: false },
      );
      this.state = [this.runMean, this.runVar];
    } else {
      this.gamma =
        this.beta =
        this.runMean =
        this.runVar =
          null;
      this.state = [];
    }
  }

  describe(): string {
    const o = this.options;
    const f = o.activation ?? (o.cost === "log-likelihood" ? "softmax" : "sigmoid");
    return [
      `dense ${this.inSize} -> ${this.outSize}`,
      o.batchNorm ? "batch norm" : "",
      f,
      o.dropout > 0 ? `dropout ${o.dropout} on inputs` : "",
      o.logitDropout > 0 ? `dropout ${o.logitDropout} on z before ${f}` : "",
    ].filter(Boolean).join(", ");
  }

  allocate(arena: WasmArena, m: number): DenseWork {
    const { inSize, outSize, batchNorm, dropout, logitDropout, sparseInput } = this.options;
    const n = m * outSize;
    return {
      m,
      z: arena.float32(n),
      a: arena.float32(n),
      dA: arena.float32(n),
      xhat: batchNorm ? arena.float32(n) : null,
      y: batchNorm ? arena.float32(n) : null,
      std: batchNorm ? new Float32Array(outSize) : null,
      dGamma: batchNorm ? new Float32Array(outSize) : null,
      dBeta: batchNorm ? new Float32Array(outSize) : null,
      xDrop: dropout > 0 ? arena.float32(m * inSize) : null,
      mask: dropout > 0 ? arena.float32(m * inSize) : null,
      // Filled per example up to its count before any read: scratch, not zeroed on reuse.
      lists: sparseInput
        ? {
          index: arena.scratch16(m * inSize),
          value: arena.scratch32(m * inSize),
          code: arena.scratch8(m * inSize),
          count: new Int32Array(m),
          start: new Int32Array(m),
        }
        : null,
      table: sparseInput ? arena.scratch32(MAX_CODES) : null,
      tableOf: null,
      coded: false,
      dropped: false,
      zMask: logitDropout > 0 ? arena.float32(n) : null,
      zDropped: false,
    };
  }

  /** Lists each example's input pixels for the sparse kernel (the non-zero ones, or all). */
  gather(work: LayerWork, input: InputRows, m: number): void {
    const w = work as DenseWork;
    const table = listPixels(input, m, this.inSize, w.lists!);
    w.coded = table !== null;
    if (table && table !== w.tableOf) {
      w.table!.set(table);
      w.tableOf = table;
    }
  }

  forward(k: Kernels, work: LayerWork, x: Float32Array, m: number, pass: Pass): void {
    const w = work as DenseWork;
    const { inSize, outSize, dropout, batchNorm } = this.options;
    const z = w.z;
    k.fill_rows(z.byteOffset, this.b.byteOffset, m, outSize); // z starts at b
    if (this.options.sparseInput) {
      // w:(out,in) · x:(in) -> z:(out), one example at a time over its listed pixels.
      const { index, value, code, count, start } = w.lists!;
      const table = w.table!.byteOffset;
      for (let e = 0; e < m; e++) {
        const zp = z.byteOffset + e * outSize * 4;
        const idx = index.byteOffset + start[e] * 2;
        if (w.coded) {
          k.sparse_forward_coded(
            zp,
            this.wT.byteOffset,
            outSize,
            idx,
            code.byteOffset + start[e],
            table,
            count[e],
          );
        } else {
          k.sparse_forward(
            zp,
            this.wT.byteOffset,
            outSize,
            idx,
            value.byteOffset + start[e] * 4,
            count[e],
          );
        }
      }
    } else {
      let input = x;
      let alpha = 1;
      w.dropped = false;
      if (dropout > 0) {
        if (pass.mode === "train") {
          dropValues(x, w.xDrop!, w.mask!, m * inSize, dropout, pass);
          input = w.xDrop!;
          w.dropped = true;
        } else alpha = 1 - dropout;
      }
      // x:(m,in) · wT:(in,out) -> z:(m,out), added to the biases already there.
      splitGemmNN(
        this.#arena.splitter,
        "cols",
        z.byteOffset,
        input.byteOffset,
        this.wT.byteOffset,
        m,
        outSize,
        inSize,
        inSize,
        1,
        outSize,
        outSize,
        alpha,
        1,
      );
    }
    let pre = z;
    if (batchNorm) {
      this.#normalize(w, m, pass);
      pre = w.y!;
    }
    const n = m * outSize;
    const q = this.options.logitDropout;
    w.zDropped = false;
    if (q > 0) {
      if (pass.mode === "train") {
        dropValues(pre, pre, w.zMask!, n, q, pass);
        w.zDropped = true;
      } else k.scale(pre.byteOffset, n, 1 - q);
    }
    const f = this.options.activation;
    if (f) applyActivation(k, f, pre, w.a, 1, n, null);
    else if (this.options.cost === "log-likelihood") softmaxRows(pre, w.a, m, outSize);
    else applyActivation(k, "sigmoid", pre, w.a, 1, n, null);
  }

  #normalize(w: DenseWork, m: number, pass: Pass): void {
    batchNormForward(
      { z: w.z, xhat: w.xhat!, y: w.y!, std: w.std! },
      { gamma: this.gamma!, beta: this.beta!, runMean: this.runMean!, runVar: this.runVar! },
      this.outSize,
      m,
      pass.mode,
    );
  }

  backward(
    k: Kernels,
    work: LayerWork,
    _x: Float32Array,
    m: number,
    dX: Float32Array | null,
  ): void {
    const w = work as DenseWork;
    const { inSize, outSize } = this;
    const delta = w.dA;
    const n = m * outSize;
    const f = this.options.activation;
    if (f) applyDerivative(k, f, w.a, delta, n);
    const q = this.options.logitDropout;
    if (w.zDropped) {
      const zMask = w.zMask!;
      for (let i = 0; i < n; i++) delta[i] *= zMask[i];
    } else if (q > 0) k.scale(delta.byteOffset, n, 1 - q); // z was scaled by 1 - q
    if (this.options.batchNorm) this.#normBackward(w, m);
    // An evaluation or probe pass multiplied w·x by 1 - p: so are both gradients through it.
    const keep = this.options.dropout > 0 && !w.dropped ? 1 - this.options.dropout : 1;
    if (dX) {
      // (w^T δ): δ:(m,out) · w:(out,in) -> dX:(m,in); wT's rows are w's columns.
      splitGemmNT(
        this.#arena.splitter,
        "cols",
        dX.byteOffset,
        delta.byteOffset,
        this.wT.byteOffset,
        m,
        inSize,
        outSize,
        outSize,
        outSize,
        inSize,
        keep,
        0,
      );
      if (w.dropped) {
        const mask = w.mask!;
        for (let i = 0, len = m * inSize; i < len; i++) dX[i] *= mask[i];
      }
    }
  }

  #normBackward(w: DenseWork, m: number): void {
    batchNormBackward(w.dA, w.xhat!, w.std!, this.gamma!, w.dGamma!, w.dBeta!, this.outSize, m);
  }

  gradients(k: Kernels, work: LayerWork, x: Float32Array, m: number, alpha: number): void {
    const w = work as DenseWork;
    const [pw, pb] = this.params;
    if (this.options.sparseInput) pw.grad.fill(0); // the sparse kernel only adds to its rows
    this.#weightGradient(k, w, x, m, pw.grad, alpha, false);
    sumRows(w.dA, m, this.outSize, pb.grad, alpha);
    if (this.options.batchNorm) {
      const [, , pg, pbeta] = this.params;
      for (let j = 0; j < this.outSize; j++) {
        pg.grad[j] = alpha * w.dGamma![j];
        pbeta.grad[j] = alpha * w.dBeta![j];
      }
    }
  }

  sgdStep(k: Kernels, work: LayerWork, x: Float32Array, m: number, step: number): void {
    const w = work as DenseWork;
    const n = this.outSize;
    this.#weightGradient(k, w, x, m, this.wT, step, true);
    k.add_rows(this.b.byteOffset, w.dA.byteOffset, m, n, step); // b += step·Σ_e δ_e (BP3)
    if (this.options.batchNorm) {
      for (let j = 0; j < n; j++) {
        this.gamma![j] += step * w.dGamma![j];
        this.beta![j] += step * w.dBeta![j];
      }
    }
  }

  /**
   * target (+)= alpha · Σ_e x_e δ_e^T (BP4): added into the weights themselves (plain SGD), or
   * written into a gradient buffer.
   */
  #weightGradient(
    k: Kernels,
    w: DenseWork,
    x: Float32Array,
    m: number,
    target: Float32Array,
    alpha: number,
    accumulate: boolean,
  ): void {
    const { inSize, outSize } = this;
    const delta = w.dA;
    if (this.options.sparseInput) {
      // Only the listed pixels' rows have a non-zero gradient.
      const { index, value, code, count, start } = w.lists!;
      const table = w.table!.byteOffset;
      for (let e = 0; e < m; e++) {
        const idx = index.byteOffset + start[e] * 2;
        const d = delta.byteOffset + e * outSize * 4;
        if (w.coded) {
          const c = code.byteOffset + start[e];
          k.sparse_update_coded(target.byteOffset, outSize, idx, c, table, count[e], d, alpha);
        } else {
          const v = value.byteOffset + start[e] * 4;
          k.sparse_update(target.byteOffset, outSize, idx, v, count[e], d, alpha);
        }
      }
      return;
    }
    const input = w.dropped ? w.xDrop! : x;
    const keep = this.options.dropout > 0 && !w.dropped ? 1 - this.options.dropout : 1;
    // x^T:(in,m) · δ:(m,out) -> (in,out), x read column-wise (stride in).
    splitGemmNN(
      this.#arena.splitter,
      "rows",
      target.byteOffset,
      input.byteOffset,
      delta.byteOffset,
      inSize,
      outSize,
      m,
      1,
      inSize,
      outSize,
      outSize,
      alpha * keep,
      accumulate ? 1 : 0,
    );
  }
}
