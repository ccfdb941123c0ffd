// GEMMs split between a network's two threads (../team.ts) by their outputs only: rows or
// columns of C, cut where the kernels' register tiles already end (4 rows, 8 columns of
// gemm_nn; 2 rows, 4 columns of gemm_nt), so each output is computed by the same
// instructions as in one call. One module-level argument block: a split runs both parts
// before it returns, and recording a call allocates nothing.
import type { Kernels, Splitter } from "../_arena.ts";

/** Below this many multiply-adds a GEMM runs whole: the hand-over would cost more. */
export const MIN_MACS = 60_000;

const g = {
  c: 0,
  a: 0,
  b: 0,
  M: 0,
  N: 0,
  K: 0,
  s1: 0,
  s2: 0,
  ldb: 0,
  ldc: 0,
  alpha: 0,
  accum: 0,
};

// gemm_nn: C(M,N) (+)= alpha·A·B with A at strides (s1 = sam, s2 = sak).
const nnRows = (k: Kernels, from: number, to: number) =>
  k.gemm_nn(
    g.c + from * g.ldc * 4,
    g.a + from * g.s1 * 4,
    g.b,
    to - from,
    g.N,
    g.K,
    g.s1,
    g.s2,
    g.ldb,
    g.ldc,
    g.alpha,
    g.accum,
  );
const nnCols = (k: Kernels, from: number, to: number) =>
  k.gemm_nn(
    g.c + from * 4,
    g.a,
    g.b + from * 4,
    g.M,
    to - from,
    g.K,
    g.s1,
    g.s2,
    g.ldb,
    g.ldc,
    g.alpha,
    g.accum,
  );
// gemm_nt: C(M,N) (+)= alpha·A·Bᵀ with row strides (s1 = lda, ldb, ldc).
const ntRows = (k: Kernels, from: number, to: number) =>
  k.gemm_nt(
    g.c + from * g.ldc * 4,
    g.a + from * g.s1 * 4,
    g.b,
    to - from,
    g.N,
    g.K,
    g.s1,
    g.ldb,
    g.ldc,
    g.alpha,
    g.accum,
  );
const ntCols = (k: Kernels, from: number, to: number) =>
  k.gemm_nt(
    g.c + from * 4,
    g.a,
    g.b + from * g.ldb * 4,
    g.M,
    to - from,
    g.K,
    g.s1,
    g.ldb,
    g.ldc,
    g.alpha,
    g.accum,
  );

/** The cut of `n` nearest its middle on a multiple of `unit` (0: not worth splitting). */
export function cutAt(n: number, unit: number): number {
  const cut = Math.round(n / 2 / unit) * unit;
  return cut > 0 && cut < n ? cut : 0;
}

/** gemm_nn (see Kernels), its rows or columns split across the team. */
export function splitGemmNN(
  s: Splitter,
  by: "rows" | "cols",
  c: number,
  a: number,
  b: number,
  M: number,
  N: number,
  K: number,
  sam: number,
  sak: number,
  ldb: number,
  ldc: number,
  alpha: number,
  accum: number,
): void {
  g.c = c, g.a = a, g.b = b, g.M = M, g.N = N, g.K = K, g.s1 = sam, g.s2 = sak;
  g.ldb = ldb, g.ldc = ldc, g.alpha = alpha, g.accum = accum;
  const small = M * N * K < MIN_MACS;
  if (by === "rows") s.split(M, small ? 0 : cutAt(M, 4), nnRows);
  else s.split(N, small ? 0 : cutAt(N, 8), nnCols);
}

/** gemm_nt (see Kernels), its rows or columns split across the team. */
export function splitGemmNT(
  s: Splitter,
  by: "rows" | "cols",
  c: number,
  a: number,
  b: number,
  M: number,
  N: number,
  K: number,
  lda: number,
  ldb: number,
  ldc: number,
  alpha: number,
  accum: number,
): void {
  g.c = c, g.a = a, g.b = b, g.M = M, g.N = N, g.K = K, g.s1 = lda;
  g.ldb = ldb, g.ldc = ldc, g.alpha = alpha, g.accum = accum;
  const small = M * N * K < MIN_MACS;
  if (by === "rows") s.split(M, small ? 0 : cutAt(M, 2), ntRows);
  else s.split(N, small ? 0 : cutAt(N, 4), ntCols);
}
