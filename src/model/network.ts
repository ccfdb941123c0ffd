/**
 * The Network of both books: Nielsen's network.py, network2.py and network3.py, and Saito's
 * TwoLayerNet, MultiLayerNetExtend and SimpleConvNet. Fully connected (`sizes`) or layered
 * (`layers`: convolutions, pooling, dense layers), with `feedforward`, `backprop`, `evaluate`,
 * `totalCost`, and saving to (and loading from) network2.py's JSON or netsweep's superset of
 * it.
 *
 * @module
 */
import { NetsweepError, type Rng } from "../core/mod.ts";
import type { Split } from "../data/mod.ts";
import { exampleCost } from "./functions.ts";
import {
  type Activation,
  ACTIVATIONS,
  type Cost,
  COSTS,
  type Init,
  type LayerSpec,
} from "../vocabulary/mod.ts";
import { initializeLayers } from "./init.ts";
import { Engine } from "./engine.ts";
import { DenseLayer } from "./layers/dense.ts";
import type { ConvLayer } from "./layers/conv.ts";
import { sizeOf } from "./layers/_layer.ts";
import {
  denseLayers,
  LayerShapeError,
  type NetworkSpec,
  type PlannedLayer,
  planNetwork,
} from "./layers/registry.ts";

/** What a Network is made of. Give `sizes` for a fully connected network, or `layers`. */
export interface NetworkOptions {
  /** Neurons per layer, input first, e.g. `[784, 30, 10]`. */
  sizes?: readonly number[];
  /** Layers after the input (the last one is the output layer); with `inputShape`. */
  layers?: readonly LayerSpec[];
  /** Shape of one input, e.g. `[1, 28, 28]`; default `[sizes[0]]`. */
  inputShape?: readonly number[];
  /** Hidden activation; default `sigmoid`. */
  activation?: Activation;
  /** Cost (and so the output layer); default `quadratic`. */
  cost?: Cost;
  /** Batch normalisation after each hidden fully connected layer's affine step. */
  batchNorm?: boolean;
  /** Probability of dropping each hidden neuron in training; default 0. */
  dropout?: number;
}

/** Regularisation terms of a cost (see {@linkcode Network.totalCost}). */
export interface Regularization {
  /** network2.py's L2: + 0.5·(lmbda/n)·Σw², n the size of the split evaluated. */
  lmbda?: number;
  /** L1 (Nielsen eq. 95): + (l1/n)·Σ|w|. */
  l1?: number;
  /** Saito's weight decay: + 0.5·weightDecay·Σw², whatever n. */
  weightDecay?: number;
}

/** The JSON that network2.py's `save()` writes, and netsweep's additions for other networks. */
export interface NetworkJson {
  /** Neurons per layer (fully connected networks). */
  sizes?: number[];
  /** Per dense layer (out, in); per conv layer (maps, channels·k·k). */
  weights: number[][][];
  /** Per layer, (out, 1) as network2.py writes them (flat (out) is accepted too). */
  biases: number[][][] | number[][];
  /** `QuadraticCost`, `CrossEntropyCost` or `LogLikelihoodCost`. */
  cost: string;
  /** Hidden activation (network2.py has none: sigmoid). */
  activation?: Activation;
  /** netsweep: the layer list and input shape of a layered network. */
  layers?: LayerSpec[];
  /** netsweep: the input shape of a layered network. */
  inputShape?: number[];
  /** netsweep: batch norm and dropout settings, and per dense layer γ, β, running mean and variance. */
  batchNorm?: boolean;
  /** netsweep: the dropout probability of hidden neurons. */
  dropout?: number;
  /** netsweep: per batch-normalised layer, γ, β, running mean and running variance. */
  norms?: { gamma: number[]; beta: number[]; mean: number[]; variance: number[] }[];
}

const COST_CLASS: Record<Cost, string> = {
  "quadratic": "QuadraticCost",
  "cross-entropy": "CrossEntropyCost",
  "log-likelihood": "LogLikelihoodCost",
};

/** The resolved description a Network is built from; throws RangeError on a bad one. */
export function networkSpec(options: NetworkOptions): NetworkSpec {
  const activation = options.activation ?? "sigmoid";
  const cost = options.cost ?? "quadratic";
  if (!ACTIVATIONS.includes(activation)) throw new RangeError(`unknown activation '${activation}'`);
  if (!COSTS.includes(cost)) throw new RangeError(`unknown cost '${cost}'`);
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) {
    throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
  }
  let layers: readonly LayerSpec[];
  let inputShape: readonly number[];
  if (options.sizes !== undefined) {
    const sizes = options.sizes;
    if (
      !Array.isArray(sizes) || sizes.length < 2 ||
      !sizes.every((n) => Number.isInteger(n) && n >= 1)
    ) {
      throw new RangeError(
        `sizes must be two or more positive integers, got ${JSON.stringify(sizes)}`,
      );
    }
    if (sizes[0] > 65535) throw new RangeError(`at most 65535 inputs, got ${sizes[0]}`);
    layers = denseLayers(sizes);
    inputShape = options.inputShape ?? [sizes[0]];
    if (sizeOf(inputShape) !== sizes[0]) {
      throw new RangeError(
        `sizes[0] is ${sizes[0]} but the input shape ${JSON.stringify(inputShape)} holds ${
          sizeOf(inputShape)
        }`,
      );
    }
  } else if (options.layers !== undefined) {
    layers = options.layers;
    if (!options.inputShape) throw new RangeError("a network of layers needs its inputShape");
    inputShape = options.inputShape;
  } else throw new RangeError("a network needs sizes or layers");
  return { inputShape, layers, activation, cost, batchNorm: options.batchNorm ?? false, dropout };
}

/**
 * A neural network of fully connected, convolutional and pooling layers.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { Network } from "./network.ts";
 * import { Rng } from "../core/prng.ts";
 * const net = new Network({ sizes: [2, 3, 1] }).initialize(new Rng(1), "large");
 * const out = net.feedforward(new Float32Array([0.5, -1]));
 * assert(out.length === 1 && out[0] > 0 && out[0] < 1);
 * ```
 */
export class Network {
  /** Neurons per layer for a fully connected network, else null. */
  readonly sizes: number[] | null;
  /** The layer list (a fully connected network's is one dense layer per size after the first). */
  readonly layers: readonly LayerSpec[];
  /** Shape of one input (`[784]`, or `[1, 28, 28]` for convolutions). */
  readonly inputShape: readonly number[];
  /** Hidden (and convolutional) activation. */
  readonly activation: Activation;
  /** The cost, which fixes the output layer. */
  readonly cost: Cost;
  /** Batch normalisation after each hidden fully connected layer. */
  readonly batchNorm: boolean;
  /** Probability of dropping each hidden neuron in training. */
  readonly dropout: number;
  /**
   * The network's machinery: its layers in one WebAssembly memory, the kernels, and the
   * passes over a mini-batch (feedforward, backprop, gradients) that the training loop drives.
   */
  readonly engine: Engine;

  /** A network as `options` describes it, its parameters zero until {@linkcode initialize}. */
  constructor(options: NetworkOptions) {
    const spec = networkSpec(options);
    let plan: PlannedLayer[];
    try {
      plan = planNetwork(spec);
    } catch (err) {
      if (err instanceof LayerShapeError) throw new RangeError(err.message);
      throw err;
    }
    this.sizes = options.sizes ? [...options.sizes] : null;
    this.layers = spec.layers;
    this.inputShape = spec.inputShape;
    this.activation = spec.activation;
    this.cost = spec.cost;
    this.batchNorm = spec.batchNorm;
    this.dropout = spec.dropout;
    this.engine = new Engine(plan, spec.cost);
  }

  /** Learnable values in all. */
  get parameterCount(): number {
    return this.engine.params.reduce((s, p) => s + p.data.length, 0);
  }

  /** One line per layer: kind, shapes, function and parameters. */
  summary(): string[] {
    return this.engine.layers.map((l) => {
      const n = l.params.reduce((s, p) => s + p.data.length, 0);
      return `${l.describe()}${n ? ` (${n.toLocaleString("en-US")} parameters)` : ""}`;
    });
  }

  /**
   * In a Jupyter notebook, a network shows as a table of its layers (Deno's display protocol;
   * nothing here needs the kernel).
   */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
    const rows = this.summary().map((l, i) => `<tr><td>${i + 1}</td><td>${esc(l)}</td></tr>`);
    const head = `Network: ${this.parameterCount.toLocaleString("en-US")} parameters, ${
      esc(this.cost)
    } cost`;
    return {
      "text/html": `<b>${head}</b><table><tr><th>layer</th><th></th></tr>${rows.join("")}</table>`,
      "text/plain": [head, ...this.summary().map((l) => `  ${l}`)].join("\n"),
    };
  }

  /**
   * Draws the parameters from `rng`: all biases, then all weights, layer by layer, row-major

   * (out, in), as network.py does. `initStd` is the standard deviation of `scaled`.
   */
  initialize(rng: Rng, init: Init, initStd = 0.01): this {
    initializeLayers(this.engine.layers, rng, init, initStd);
    return this;
  }

  /** The output for one input vector (allocates; use {@linkcode evaluate} for whole splits). */
  feedforward(x: Float32Array): Float32Array {
    const e = this.engine;
    const ws = this.#forwardOne(x);
    return e.output(ws).slice(0, e.classes);
  }

  #forwardOne(x: Float32Array, mode: "eval" | "probe" = "eval") {
    const e = this.engine;
    if (x.length !== e.inputSize) {
      throw new RangeError(`input has ${x.length} values, the network takes ${e.inputSize}`);
    }
    const ws = e.workspace(1);
    ws.rows[0] = 0;
    e.forward(ws, { images: x, all: false }, 1, { mode, rng: NO_RNG });
    return ws;
  }

  /**
   * The gradient of the cost of one example (input `x`, class `label`) with respect to every
   * parameter, as network.py's `backprop` returns it for a fully connected network:
   * `nablaB[l]` (out) and `nablaW[l]` (out, in) row-major; for a conv layer, (maps,
   * channels·k·k). Layers without parameters are skipped. Batch norm uses the statistics of
   * this one example.
   */
  backprop(x: Float32Array, label: number): { nablaB: Float32Array[]; nablaW: Float32Array[] } {
    const e = this.engine;
    const ws = this.#forwardOne(x, this.batchNorm ? "probe" : "eval");
    e.backward(ws, Uint8Array.of(label), 1);
    e.gradients(ws, 1);
    const nablaB: Float32Array[] = [];
    const nablaW: Float32Array[] = [];
    for (const layer of e.layers) {
      const w = layer.params.find((p) => p.name === "w");
      const b = layer.params.find((p) => p.name === "b");
      if (!w || !b) continue;
      nablaB.push(b.grad.slice());
      nablaW.push(
        layer instanceof DenseLayer
          ? transpose(w.grad, layer.inSize, layer.outSize)
          : w.grad.slice(),
      );
    }
    return { nablaB, nablaW };
  }

  /** Runs `fn` over the outputs of every example of `split`, in batches. */
  #forEachOutput(split: Split, fn: (out: Float32Array, off: number, label: number) => void): void {
    const e = this.engine;
    const batch = e.evalBatch;
    const ws = e.workspace(batch);
    const n = e.classes;
    const out = e.output(ws);
    const source = { images: split.images, sparse: split.sparse, all: false };
    for (let start = 0; start < split.count; start += batch) {
      const m = Math.min(batch, split.count - start);
      for (let i = 0; i < m; i++) ws.rows[i] = start + i;
      e.forward(ws, source, m, EVAL_PASS);
      for (let i = 0; i < m; i++) fn(out, i * n, split.labels[start + i]);
    }
  }

  /** The number of examples whose largest output is their label (network.py's `evaluate`). */
  evaluate(split: Split): number {
    const n = this.engine.classes;
    let correct = 0;
    this.#forEachOutput(split, (out, off, label) => {
      let best = 0;
      for (let j = 1; j < n; j++) if (out[off + j] > out[off + best]) best = j;
      if (best === label) correct++;
    });
    return correct;
  }

  /**
   * network2.py's `total_cost`: the mean cost over `split` plus the regularisation terms, with
   * n the size of `split` (see {@linkcode Regularization}).
   */
  totalCost(split: Split, reg: Regularization = {}): number {
    const n = this.engine.classes;
    let cost = 0;
    this.#forEachOutput(split, (out, off, label) => {
      cost += exampleCost(this.cost, out, off, n, label);
    });
    let squares = 0;
    let absolute = 0;
    for (const p of this.engine.params) {
      if (!p.regularize) continue;
      const w = p.data;
      for (let q = 0; q < w.length; q++) {
        squares += w[q] * w[q];
        absolute += Math.abs(w[q]);
      }
    }
    const size = split.count;
    return cost / size + 0.5 * ((reg.lmbda ?? 0) / size) * squares +
      ((reg.l1 ?? 0) / size) * absolute +
      0.5 * (reg.weightDecay ?? 0) * squares;
  }

  /** True when every parameter is finite. */
  isFinite(): boolean {
    for (const p of this.engine.params) {
      const arr = p.data;
      let s = 0;
      for (let q = 0; q < arr.length; q++) s += arr[q] * 0;
      if (s !== 0) return false; // NaN * 0 and Infinity * 0 are NaN
    }
    return true;
  }

  /** The weights of dense layer `l` as (out, in) nested arrays, as network.py holds them. */
  weightMatrix(l: number): number[][] {
    const layer = this.engine.layers[l];
    if (!(layer instanceof DenseLayer)) throw new RangeError(`layer ${l} is not a dense layer`);
    const { inSize, outSize, wT } = layer;
    return Array.from(
      { length: outSize },
      (_, j) => Array.from({ length: inSize }, (_, k) => wT[k * outSize + j]),
    );
  }

  /** network2.py's save format for a plain fully connected network; a superset otherwise. */
  toJSON(): NetworkJson {
    const layers = this.engine.layers;
    const trainable = layers.filter((l) => l.params.length > 0);
    const json: NetworkJson = {
      ...(this.sizes ? { sizes: this.sizes } : {}),
      weights: trainable.map((l) =>
        l instanceof DenseLayer
          ? this.weightMatrix(layers.indexOf(l))
          : rowsOf((l as ConvLayer).filters, (l as ConvLayer).ckk)
      ),
      biases: trainable.map((l) => Array.from(l.params[1].data, (v) => [v])),
      cost: COST_CLASS[this.cost],
      activation: this.activation,
    };
    if (!this.sizes) {
      json.layers = [...this.layers];
      json.inputShape = [...this.inputShape];
    }
    if (this.dropout > 0) json.dropout = this.dropout;
    if (this.batchNorm) {
      json.batchNorm = true;
      json.norms = layers.filter((l) => l instanceof DenseLayer && l.gamma).map((l) => {
        const d = l as DenseLayer;
        return {
          gamma: [...d.gamma!],
          beta: [...d.beta!],
          mean: [...d.runMean!],
          variance: [...d.runVar!],
        };
      });
    }
    return json;
  }

  /**
   * Loads a network from the JSON that {@linkcode toJSON} or network2.py's `save()` wrote.
   *
   * @example
   * ```ts
   * import { assertEquals } from "../../tests/_assert.ts";
   * import { Network } from "./network.ts";
   * const net = Network.fromJSON({
   *   sizes: [2, 1], weights: [[[0.5, -0.5]]], biases: [[[0]]], cost: "CrossEntropyCost",
   * });
   * assertEquals(net.cost, "cross-entropy");
   * assertEquals(net.feedforward(new Float32Array([1, 1]))[0], 0.5);
   * ```
   */
  static fromJSON(json: NetworkJson, source = "network JSON"): Network {
    const cost = (Object.keys(COST_CLASS) as Cost[]).find((c) =>
      COST_CLASS[c] === json.cost || c === json.cost
    );
    if (!cost) throw new NetsweepError(source, `unknown cost '${json.cost}'`);
    let net: Network;
    try {
      net = new Network({
        sizes: json.sizes,
        layers: json.sizes ? undefined : json.layers,
        inputShape: json.inputShape,
        cost,
        activation: json.activation ?? "sigmoid",
        batchNorm: json.batchNorm ?? false,
        dropout: json.dropout ?? 0,
      });
    } catch (err) {
      throw new NetsweepError(source, (err as Error).message);
    }
    const layers = net.engine.layers.filter((l) => l.params.length > 0);
    if (!Array.isArray(json.weights) || json.weights.length !== layers.length) {
      throw new NetsweepError(source, `expected ${layers.length} weight matrices`);
    }
    layers.forEach((layer, l) => {
      const w = json.weights[l];
      if (layer instanceof DenseLayer) {
        const { inSize: nIn, outSize: nOut } = layer;
        if (!Array.isArray(w) || w.length !== nOut || w.some((row) => row.length !== nIn)) {
          throw new NetsweepError(source, `weights[${l}] is not ${nOut} x ${nIn}`);
        }
        for (let j = 0; j < nOut; j++) {
          for (let k = 0; k < nIn; k++) layer.wT[k * nOut + j] = w[j][k];
        }
      } else {
        const conv = layer as ConvLayer;
        const maps = conv.options.maps;
        if (!Array.isArray(w) || w.length !== maps || w.some((row) => row.length !== conv.ckk)) {
          throw new NetsweepError(source, `weights[${l}] is not ${maps} x ${conv.ckk}`);
        }
        for (let f = 0; f < maps; f++) {
          for (let q = 0; q < conv.ckk; q++) conv.filters[f * conv.ckk + q] = w[f][q];
        }
      }
      const bias = layer.params[1].data;
      const b = json.biases[l];
      if (!Array.isArray(b) || b.length !== bias.length) {
        throw new NetsweepError(source, `biases[${l}] does not have ${bias.length} values`);
      }
      for (let j = 0; j < bias.length; j++) {
        const v = b[j];
        bias[j] = Array.isArray(v) ? v[0] : v;
      }
    });
    if (net.batchNorm) {
      const dense = net.engine.layers.filter((l) =>
        l instanceof DenseLayer && l.gamma
      ) as DenseLayer[];
      if (!Array.isArray(json.norms) || json.norms.length !== dense.length) {
        throw new NetsweepError(source, `expected batch norm values for ${dense.length} layers`);
      }
      dense.forEach((d, i) => {
        const nrm = json.norms![i];
        d.gamma!.set(nrm.gamma);
        d.beta!.set(nrm.beta);
        d.runMean!.set(nrm.mean);
        d.runVar!.set(nrm.variance);
      });
    }
    return net;
  }
}

/** The (out, in) gradient of a dense layer from its transposed (in, out) buffer. */
function transpose(gT: Float32Array, nIn: number, nOut: number): Float32Array {
  const g = new Float32Array(nIn * nOut);
  for (let k = 0; k < nIn; k++) for (let j = 0; j < nOut; j++) g[j * nIn + k] = gT[k * nOut + j];
  return g;
}

function rowsOf(data: Float32Array, width: number): number[][] {
  return Array.from(
    { length: data.length / width },
    (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)),
  );
}

// Evaluation draws no random numbers; a pass still carries a generator.
const NO_RNG = { nextUint32: () => 0 } as unknown as Rng;
const EVAL_PASS = { mode: "eval" as const, rng: NO_RNG };
