// Plain SGD (network.py, network2.py, Saito's SGD): w -> w - eta·g. Its step is fused into
// backprop: the weights first shrink by the penalty (network2.py's (1 - eta·lmbda/n)·w, eq. 95's
// L1), then the engine adds -eta/m·Σ δ aᵀ straight into them, with no gradient buffers at all.
import type { Engine } from "../../model/mod.ts";
import type { Optimizer, OptimizerKind, Penalty } from "./_optimizer.ts";

export const SGD: OptimizerKind = {
  create(engine: Engine, _settings, penalty: Penalty): Optimizer {
    const weights = engine.params.filter((p) => p.regularize);
    const { l2, l1 } = penalty;
    return {
      arrays: [],
      update(ws, m, eta) {
        const decay = 1 - eta * l2;
        for (const p of weights) {
          if (decay !== 1) engine.kernels.scale(p.data.byteOffset, p.data.length, decay);
          if (l1 !== 0) shrink(p.data, eta * l1);
        }
        engine.sgdStep(ws, m, -eta / m);
      },
      scalars: () => [],
      restore() {},
    };
  },
};

/** w -> w - amount·sgn(w) (L1's step, Nielsen eq. 95). */
function shrink(w: Float32Array, amount: number): void {
  for (let i = 0, n = w.length; i < n; i++) {
    const v = w[i];
    w[i] = v > 0 ? v - amount : v < 0 ? v + amount : 0;
  }
}
