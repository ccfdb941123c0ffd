// Adam as Saito's optimizer.py writes it, the bias correction folded into the step size:
// t' = t + 1, eta_t = eta·√(1 - beta2^t')/(1 - beta1^t'),
// m' = m + (1 - beta1)(g - m), v' = v + (1 - beta2)(g² - v), w' = w - eta_t·m'/(√v' + 1e-7),
// in float32, four lanes at a time (the kernel `adam`, src/model/wasm/optimizer_wat.ts).
import type { Engine } from "../../model/mod.ts";
import {
  EPSILON,
  fromGradients,
  type Optimizer,
  type OptimizerKind,
  type OptimizerSettings,
  type Penalty,
} from "./_optimizer.ts";

export const ADAM: OptimizerKind = {
  create(engine: Engine, s: OptimizerSettings, penalty: Penalty): Optimizer {
    const params = engine.params;
    // The moments live in the kernels' memory: the step is one SIMD kernel call per parameter.
    const [first, second] = engine.optimizerState(2);
    const k = engine.kernels;
    const { beta1, beta2 } = s;
    let t = 0;
    return fromGradients(engine, penalty, {
      arrays: [...first, ...second],
      step(eta) {
        t++;
        const etaT = (eta * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const c1 = 1 - beta1;
        const c2 = 1 - beta2;
        for (let q = 0, n = params.length; q < n; q++) {
          const w = params[q].data;
          k.adam(
            w.byteOffset,
            params[q].grad.byteOffset,
            first[q].byteOffset,
            second[q].byteOffset,
            w.length,
            etaT,
            c1,
            c2,
            EPSILON,
          );
        }
      },
      scalars: () => [t],
      restore(scalars) {
        t = scalars[0] ?? 0;
      },
    });
  },
};
