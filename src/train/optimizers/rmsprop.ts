// RMSprop (Saito): h' = rmsDecay·h + (1 - rmsDecay)·g², w' = w - eta·g/(√h' + 1e-7).
import type { Engine } from "../../model/mod.ts";
import {
  EPSILON,
  fromGradients,
  type Optimizer,
  type OptimizerKind,
  type OptimizerSettings,
  type Penalty,
  zeros,
} from "./_optimizer.ts";

export const RMSPROP: OptimizerKind = {
  create(engine: Engine, s: OptimizerSettings, penalty: Penalty): Optimizer {
    const params = engine.params;
    const squares = zeros(params);
    const rho = s.rmsDecay;
    return fromGradients(engine, penalty, {
      arrays: squares,
      step(eta) {
        params.forEach((p, q) => {
          const w = p.data;
          const g = p.grad;
          const h = squares[q];
          for (let i = 0, n = w.length; i < n; i++) {
            const gi = g[i];
            h[i] = rho * h[i] + (1 - rho) * gi * gi;
            w[i] -= (eta * gi) / (Math.sqrt(h[i]) + EPSILON);
          }
        });
      },
      scalars: () => [],
      restore() {},
    });
  },
};
