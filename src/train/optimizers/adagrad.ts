// AdaGrad (Saito): h' = h + g², w' = w - eta·g/(√h' + 1e-7).
import type { Engine } from "../../model/mod.ts";
import {
  EPSILON,
  fromGradients,
  type Optimizer,
  type OptimizerKind,
  type Penalty,
  zeros,
} from "./_optimizer.ts";

export const ADAGRAD: OptimizerKind = {
  create(engine: Engine, _settings, penalty: Penalty): Optimizer {
    const params = engine.params;
    const squares = zeros(params);
    return fromGradients(engine, penalty, {
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
    });
  },
};
