/**
 * The Network of Nielsen's network.py and network2.py (and Saito's TwoLayerNet): `sizes`,
 * weights and biases as Float32Arrays, `feedforward`, `backprop`, `evaluate`, `totalCost`,
 * and saving to (and loading from) network2.py's JSON.
 *
 * @module
 */
import { NetsweepError } from "../errors.ts";
import type { Split } from "../data/dataset.ts";
import {
  type Activation,
  activationCode,
  ACTIVATIONS,
  type Cost,
  costCode,
  COSTS,
  LOG_FLOOR,
  QUADRATIC,
} from "./functions.ts";
import type { Rng } from "./prng.ts";
import { backward, forward, type Params, Workspace } from "./_kernels.ts";
import { BLOCK_PAD, WasmArena } from "./_wasm.ts";

/**
 * Weight initialisation: `large` N(0,1) weights and biases (network.py); `default`
 * N(0, 1/n_in) weights and N(0,1) biases (network2.py); `scaled` std·N(0,1) weights and zero
 * biases (Saito's `weight_init_std`).
 */
export type Init = "large" | "default" | "scaled";

/** Every initialisation name, for validation. */
export const INITS: readonly Init[] = ["large", "default", "scaled"];

/** What a Network is made of. */
export interface NetworkOptions {
  /** Neurons per layer, input first, e.g. `[784, 30, 10]`. */
  sizes: number[];
  /** Hidden activation; default `sigmoid`. */
  activation?: Activation;
  /** Cost (and so the output layer); default `quadratic`. */
  cost?: Cost;
}

/** The JSON that network2.py's `save()` writes, with netsweep's additions. */
export interface NetworkJson {
  sizes: number[];
  /** Per layer, (out, in). */
  weights: number[][][];
  /** Per layer, (out, 1) as network2.py writes them (flat (out) is accepted too). */
  biases: number[][][] | number[][];
  /** `QuadraticCost`, `CrossEntropyCost` or `LogLikelihoodCost`. */
  cost: string;
  activation?: Activation;
}

const COST_CLASS: Record<Cost, string> = {
  "quadratic": "QuadraticCost",
  "cross-entropy": "CrossEntropyCost",
  "log-likelihood": "LogLikelihoodCost",
};

/** Largest batch used when evaluating a whole split. */
const EVAL_BATCH = 500;

/**
 * A fully connected network.
 *
 * @example
 * ```ts
 * import { Network } from "./network.ts";
 * import { Rng } from "./prng.ts";
 * const net = new Network({ sizes: [2, 3, 1] });
 * net.initialize(new Rng(1), "large");
 * const out = net.feedforward(new Float32Array([0.5, -1]));
 * console.assert(out.length === 1 && out[0] > 0 && out[0] < 1);
 * ```
 */
export class Network {
  readonly sizes: number[];
  readonly activation: Activation;
  readonly cost: Cost;
  /** Per layer, the weights transposed: wT[k * out + j] is w_jk, from neuron k to neuron j. */
  readonly weightsT: Float32Array[];
  readonly biases: Float32Array[];
  /** The codes and arrays the kernels read. */
  readonly params: Params;
  // Workspaces live in the kernels' arena, which never frees: one per batch size, reused.
  #workspaces = new Map<number, Workspace>();

  constructor(options: NetworkOptions) {
    const { sizes } = options;
    if (
      !Array.isArray(sizes) || sizes.length < 2 ||
      !sizes.every((n) => Number.isInteger(n) && n >= 1)
    ) {
      throw new RangeError(
        `sizes must be two or more positive integers, got ${JSON.stringify(sizes)}`,
      );
    }
    if (sizes[0] > 65535) throw new RangeError(`at most 65535 inputs, got ${sizes[0]}`);
    const activation = options.activation ?? "sigmoid";
    const cost = options.cost ?? "quadratic";
    if (!ACTIVATIONS.includes(activation)) {
      throw new RangeError(`unknown activation '${activation}'`);
    }
    if (!COSTS.includes(cost)) throw new RangeError(`unknown cost '${cost}'`);
    this.sizes = [...sizes];
    this.activation = activation;
    this.cost = cost;
    const arena = new WasmArena();
    // The input layer's weights live in the SIMD kernels' memory; the rest in plain arrays.
    this.weightsT = sizes.slice(1).map((
      n,
      i,
    ) => (i === 0 ? arena.float32(sizes[0] * n, BLOCK_PAD) : new Float32Array(sizes[i] * n)));
    this.biases = sizes.slice(1).map((n) => new Float32Array(n));
    this.params = {
      sizes: this.sizes,
      weightsT: this.weightsT,
      biases: this.biases,
      activation: activationCode(activation),
      cost: costCode(cost),
      arena,
    };
  }

  /** Draws the parameters from `rng`: all biases, then all weights, layer by layer, row-major (out, in). */
  initialize(rng: Rng, init: Init, std = 0.01): this {
    if (!INITS.includes(init)) throw new RangeError(`unknown init '${init}'`);
    for (const b of this.biases) {
      for (let j = 0; j < b.length; j++) b[j] = init === "scaled" ? 0 : rng.gaussian();
    }
    this.sizes.slice(1).forEach((nOut, i) => {
      const nIn = this.sizes[i];
      const scale = init === "large" ? 1 : init === "default" ? 1 / Math.sqrt(nIn) : std;
      const wT = this.weightsT[i];
      for (let j = 0; j < nOut; j++) {
        for (let k = 0; k < nIn; k++) wT[k * nOut + j] = scale * rng.gaussian();
      }
    });
    return this;
  }

  /** The preallocated buffers for mini-batches of `batch` examples (made once per size). */
  workspace(batch: number): Workspace {
    let ws = this.#workspaces.get(batch);
    if (!ws) {
      ws = new Workspace(this.params, batch);
      this.#workspaces.set(batch, ws);
    }
    return ws;
  }

  /** The output for one input vector (allocates; use {@linkcode evaluate} for whole splits). */
  feedforward(x: Float32Array): Float32Array {
    const ws = this.#forwardOne(x);
    return ws.a[ws.a.length - 1].slice();
  }

  #forwardOne(x: Float32Array): Workspace {
    if (x.length !== this.sizes[0]) {
      throw new RangeError(`input has ${x.length} values, the network takes ${this.sizes[0]}`);
    }
    const ws = this.workspace(1);
    ws.rows[0] = 0;
    forward(this.params, ws, x, 1, true);
    return ws;
  }

  /**
   * The gradient of the cost of one example (input `x`, class `label`), as network.py's
   * `backprop` returns it: `nablaB[l]` (out) and `nablaW[l]` (out, in) row-major.
   */
  backprop(x: Float32Array, label: number): { nablaB: Float32Array[]; nablaW: Float32Array[] } {
    const ws = this.#forwardOne(x);
    backward(this.params, ws, Uint8Array.of(label), 1);
    const nablaB = ws.delta.map((d) => d.slice());
    const nablaW = ws.delta.map((d, i) => {
      const nIn = this.sizes[i];
      const src = i === 0 ? x : ws.a[i - 1];
      const g = new Float32Array(d.length * nIn);
      for (let j = 0; j < d.length; j++) {
        for (let k = 0; k < nIn; k++) g[j * nIn + k] = d[j] * src[k];
      }
      return g;
    });
    return { nablaB, nablaW };
  }

  /** Runs `fn` over the outputs of every example of `split`, in batches. */
  #forEachOutput(split: Split, fn: (out: Float32Array, off: number, label: number) => void): void {
    const ws = this.workspace(EVAL_BATCH);
    const nOut = this.sizes[this.sizes.length - 1];
    const out = ws.a[ws.a.length - 1];
    for (let start = 0; start < split.count; start += EVAL_BATCH) {
      const m = Math.min(EVAL_BATCH, split.count - start);
      for (let e = 0; e < m; e++) ws.rows[e] = start + e;
      forward(this.params, ws, split.images, m, true, split.sparse);
      for (let e = 0; e < m; e++) fn(out, e * nOut, split.labels[start + e]);
    }
  }

  /** The number of examples whose largest output is their label (network.py's `evaluate`). */
  evaluate(split: Split): number {
    const nOut = this.sizes[this.sizes.length - 1];
    let correct = 0;
    this.#forEachOutput(split, (out, off, label) => {
      let best = 0;
      for (let j = 1; j < nOut; j++) if (out[off + j] > out[off + best]) best = j;
      if (best === label) correct++;
    });
    return correct;
  }

  /**
   * network2.py's `total_cost`: the mean cost over `split` plus the L2 term
   * 0.5 * (lmbda / n) * Σ w², with n the size of `split`.
   */
  totalCost(split: Split, lmbda = 0): number {
    const nOut = this.sizes[this.sizes.length - 1];
    const code = this.params.cost;
    let cost = 0;
    this.#forEachOutput(split, (out, off, label) => {
      if (code === QUADRATIC) {
        for (let j = 0; j < nOut; j++) {
          const d = out[off + j] - (j === label ? 1 : 0);
          cost += 0.5 * d * d;
        }
      } else if (this.cost === "cross-entropy") {
        for (let j = 0; j < nOut; j++) {
          const a = out[off + j];
          cost -= Math.log(Math.max(j === label ? a : 1 - a, LOG_FLOOR));
        }
      } else {
        cost -= Math.log(Math.max(out[off + label], LOG_FLOOR));
      }
    });
    let squares = 0;
    for (const w of this.weightsT) for (let q = 0; q < w.length; q++) squares += w[q] * w[q];
    return cost / split.count + 0.5 * (lmbda / split.count) * squares;
  }

  /** True when every weight and bias is finite. */
  isFinite(): boolean {
    for (const arr of [...this.weightsT, ...this.biases]) {
      let s = 0;
      for (let q = 0; q < arr.length; q++) s += arr[q] * 0;
      if (s !== 0) return false; // NaN * 0 and Infinity * 0 are NaN
    }
    return true;
  }

  /** The weights of layer `l` as (out, in) nested arrays, as network.py holds them. */
  weightMatrix(l: number): number[][] {
    const nIn = this.sizes[l];
    const nOut = this.sizes[l + 1];
    const wT = this.weightsT[l];
    return Array.from(
      { length: nOut },
      (_, j) => Array.from({ length: nIn }, (_, k) => wT[k * nOut + j]),
    );
  }

  /** network2.py's save format (plus `activation`). */
  toJSON(): NetworkJson {
    return {
      sizes: this.sizes,
      weights: this.sizes.slice(1).map((_, l) => this.weightMatrix(l)),
      biases: this.biases.map((b) => Array.from(b, (v) => [v])),
      cost: COST_CLASS[this.cost],
      activation: this.activation,
    };
  }

  /**
   * Loads a network from the JSON that {@linkcode toJSON} or network2.py's `save()` wrote.
   *
   * @example
   * ```ts
   * import { Network } from "./network.ts";
   * const net = Network.fromJSON({
   *   sizes: [2, 1], weights: [[[0.5, -0.5]]], biases: [[[0]]], cost: "CrossEntropyCost",
   * });
   * console.assert(net.cost === "cross-entropy");
   * console.assert(net.feedforward(new Float32Array([1, 1]))[0] === 0.5);
   * ```
   */
  static fromJSON(json: NetworkJson, source = "network JSON"): Network {
    const cost = (Object.keys(COST_CLASS) as Cost[]).find((c) =>
      COST_CLASS[c] === json.cost || c === json.cost
    );
    if (!cost) throw new NetsweepError(source, `unknown cost '${json.cost}'`);
    const net = new Network({ sizes: json.sizes, cost, activation: json.activation ?? "sigmoid" });
    const { sizes } = net;
    if (!Array.isArray(json.weights) || json.weights.length !== sizes.length - 1) {
      throw new NetsweepError(source, `expected ${sizes.length - 1} weight matrices`);
    }
    json.weights.forEach((w, l) => {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      if (w.length !== nOut || w.some((row) => row.length !== nIn)) {
        throw new NetsweepError(source, `weights[${l}] is not ${nOut} x ${nIn}`);
      }
      for (let j = 0; j < nOut; j++) {
        for (let k = 0; k < nIn; k++) net.weightsT[l][k * nOut + j] = w[j][k];
      }
      const b = json.biases[l];
      if (!Array.isArray(b) || b.length !== nOut) {
        throw new NetsweepError(source, `biases[${l}] does not have ${nOut} values`);
      }
      for (let j = 0; j < nOut; j++) {
        const v = b[j];
        net.biases[l][j] = Array.isArray(v) ? v[0] : v;
      }
    });
    return net;
  }
}
