// AdaGrad (Saito): h' = h + g², w' = w - eta·g/(√h' + 1e-7).
import type { Param } from "../../model/mod.ts";
import { EPSILON, type Optimizer, type OptimizerKind, zeros } from "./_optimizer.ts";

export const ADAGRAD: OptimizerKind = {
  fused: false,
  create(params: Param[]): Optimizer {
    const squares = zeros(params);
    return {
      arrays: squares,
      step(eta) {
        params.forEach((p, q) => {
          const w = p.data;
          const g = p.grad;
          const h = squares[q];
          for (let i = 0, n = w.length; i < n; i++) {
            const gi = g[i];
            h[i] += gi * gi;
            w[i] -= (eta * gi) / (Math.sqrt(h[i]) + EPSILON);
          }
        });
      },
      scalars: () => [],
      restore() {},
    };
  },
};
