// The WebAssembly text of netsweep's kernels, generated so that every register-blocked tile
// is written once: `deno task build:wasm` compiles it twice, with relaxed SIMD (fused
// multiply-add) and with plain SIMD (multiply, then add), into src/model/_kernels_wasm.ts,
// and writes the relaxed text to src/model/wasm/kernels.wat for reading.
//
// All pointers are byte offsets into the shared memory of one Network's arena; strides are
// in elements. No kernel reads or writes outside the arrays it is given: every tile has a
// vector body and a scalar tail, so no buffer needs padding.
//
//   sparse_forward  z[0..n) += Σ_c val[c] · wT[idx[c], 0..n)      (sparse_wat.ts: one example)
//   sparse_update   wT[idx[c], 0..n) += (step · val[c]) · d[0..n)  (sparse_wat.ts: BP4)
//   scale           p[0..n) *= factor                                (L2 weight decay)
//   gemm_nn         C(M,N) (+)= alpha · A(M,K) · B(K,N)             (A strided, B and C row-major)
//   gemm_nt         C(M,N) (+)= alpha · A(M,K) · B(N,K)^T           (rows of A and B are dots)
//   and the element-wise kernels of elementwise_wat.ts (activations), conv_wat.ts (im2col with
//   padding and stride), pool_wat.ts (max-pooling) and optimizer_wat.ts (Adam's step).

import { convWat } from "./conv_wat.ts";
import { elementwiseWat } from "./elementwise_wat.ts";
import { optimizerWat } from "./optimizer_wat.ts";
import { poolWat } from "./pool_wat.ts";
import { sparseWat } from "./sparse_wat.ts";
import { add, get, i32, loop, madd } from "./_wat.ts";

/** Stores `value` (v128) at `ptr`: C = alpha·acc, or C += alpha·acc when $accum is set. */
function storeVec(ptr: string, value: string): string[] {
  return [
    `(if ${get("accum")}`,
    `  (then (v128.store ${ptr} (f32x4.add (v128.load ${ptr}) (f32x4.mul ${
      get("alphav")
    } ${value}))))`,
    `  (else (v128.store ${ptr} (f32x4.mul ${get("alphav")} ${value}))))`,
  ];
}

function storeScalar(ptr: string, value: string): string[] {
  return [
    `(if ${get("accum")}`,
    `  (then (f32.store ${ptr} (f32.add (f32.load ${ptr}) (f32.mul ${get("alpha")} ${value}))))`,
    `  (else (f32.store ${ptr} (f32.mul ${get("alpha")} ${value}))))`,
  ];
}

/**
 * gemm_nn tile of R rows by V vectors (4V columns), or by one scalar column when V is 0:
 * acc[r][v] = Σ_p A[r·sam + p·sak] · B[p·ldb + 4v..4v+4). Pointers advance by p.
 */
function nnTile(relaxed: boolean, R: number, V: number): string {
  const name = `$nn_${R}x${V === 0 ? "s" : V}`;
  const locals: string[] = [];
  const body: string[] = [];
  const rows = Array.from({ length: R }, (_, r) => r);
  const vecs = Array.from({ length: V }, (_, v) => v);
  // Row r of A starts at a + r·sam (bytes): precomputed offsets.
  const rowOff = (r: number) => (r === 0 ? get("ap") : add(get("ap"), get(`ro${r}`)));
  for (let r = 1; r < R; r++) locals.push(`(local $ro${r} i32)`);
  if (V > 0) {
    for (const r of rows) for (const v of vecs) locals.push(`(local $c${r}_${v} v128)`);
    for (const v of vecs) locals.push(`(local $b${v} v128)`);
    locals.push(`(local $av v128)`);
    const step: string[] = [];
    for (const v of vecs) {
      step.push(`(local.set $b${v} (v128.load offset=${16 * v} ${get("bp")}))`);
    }
    for (const r of rows) {
      step.push(`(local.set $av (v128.load32_splat ${rowOff(r)}))`);
      for (const v of vecs) {
        step.push(
          `(local.set $c${r}_${v} ${madd(relaxed, get("av"), get(`b${v}`), get(`c${r}_${v}`))})`,
        );
      }
    }
    body.push(...loopOverP(step));
    for (const r of rows) {
      for (const v of vecs) {
        const at = `(i32.add ${get("c")} (i32.add (i32.mul ${i32(r)} ${get("ldc")}) ${
          i32(16 * v)
        }))`;
        body.push(...storeVec(at, get(`c${r}_${v}`)));
      }
    }
  } else {
    for (const r of rows) locals.push(`(local $s${r} f32)`);
    locals.push(`(local $bs f32)`);
    const step: string[] = [`(local.set $bs (f32.load ${get("bp")}))`];
    for (const r of rows) {
      step.push(
        `(local.set $s${r} (f32.add ${get(`s${r}`)} (f32.mul (f32.load ${rowOff(r)}) ${
          get("bs")
        })))`,
      );
    }
    body.push(...loopOverP(step));
    for (const r of rows) {
      const at = `(i32.add ${get("c")} (i32.mul ${i32(r)} ${get("ldc")}))`;
      body.push(...storeScalar(at, get(`s${r}`)));
    }
  }
  const setup = [`(local.set $ap ${get("a")})`, `(local.set $bp ${get("b")})`];
  for (let r = 1; r < R; r++) setup.push(`(local.set $ro${r} (i32.mul ${i32(r)} ${get("sam")}))`);
  return [
    `(func ${name} (param $c i32) (param $a i32) (param $b i32) (param $K i32) (param $sam i32)`,
    `  (param $sak i32) (param $ldb i32) (param $ldc i32) (param $alpha f32) (param $alphav v128)`,
    `  (param $accum i32)`,
    `  (local $p i32) (local $ap i32) (local $bp i32)`,
    ...locals.map((l) => `  ${l}`),
    ...setup.map((l) => `  ${l}`),
    ...body.map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

function loopOverP(step: string[]): string[] {
  return loop("p", `(i32.lt_u ${get("p")} ${get("K")})`, [
    ...step,
    `(local.set $ap (i32.add ${get("ap")} ${get("sak")}))`,
    `(local.set $bp (i32.add ${get("bp")} ${get("ldb")}))`,
    `(local.set $p (i32.add ${get("p")} ${i32(1)}))`,
  ]);
}

/** The columns of one block of R rows: tiles of 8, then 4, then single columns. */
function nnRow(R: number): string {
  const call = (V: number) =>
    `(call $nn_${R}x${V === 0 ? "s" : V} (i32.add ${get("c")} (i32.shl ${get("j")} ${i32(2)})) ${
      get("a")
    } (i32.add ${get("b")} (i32.shl ${get("j")} ${i32(2)})) ${get("K")} ${get("sam")} ${
      get("sak")
    } ${get("ldb")} ${get("ldc")} ${get("alpha")} ${get("alphav")} ${get("accum")})`;
  return [
    `(func $nn_row${R} (param $c i32) (param $a i32) (param $b i32) (param $N i32) (param $K i32)`,
    `  (param $sam i32) (param $sak i32) (param $ldb i32) (param $ldc i32) (param $alpha f32)`,
    `  (param $alphav v128) (param $accum i32)`,
    `  (local $j i32)`,
    ...loop("j8", `(i32.le_u (i32.add ${get("j")} ${i32(8)}) ${get("N")})`, [
      call(2),
      `(local.set $j (i32.add ${get("j")} ${i32(8)}))`,
    ]).map((l) => `  ${l}`),
    `  (if (i32.le_u (i32.add ${get("j")} ${i32(4)}) ${get("N")}) (then`,
    `    ${call(1)}`,
    `    (local.set $j (i32.add ${get("j")} ${i32(4)}))))`,
    ...loop("j1", `(i32.lt_u ${get("j")} ${get("N")})`, [
      call(0),
      `(local.set $j (i32.add ${get("j")} ${i32(1)}))`,
    ]).map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

function gemmNn(): string {
  const row = (R: number) =>
    `(call $nn_row${R} ${get("c")} ${get("a")} ${get("b")} ${get("N")} ${get("K")} ${get("sam")} ${
      get("sak")
    } ${get("ldb")} ${get("ldc")} ${get("alpha")} ${get("alphav")} ${get("accum")})`;
  const next = (R: number) => [
    `(local.set $c (i32.add ${get("c")} (i32.mul ${i32(R)} ${get("ldc")})))`,
    `(local.set $a (i32.add ${get("a")} (i32.mul ${i32(R)} ${get("sam")})))`,
    `(local.set $i (i32.add ${get("i")} ${i32(R)}))`,
  ];
  return [
    `;; C(M,N) = alpha·A·B, or C += alpha·A·B when accum is 1. A(i,p) is at a + (i·sam + p·sak);`,
    `;; B(p,j) at b + (p·ldb + j); C(i,j) at c + (i·ldc + j), all in floats.`,
    `(func (export "gemm_nn") (param $c i32) (param $a i32) (param $b i32) (param $M i32)`,
    `  (param $N i32) (param $K i32) (param $sam i32) (param $sak i32) (param $ldb i32)`,
    `  (param $ldc i32) (param $alpha f32) (param $accum i32)`,
    `  (local $i i32) (local $alphav v128)`,
    `  (local.set $alphav (f32x4.splat ${get("alpha")}))`,
    `  (local.set $sam (i32.shl ${get("sam")} ${i32(2)}))`,
    `  (local.set $sak (i32.shl ${get("sak")} ${i32(2)}))`,
    `  (local.set $ldb (i32.shl ${get("ldb")} ${i32(2)}))`,
    `  (local.set $ldc (i32.shl ${get("ldc")} ${i32(2)}))`,
    ...loop("i4", `(i32.le_u (i32.add ${get("i")} ${i32(4)}) ${get("M")})`, [row(4), ...next(4)])
      .map(
        (l) => `  ${l}`,
      ),
    ...loop("i1", `(i32.lt_u ${get("i")} ${get("M")})`, [row(1), ...next(1)]).map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

/**
 * gemm_nt tile of R rows of A by S rows of B: dot products over p, four at a time in vectors,
 * then a scalar tail, summed lanes (0+1)+(2+3) first.
 */
function ntTile(relaxed: boolean, R: number, S: number): string {
  const name = `$nt_${R}x${S}`;
  const rows = Array.from({ length: R }, (_, r) => r);
  const cols = Array.from({ length: S }, (_, s) => s);
  const locals: string[] = ["(local $p i32) (local $kv i32) (local $kb i32)"];
  for (const r of rows) locals.push(`(local $a${r} v128)`);
  for (const s of cols) locals.push(`(local $b${s} v128)`);
  for (const r of rows) {
    for (const s of cols) locals.push(`(local $c${r}_${s} v128) (local $t${r}_${s} f32)`);
  }
  const aRow = (
    r: number,
  ) => (r === 0 ? get("a") : add(get("a"), `(i32.mul ${i32(r)} ${get("lda")})`));
  const bRow = (
    s: number,
  ) => (s === 0 ? get("b") : add(get("b"), `(i32.mul ${i32(s)} ${get("ldb")})`));
  const vecStep: string[] = [];
  for (const r of rows) vecStep.push(`(local.set $a${r} (v128.load ${add(aRow(r), get("p"))}))`);
  for (const s of cols) vecStep.push(`(local.set $b${s} (v128.load ${add(bRow(s), get("p"))}))`);
  for (const r of rows) {
    for (const s of cols) {
      vecStep.push(
        `(local.set $c${r}_${s} ${madd(relaxed, get(`a${r}`), get(`b${s}`), get(`c${r}_${s}`))})`,
      );
    }
  }
  vecStep.push(`(local.set $p (i32.add ${get("p")} ${i32(16)}))`);
  const lanes = (v: string) =>
    `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
  const sums: string[] = [];
  for (const r of rows) {
    for (const s of cols) sums.push(`(local.set $t${r}_${s} ${lanes(get(`c${r}_${s}`))})`);
  }
  const tailStep: string[] = [];
  for (const r of rows) {
    for (const s of cols) {
      tailStep.push(
        `(local.set $t${r}_${s} (f32.add ${get(`t${r}_${s}`)} (f32.mul (f32.load ${
          add(aRow(r), get("p"))
        }) (f32.load ${add(bRow(s), get("p"))}))))`,
      );
    }
  }
  tailStep.push(`(local.set $p (i32.add ${get("p")} ${i32(4)}))`);
  const stores: string[] = [];
  for (const r of rows) {
    for (const s of cols) {
      const at = `(i32.add ${get("c")} (i32.add (i32.mul ${i32(r)} ${get("ldc")}) ${i32(4 * s)}))`;
      stores.push(...storeScalar(at, get(`t${r}_${s}`)));
    }
  }
  return [
    `(func ${name} (param $c i32) (param $a i32) (param $b i32) (param $K i32) (param $lda i32)`,
    `  (param $ldb i32) (param $ldc i32) (param $alpha f32) (param $accum i32)`,
    ...locals.map((l) => `  ${l}`),
    `  (local.set $kb (i32.shl ${get("K")} ${i32(2)}))`,
    `  (local.set $kv (i32.shl (i32.shr_u ${get("K")} ${i32(2)}) ${i32(4)}))`,
    ...loop("pv", `(i32.lt_u ${get("p")} ${get("kv")})`, vecStep).map((l) => `  ${l}`),
    ...sums.map((l) => `  ${l}`),
    ...loop("pt", `(i32.lt_u ${get("p")} ${get("kb")})`, tailStep).map((l) => `  ${l}`),
    ...stores.map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

function ntRow(R: number): string {
  const call = (S: number) =>
    `(call $nt_${R}x${S} (i32.add ${get("c")} (i32.shl ${get("j")} ${i32(2)})) ${
      get("a")
    } (i32.add ${get("b")} (i32.mul ${get("j")} ${get("ldb")})) ${get("K")} ${get("lda")} ${
      get("ldb")
    } ${get("ldc")} ${get("alpha")} ${get("accum")})`;
  return [
    `(func $nt_row${R} (param $c i32) (param $a i32) (param $b i32) (param $N i32) (param $K i32)`,
    `  (param $lda i32) (param $ldb i32) (param $ldc i32) (param $alpha f32) (param $accum i32)`,
    `  (local $j i32)`,
    ...loop("j4", `(i32.le_u (i32.add ${get("j")} ${i32(4)}) ${get("N")})`, [
      call(4),
      `(local.set $j (i32.add ${get("j")} ${i32(4)}))`,
    ]).map((l) => `  ${l}`),
    ...loop("j1", `(i32.lt_u ${get("j")} ${get("N")})`, [
      call(1),
      `(local.set $j (i32.add ${get("j")} ${i32(1)}))`,
    ]).map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

function gemmNt(): string {
  const row = (R: number) =>
    `(call $nt_row${R} ${get("c")} ${get("a")} ${get("b")} ${get("N")} ${get("K")} ${get("lda")} ${
      get("ldb")
    } ${get("ldc")} ${get("alpha")} ${get("accum")})`;
  const next = (R: number) => [
    `(local.set $c (i32.add ${get("c")} (i32.mul ${i32(R)} ${get("ldc")})))`,
    `(local.set $a (i32.add ${get("a")} (i32.mul ${i32(R)} ${get("lda")})))`,
    `(local.set $i (i32.add ${get("i")} ${i32(R)}))`,
  ];
  return [
    `;; C(M,N) = alpha·A·B^T, or C += alpha·A·B^T when accum is 1: C(i,j) = Σ_p A(i,p)·B(j,p),`,
    `;; with A(i,p) at a + (i·lda + p), B(j,p) at b + (j·ldb + p), C(i,j) at c + (i·ldc + j).`,
    `(func (export "gemm_nt") (param $c i32) (param $a i32) (param $b i32) (param $M i32)`,
    `  (param $N i32) (param $K i32) (param $lda i32) (param $ldb i32) (param $ldc i32)`,
    `  (param $alpha f32) (param $accum i32)`,
    `  (local $i i32)`,
    `  (local.set $lda (i32.shl ${get("lda")} ${i32(2)}))`,
    `  (local.set $ldb (i32.shl ${get("ldb")} ${i32(2)}))`,
    `  (local.set $ldc (i32.shl ${get("ldc")} ${i32(2)}))`,
    ...loop("i2", `(i32.le_u (i32.add ${get("i")} ${i32(2)}) ${get("M")})`, [row(2), ...next(2)])
      .map(
        (l) => `  ${l}`,
      ),
    ...loop("i1", `(i32.lt_u ${get("i")} ${get("M")})`, [row(1), ...next(1)]).map((l) => `  ${l}`),
    `)`,
  ].join("\n");
}

/** `scale`: L2 weight decay. */
function vectorOps(): string {
  return `;; L2 weight decay: p[0..n) *= factor.
(func (export "scale") (param $p i32) (param $n i32) (param $factor f32)
  (local $fv v128) (local $i i32) (local $end i32)
  (local.set $fv (f32x4.splat (local.get $factor)))
  (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
${
    loop("v", `(i32.lt_u (local.get $i) (local.get $end))`, [
      `(v128.store (i32.add (local.get $p) (local.get $i)) (f32x4.mul (local.get $fv) (v128.load (i32.add (local.get $p) (local.get $i)))))`,
      `(local.set $i (i32.add (local.get $i) (i32.const 16)))`,
    ]).map((l) => `  ${l}`).join("\n")
  }
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
${
    loop("t", `(i32.lt_u (local.get $i) (local.get $end))`, [
      `(f32.store (i32.add (local.get $p) (local.get $i)) (f32.mul (local.get $factor) (f32.load (i32.add (local.get $p) (local.get $i)))))`,
      `(local.set $i (i32.add (local.get $i) (i32.const 4)))`,
    ]).map((l) => `  ${l}`).join("\n")
  }
)`;
}

/** The whole module's text; `relaxed` chooses fused multiply-add. */
export function kernelsWat(relaxed: boolean): string {
  const parts = [
    `;; netsweep's kernels (${relaxed ? "relaxed SIMD: fused multiply-add" : "plain SIMD"}).`,
    `;; Generated by src/model/wasm/kernels_wat.ts (deno task build:wasm). Do not edit.`,
    `(module`,
    `(import "env" "memory" (memory 1 65536 shared))`,
    sparseWat(relaxed),
    vectorOps(),
    nnTile(relaxed, 4, 2),
    nnTile(relaxed, 4, 1),
    nnTile(relaxed, 4, 0),
    nnTile(relaxed, 1, 2),
    nnTile(relaxed, 1, 1),
    nnTile(relaxed, 1, 0),
    nnRow(4),
    nnRow(1),
    gemmNn(),
    ntTile(relaxed, 2, 4),
    ntTile(relaxed, 2, 1),
    ntTile(relaxed, 1, 4),
    ntTile(relaxed, 1, 1),
    ntRow(2),
    ntRow(1),
    gemmNt(),
    elementwiseWat(),
    convWat(),
    poolWat(),
    optimizerWat(),
    `)`,
  ];
  return parts.join("\n\n") + "\n";
}
