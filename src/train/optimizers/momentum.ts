// Momentum-based gradient descent (Nielsen ch. 3; Saito's Momentum is the same):
// v' = momentum·v - eta·g, w' = w + v'.
import type { Engine } from "../../model/mod.ts";
import {
  fromGradients,
  type Optimizer,
  type OptimizerKind,
  type OptimizerSettings,
  type Penalty,
  zeros,
} from "./_optimizer.ts";

export const MOMENTUM: OptimizerKind = {
  create(engine: Engine, s: OptimizerSettings, penalty: Penalty): Optimizer {
    const params = engine.params;
    const velocity = zeros(params);
    const mu = s.momentum;
    return fromGradients(engine, penalty, {
      arrays: velocity,
      step(eta) {
        params.forEach((p, q) => {
          const w = p.data;
          const g = p.grad;
          const v = velocity[q];
          for (let i = 0, n = w.length; i < n; i++) {
            v[i] = mu * v[i] - eta * g[i];
            w[i] += v[i];
          }
        });
      },
      scalars: () => [],
      restore() {},
    });
  },
};
