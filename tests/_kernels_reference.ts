// Every WebAssembly kernel written again in plain TypeScript, in float64, from its formula (the
// comments of src/model/wasm/*_wat.ts): the oracle tests/kernels_test.ts fuzzes the kernels
// against, over random shapes, strides, scales and flags. Arrays here are plain number[] views
// of the kernels' float32 inputs; nothing is shared with the kernels' code.

/** z[j] += Σ_c val[c]·w[idx[c]·nOut + j]. */
export function sparseForward(
  z: number[],
  w: number[],
  nOut: number,
  idx: number[],
  val: number[],
): number[] {
  const out = [...z];
  idx.forEach((k, c) => {
    for (let j = 0; j < nOut; j++) out[j] += val[c] * w[k * nOut + j];
  });
  return out;
}

/** w[idx[c]·nOut + j] += step·val[c]·δ[j]. */
export function sparseUpdate(
  w: number[],
  nOut: number,
  idx: number[],
  val: number[],
  delta: number[],
  step: number,
): number[] {
  const out = [...w];
  idx.forEach((k, c) => {
    for (let j = 0; j < nOut; j++) out[k * nOut + j] += step * val[c] * delta[j];
  });
  return out;
}

/** C(i,j) = alpha·Σ_p A(i,p)·B(p,j) (+ C(i,j) when accum); A(i,p) = a[i·sam + p·sak]. */
export function gemmNN(
  c: number[],
  a: number[],
  b: number[],
  M: number,
  N: number,
  K: number,
  sam: number,
  sak: number,
  ldb: number,
  ldc: number,
  alpha: number,
  accum: boolean,
): number[] {
  const out = [...c];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * sam + p * sak] * b[p * ldb + j];
      out[i * ldc + j] = alpha * s + (accum ? c[i * ldc + j] : 0);
    }
  }
  return out;
}

/** C(i,j) = alpha·Σ_p A(i,p)·B(j,p) (+ C(i,j) when accum), row-major with lda, ldb, ldc. */
export function gemmNT(
  c: number[],
  a: number[],
  b: number[],
  M: number,
  N: number,
  K: number,
  lda: number,
  ldb: number,
  ldc: number,
  alpha: number,
  accum: boolean,
): number[] {
  const out = [...c];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * lda + p] * b[j * ldb + p];
      out[i * ldc + j] = alpha * s + (accum ? c[i * ldc + j] : 0);
    }
  }
  return out;
}

/** a = f(z + bias[plane]) over `planes` planes of `per` values. */
export function activate(
  f: "sigmoid" | "relu",
  z: number[],
  _planes: number,
  per: number,
  bias: number[] | null,
): number[] {
  return z.map((v, i) => {
    const x = v + (bias ? bias[Math.floor(i / per)] : 0);
    return f === "sigmoid" ? 1 / (1 + Math.exp(-x)) : Math.max(0, x);
  });
}

/** δ·f'(z) from the activations: σ' = a(1 - a), relu' = [a > 0]. */
export function derive(f: "sigmoid" | "relu", a: number[], delta: number[]): number[] {
  return delta.map((d, i) => d * (f === "sigmoid" ? a[i] * (1 - a[i]) : a[i] > 0 ? 1 : 0));
}

/** The maximum of each s×s window of `planes` maps of h×w. */
export function maxpool(src: number[], planes: number, h: number, w: number, s: number): number[] {
  const out: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h / s; y++) {
      for (let x = 0; x < w / s; x++) {
        let best = -Infinity;
        for (let dy = 0; dy < s; dy++) {
          for (let dx = 0; dx < s; dx++) {
            best = Math.max(best, src[p * h * w + (y * s + dy) * w + x * s + dx]);
          }
        }
        out.push(best);
      }
    }
  }
  return out;
}

/** Each window's δ to the first of its inputs (row order) equal to its maximum; 0 elsewhere. */
export function maxpoolBack(
  src: number[],
  delta: number[],
  planes: number,
  h: number,
  w: number,
  s: number,
): number[] {
  const out = new Array(src.length).fill(0);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h / s; y++) {
      for (let x = 0; x < w / s; x++, o++) {
        let best = -Infinity;
        let at = -1;
        for (let dy = 0; dy < s; dy++) {
          for (let dx = 0; dx < s; dx++) {
            const i = p * h * w + (y * s + dy) * w + x * s + dx;
            if (src[i] > best) [best, at] = [src[i], i];
          }
        }
        out[at] = delta[o];
      }
    }
  }
  return out;
}

/** An image (C,H,W) as columns (C·k·k rows, one column per output position, valid). */
export function im2col(img: number[], C: number, H: number, W: number, k: number): number[] {
  const oh = H - k + 1;
  const ow = W - k + 1;
  const P = oh * ow;
  const col = new Array(C * k * k * P).fill(0);
  for (let c = 0; c < C; c++) {
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) {
        const row = (c * k + dy) * k + dx;
        for (let y = 0; y < oh; y++) {
          for (let x = 0; x < ow; x++) {
            col[row * P + y * ow + x] = img[c * H * W + (y + dy) * W + x + dx];
          }
        }
      }
    }
  }
  return col;
}

/** Adds columns back onto an image: the adjoint of {@linkcode im2col}. */
export function col2im(
  img: number[],
  col: number[],
  C: number,
  H: number,
  W: number,
  k: number,
): number[] {
  const out = [...img];
  const oh = H - k + 1;
  const ow = W - k + 1;
  const P = oh * ow;
  for (let c = 0; c < C; c++) {
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) {
        const row = (c * k + dy) * k + dx;
        for (let y = 0; y < oh; y++) {
          for (let x = 0; x < ow; x++) {
            out[c * H * W + (y + dy) * W + x + dx] += col[row * P + y * ow + x];
          }
        }
      }
    }
  }
  return out;
}

/** Adam's step: m += c1(g - m), v += c2(g² - v), w -= etaT·m/(√v + eps). */
export function adam(
  w: number[],
  g: number[],
  m: number[],
  v: number[],
  etaT: number,
  c1: number,
  c2: number,
  eps: number,
): { w: number[]; m: number[]; v: number[] } {
  const m2 = m.map((x, i) => x + c1 * (g[i] - x));
  const v2 = v.map((x, i) => x + c2 * (g[i] * g[i] - x));
  return { w: w.map((x, i) => x - (etaT * m2[i]) / (Math.sqrt(v2[i]) + eps)), m: m2, v: v2 };
}
