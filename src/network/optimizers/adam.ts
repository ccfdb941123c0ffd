// Adam as Saito's optimizer.py writes it, the bias correction folded into the step size:
// t' = t + 1, eta_t = eta·√(1 - beta2^t')/(1 - beta1^t'),
// m' = m + (1 - beta1)(g - m), v' = v + (1 - beta2)(g² - v), w' = w - eta_t·m'/(√v' + 1e-7).
import type { Param } from "../layers/_layer.ts";
import {
  EPSILON,
  type Optimizer,
  type OptimizerKind,
  type OptimizerSettings,
  zeros,
} from "./_optimizer.ts";

export const ADAM: OptimizerKind = {
  fused: false,
  reads: ["beta1", "beta2"],
  create(params: Param[], s: OptimizerSettings): Optimizer {
    const first = zeros(params);
    const second = zeros(params);
    const { beta1, beta2 } = s;
    let t = 0;
    return {
      arrays: [...first, ...second],
      step(eta) {
        t++;
        const etaT = (eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const c1 = 1 - beta1;
        const c2 = 1 - beta2;
        params.forEach((p, q) => {
          const w = p.data;
          const g = p.grad;
          const m = first[q];
          const v = second[q];
          for (let i = 0, n = w.length; i < n; i++) {
            const gi = g[i];
            m[i] += c1 * (gi - m[i]);
            v[i] += c2 * (gi * gi - v[i]);
            w[i] -= (etaT * m[i]) / (Math.sqrt(v[i]) + EPSILON);
          }
        });
      },
      scalars: () => [t],
      restore(scalars) {
        t = scalars[0] ?? 0;
      },
    };
  },
};
