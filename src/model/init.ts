/**
 * Weight initialisations of both books, one table: how biases and weights are drawn.
 *
 * @module
 */
import type { Layer } from "./layers/_layer.ts";
import type { Rng } from "../core/mod.ts";
import { type Init, INITS } from "../vocabulary/mod.ts";

/** How each initialisation draws a layer's biases and the standard deviation of its weights. */
const INIT_TABLE = {
  /** network.py: N(0,1) weights and biases. */
  large: { bias: "normal", std: () => 1 },
  /** network2.py: N(0, 1/n_in) weights, N(0,1) biases. */
  default: { bias: "normal", std: (l: Layer) => 1 / Math.sqrt(l.fanIn) },
  /** Saito's `weight_init_std`: initStd·N(0,1) weights, zero biases. */
  scaled: { bias: "zero", std: (_l: Layer, s: number) => s },
  /** Xavier (Saito ch. 6): N(0, 1/n_in) weights, zero biases. */
  xavier: { bias: "zero", std: (l: Layer) => 1 / Math.sqrt(l.fanIn) },
  /** He (Saito ch. 6): N(0, 2/n_in) weights, zero biases. */
  he: { bias: "zero", std: (l: Layer) => Math.sqrt(2 / l.fanIn) },
  /**
   * network3.py: N(0, 1/n_out) weights with n_out = maps·k²/pool² for a conv-pool layer and
   * the layer's outputs for a fully connected one; N(0,1) biases; the softmax layer zero.
   */
  network3: {
    bias: "normal-hidden",
    std: (l: Layer, _s: number, out: boolean) => (out ? 0 : 1 / Math.sqrt(l.fanOut)),
  },
} as const satisfies Record<
  Init,
  { bias: string; std: (l: Layer, initStd: number, isOutput: boolean) => number }
>;

/**
 * Draws every layer's parameters from `rng`: all biases first, layer by layer, then all
 * weights, each in row-major (out, in) order, as network.py does. Batch norm's γ is 1 and β 0.
 */
export function initializeLayers(
  layers: readonly Layer[],
  rng: Rng,
  init: Init,
  initStd: number,
): void {
  const row = INIT_TABLE[init];
  if (!row) throw new RangeError(`unknown init '${init}' (use one of ${INITS.join(", ")})`);
  const last = layers.length - 1;
  layers.forEach((layer, l) => {
    const b = layer.params.find((p) => p.name === "b");
    if (!b) return;
    const normal = row.bias === "normal" || (row.bias === "normal-hidden" && l !== last);
    for (let j = 0; j < b.data.length; j++) b.data[j] = normal ? rng.gaussian() : 0;
  });
  layers.forEach((layer, l) => {
    const w = layer.params.find((p) => p.name === "w");
    if (!w) return;
    const std = row.std(layer, initStd, l === last);
    drawWeights(layer, w.data, std, rng);
    for (const p of layer.params) {
      if (p.name === "gamma") p.data.fill(1);
      if (p.name === "beta") p.data.fill(0);
    }
    for (const s of layer.state) s.fill(0);
  });
}

function drawWeights(layer: Layer, data: Float32Array, std: number, rng: Rng): void {
  if (layer.type === "dense") {
    // Stored transposed, wT:(in,out); drawn in w's (out,in) order.
    const nIn = layer.inSize;
    const nOut = layer.outSize;
    for (let j = 0; j < nOut; j++) {
      for (let k = 0; k < nIn; k++) data[k * nOut + j] = std * rng.gaussian();
    }
  } else {
    for (let i = 0; i < data.length; i++) data[i] = std * rng.gaussian();
  }
}
