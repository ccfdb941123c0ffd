// Batch normalisation of a dense layer's affine output, as Saito's BatchNormalization
// (ch. 6): per neuron j over the batch, x̂ = (z - μ)/σ, y = γ·x̂ + β, with running averages of
// μ and σ² (momentum 0.9) used in evaluation. Arrays are row-major (m, n): example e, neuron j
// at e·n + j.
import type { Pass } from "./_layer.ts";

/** Batch norm's epsilon, as Saito's BatchNormalization adds it (10e-7) under the root. */
const BN_EPS = 1e-6;
/** Batch norm's running averages: new = 0.9·old + 0.1·batch. */
const BN_MOMENTUM = 0.9;

/** A batch's values: z in, x̂, y and σ out. */
export interface NormBatch {
  z: Float32Array;
  xhat: Float32Array;
  y: Float32Array;
  std: Float32Array;
}

/** The layer's learnt scale and shift, and its running statistics. */
export interface NormParams {
  gamma: Float32Array;
  beta: Float32Array;
  runMean: Float32Array;
  runVar: Float32Array;
}

/**
 * y = γ·(z - μ)/σ + β over the batch (train, probe; train also updates the running
 * statistics) or with the running statistics (eval).
 */
export function batchNormForward(
  b: NormBatch,
  p: NormParams,
  n: number,
  m: number,
  mode: Pass["mode"],
): void {
  const { z, xhat, y, std } = b;
  const { gamma, beta, runMean, runVar } = p;
  if (mode === "eval") {
    for (let j = 0; j < n; j++) std[j] = Math.sqrt(runVar[j] + BN_EPS);
    for (let e = 0; e < m; e++) {
      const off = e * n;
      for (let j = 0; j < n; j++) {
        const v = (z[off + j] - runMean[j]) / std[j];
        xhat[off + j] = v;
        y[off + j] = gamma[j] * v + beta[j];
      }
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    let mean = 0;
    for (let e = 0; e < m; e++) mean += z[e * n + j];
    mean /= m;
    let variance = 0;
    for (let e = 0; e < m; e++) {
      const c = z[e * n + j] - mean;
      variance += c * c;
    }
    variance /= m;
    std[j] = Math.sqrt(variance + BN_EPS);
    for (let e = 0; e < m; e++) {
      const v = (z[e * n + j] - mean) / std[j];
      xhat[e * n + j] = v;
      y[e * n + j] = gamma[j] * v + beta[j];
    }
    if (mode === "train") {
      runMean[j] = BN_MOMENTUM * runMean[j] + (1 - BN_MOMENTUM) * mean;
      runVar[j] = BN_MOMENTUM * runVar[j] + (1 - BN_MOMENTUM) * variance;
    }
  }
}

/**
 * The backward pass (Saito's BatchNormalization): dγ and dβ, and δ_y turned into δ_z in place:
 * dxc = γ·δ/σ - (γ·dγ/(m·σ))·x̂, δ_z = dxc - mean(dxc).
 */
export function batchNormBackward(
  delta: Float32Array,
  xhat: Float32Array,
  std: Float32Array,
  gamma: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
  n: number,
  m: number,
): void {
  for (let j = 0; j < n; j++) {
    let db = 0;
    let dg = 0;
    for (let e = 0; e < m; e++) {
      const d = delta[e * n + j];
      db += d;
      dg += d * xhat[e * n + j];
    }
    dBeta[j] = db;
    dGamma[j] = dg;
    const s = std[j];
    const g = gamma[j];
    const k1 = g / s;
    const k2 = (g * dg) / (m * s);
    let sum = 0;
    for (let e = 0; e < m; e++) {
      const v = k1 * delta[e * n + j] - k2 * xhat[e * n + j];
      delta[e * n + j] = v;
      sum += v;
    }
    const mean = sum / m;
    for (let e = 0; e < m; e++) delta[e * n + j] -= mean;
  }
}
