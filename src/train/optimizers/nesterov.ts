// Nesterov's accelerated gradient as Saito's optimizer.py writes it:
// v' = momentum·v - eta·g, w' = w + momentum²·v' - (1 + momentum)·eta·g.
import type { Engine } from "../../model/mod.ts";
import {
  fromGradients,
  type Optimizer,
  type OptimizerKind,
  type OptimizerSettings,
  type Penalty,
  zeros,
} from "./_optimizer.ts";

export const NESTEROV: OptimizerKind = {
  create(engine: Engine, s: OptimizerSettings, penalty: Penalty): Optimizer {
    const params = engine.params;
    const velocity = zeros(params);
    const mu = s.momentum;
    return fromGradients(engine, penalty, {
      arrays: velocity,
      step(eta) {
        const look = mu * mu;
        const direct = (1 + mu) * eta;
        params.forEach((p, q) => {
          const w = p.data;
          const g = p.grad;
          const v = velocity[q];
          for (let i = 0, n = w.length; i < n; i++) {
            v[i] = mu * v[i] - eta * g[i];
            w[i] += look * v[i] - direct * g[i];
          }
        });
      },
      scalars: () => [],
      restore() {},
    });
  },
};
