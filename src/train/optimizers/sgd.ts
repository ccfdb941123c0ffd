// Plain SGD (network.py, network2.py, Saito's SGD): w -> w - eta·g. Its step is fused into
// backprop (the engine's sgdStep adds -eta/m·Σ δ aᵀ straight into the weights), so `step`
// here only serves a caller that has gradients in the buffers.
import type { Param } from "../../model/mod.ts";
import type { Optimizer, OptimizerKind } from "./_optimizer.ts";

export const SGD: OptimizerKind = {
  fused: true,
  create(params: Param[]): Optimizer {
    return {
      arrays: [],
      step(eta) {
        for (const p of params) {
          const w = p.data;
          const g = p.grad;
          for (let i = 0, n = w.length; i < n; i++) w[i] -= eta * g[i];
        }
      },
      scalars: () => [],
      restore() {},
    };
  },
};
