// The batch machinery behind a Network: its layers in one WebAssembly arena, a workspace per
// batch size (made once, reused for every batch), and the passes over a mini-batch:
// feedforward, backprop of the output error, and the parameter update or gradients.
import { type Cost, MAX_BATCH } from "../vocabulary/mod.ts";
import { outputDelta } from "./functions.ts";
import { type Kernels, WasmArena } from "./_arena.ts";
import type { Layer, LayerWork, Param, Pass } from "./layers/_layer.ts";
import { DenseLayer, type InputRows } from "./layers/dense.ts";
import { evalBatchFor, memoryBytes, type PlannedLayer } from "./layers/registry.ts";
import { MIN_MACS } from "./layers/_split.ts";
import { KernelTeam } from "./team.ts";
import type { SparseRows } from "../data/mod.ts";

/** Buffers for mini-batches of up to `m` examples. */
export interface Workspace {
  /** The largest batch it holds. */
  m: number;
  /** The dataset rows of the current batch. */
  rows: Uint32Array;
  /** The batch's input rows, gathered for a first layer that is not a sparse dense layer. */
  input: Float32Array;
  /** Each layer's buffers. */
  works: LayerWork[];
}

/** Where a batch's inputs come from. */
export interface Source {
  /** The split's images, row-major. */
  images: Float32Array;
  /** The split's non-zero pixels, if found. */
  sparse?: SparseRows;
  /** List every pixel (the `dense` input kernel) instead of the non-zero ones. */
  all: boolean;
}

/** A network's layers and passes. */
export class Engine {
  /** The network's WebAssembly memory. */
  readonly arena: WasmArena;
  /** The kernels over it. */
  readonly kernels: Kernels;
  /** The layers, input side first. */
  readonly layers: Layer[];
  /** Every layer's learnable arrays, in order. */
  readonly params: Param[];
  /** Values per input. */
  readonly inputSize: number;
  /** Outputs of the last layer. */
  readonly classes: number;
  /** The cost, which fixes the output layer's function and δ^L. */
  readonly cost: Cost;
  /** The batch used to evaluate whole splits. */
  readonly evalBatch: number;
  /** Splits the layers' kernel work with a helper thread, when one joins (team.ts). */
  readonly team: KernelTeam;
  /** Some layer has work a helper could share: a conv layer, or a dense product of at least
   * 60,000 multiply-adds at mini-batch 10 (the smaller ones, and sparse input, stay whole). */
  readonly splitsWork: boolean;
  /** The first layer is dense and reads listed pixels. */
  readonly sparseFirst: boolean;
  #workspaces = new Map<number, Workspace>();
  /** needDX[l]: some layer below l has parameters, so backprop continues below l. */
  readonly #needDX: boolean[];

  /** Builds the layers of `plan` in a new (or recycled) arena. */
  constructor(plan: readonly PlannedLayer[], cost: Cost) {
    this.evalBatch = evalBatchFor(plan);
    // Address space for training batches up to MAX_BATCH; memory is committed only as used.
    this.arena = new WasmArena(
      Math.min(2 ** 32 - 65536, memoryBytes(plan, MAX_BATCH, this.evalBatch)),
    );
    this.kernels = this.arena.kernels;
    this.team = new KernelTeam(this.arena);
    this.arena.splitter = this.team;
    this.layers = plan.map((p) => p.build(this.arena));
    this.params = this.layers.flatMap((l) => l.params);
    this.inputSize = this.layers[0].inSize;
    this.classes = this.layers[this.layers.length - 1].outSize;
    this.cost = cost;
    const first = this.layers[0];
    this.sparseFirst = first instanceof DenseLayer && first.options.sparseInput;
    this.splitsWork = this.layers.some((l) =>
      l.type === "conv" ||
      (l instanceof DenseLayer && !l.options.sparseInput && 10 * l.inSize * l.outSize >= MIN_MACS)
    );
    let below = false;
    this.#needDX = this.layers.map((l) => {
      const need = below;
      if (l.params.length > 0) below = true;
      return need;
    });
  }

  #state: Float32Array[][] = [];

  /**
   * `slots` zeroed state arrays per parameter in the kernels' memory, for an optimiser whose
   * step is a kernel: made once per network (at most two slots, which its memory budget
   * holds), zeroed for each new optimiser.
   */
  optimizerState(slots: 1 | 2): Float32Array[][] {
    while (this.#state.length < slots) {
      this.#state.push(this.params.map((p) => this.arena.float32(p.data.length)));
    }
    const out = this.#state.slice(0, slots);
    for (const arrays of out) for (const a of arrays) a.fill(0);
    return out;
  }

  /** The workspace for batches of `m` (made once per size). */
  workspace(m: number): Workspace {
    let ws = this.#workspaces.get(m);
    if (!ws) {
      ws = {
        m,
        rows: new Uint32Array(m),
        // Gathered from the dataset before every forward pass: scratch.
        input: this.sparseFirst ? new Float32Array(0) : this.arena.scratch32(m * this.inputSize),
        works: this.layers.map((l) => l.allocate(this.arena, m)),
      };
      this.#workspaces.set(m, ws);
    }
    return ws;
  }

  /** Feedforward of `ws.rows[0..m)` of `source` (Nielsen eq. 25 layer by layer). */
  forward(ws: Workspace, source: Source, m: number, pass: Pass): void {
    const k = this.kernels;
    const n = this.inputSize;
    let x = ws.input;
    if (this.sparseFirst) {
      const rows: InputRows = {
        images: source.images,
        rows: ws.rows,
        sparse: source.sparse,
        all: source.all,
      };
      (this.layers[0] as DenseLayer).gather(ws.works[0], rows, m);
    } else {
      const images = source.images;
      const input = ws.input;
      for (let e = 0; e < m; e++) {
        const from = ws.rows[e] * n;
        const to = e * n;
        for (let i = 0; i < n; i++) input[to + i] = images[from + i];
      }
    }
    for (let l = 0; l < this.layers.length; l++) {
      this.layers[l].forward(k, ws.works[l], x, m, pass);
      x = ws.works[l].a;
    }
  }

  /** The last layer's outputs, (m, classes). */
  output(ws: Workspace): Float32Array {
    return ws.works[ws.works.length - 1].a;
  }

  /** Backprop after {@linkcode forward}: δ^L from the cost (BP1), then every layer's δ (BP2). */
  backward(ws: Workspace, labels: Uint8Array, m: number): void {
    const L = this.layers.length;
    const top = ws.works[L - 1];
    outputDelta(this.cost, top.a, top.dA, labels, ws.rows, m, this.classes);
    for (let l = L - 1; l >= 0; l--) {
      const x = l === 0 ? ws.input : ws.works[l - 1].a;
      const dX = this.#needDX[l] ? ws.works[l - 1].dA : null;
      this.layers[l].backward(this.kernels, ws.works[l], x, m, dX);
    }
  }

  /** Every parameter's gradient, averaged over the batch, into its `grad` buffer (BP3, BP4). */
  gradients(ws: Workspace, m: number): void {
    for (let l = 0; l < this.layers.length; l++) {
      const x = l === 0 ? ws.input : ws.works[l - 1].a;
      this.layers[l].gradients(this.kernels, ws.works[l], x, m, 1 / m);
    }
  }

  /** Plain SGD fused into backprop: every parameter += step · Σ over the batch of its gradient. */
  sgdStep(ws: Workspace, m: number, step: number): void {
    for (let l = 0; l < this.layers.length; l++) {
      const x = l === 0 ? ws.input : ws.works[l - 1].a;
      this.layers[l].sgdStep(this.kernels, ws.works[l], x, m, step);
    }
  }

  /** The δ (bias gradient per example) of layer `l` after backward, (m, outSize). */
  delta(ws: Workspace, l: number): Float32Array {
    return ws.works[l].dA;
  }
}
