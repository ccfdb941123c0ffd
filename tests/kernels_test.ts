// Every WebAssembly kernel against its plain TypeScript reference in float64
// (tests/_kernels_reference.ts), over random shapes, strides, scales and flags: sizes that hit
// every vector body and scalar tail of the register-blocked GEMMs, strided and transposed
// operands, accumulate or overwrite. A kernel change that breaks any shape fails here.
import { assert, assertEquals } from "./_assert.ts";
import * as ref from "./_kernels_reference.ts";
import { Rng, WasmArena } from "../mod.ts";

const CASES = 60;

/** A float32 array in the arena holding `values`. */
function put(arena: WasmArena, values: number[]): Float32Array {
  const a = arena.float32(Math.max(1, values.length));
  a.set(values);
  return a;
}

function randoms(rng: Rng, n: number, zeros = 0): number[] {
  return Array.from({ length: n }, () => (rng.nextFloat() < zeros ? 0 : rng.gaussian()));
}

/** Asserts `got` (float32) is `want` (float64) to float32 rounding of sums of `scale`. */
function near(what: string, got: ArrayLike<number>, want: number[], scale: number[], k = 1) {
  for (let i = 0; i < want.length; i++) {
    const tol = (k + 2) * 1.2e-7 * scale[i] + 1e-30;
    assert(
      Math.abs(got[i] - want[i]) <= tol,
      `${what}: [${i}] is ${got[i]}, the reference ${want[i]} (tolerance ${tol})`,
    );
  }
}

const abs = (xs: number[]) => xs.map(Math.abs);

/** `values` in the arena followed by four guard values; `intact()`: are the guards untouched? */
function guarded(arena: WasmArena, values: number[]): { a: Float32Array; intact: () => boolean } {
  const all = put(arena, [...values, 7.25, -3.5, 1048576, 42]);
  return {
    a: all.subarray(0, values.length),
    intact: () => all.subarray(values.length).join() === "7.25,-3.5,1048576,42",
  };
}

Deno.test("the GEMM kernels match the reference over random shapes, strides and flags", () => {
  const rng = new Rng(101);
  for (let n = 0; n < CASES; n++) {
    const arena = new WasmArena(1 << 24);
    const k = arena.kernels;
    const [M, N, K] = [1 + rng.nextInt(19), 1 + rng.nextInt(41), 1 + rng.nextInt(37)];
    const alpha = [1, -0.5, 0.125, 3][rng.nextInt(4)];
    const accum = rng.nextInt(2) === 1;
    const transposedA = rng.nextInt(2) === 1; // A read column-wise, as x^T in a weight gradient
    const lda = K + rng.nextInt(3);
    const ldb = N + rng.nextInt(3);
    const ldc = N + rng.nextInt(3);
    const a = randoms(rng, transposedA ? K * (M + 2) : M * lda, 0.2);
    const b = randoms(rng, K * ldb);
    const c = randoms(rng, M * ldc);
    const [sam, sak] = transposedA ? [1, M + 2] : [lda, 1];
    const want = ref.gemmNN(c, a, b, M, N, K, sam, sak, ldb, ldc, alpha, accum);
    const scale = ref.gemmNN(
      abs(c),
      abs(a),
      abs(b),
      M,
      N,
      K,
      sam,
      sak,
      ldb,
      ldc,
      Math.abs(alpha),
      accum,
    );
    const C = put(arena, c);
    k.gemm_nn(
      C.byteOffset,
      put(arena, a).byteOffset,
      put(arena, b).byteOffset,
      M,
      N,
      K,
      sam,
      sak,
      ldb,
      ldc,
      alpha,
      accum ? 1 : 0,
    );
    near(`gemm_nn ${M}x${N}x${K} sam ${sam} sak ${sak} accum ${accum}`, C, want, scale, K);

    // C = alpha·A·B^T with B (N, K).
    const bt = randoms(rng, N * lda);
    const an = randoms(rng, M * lda);
    const want2 = ref.gemmNT(c, an, bt, M, N, K, lda, lda, ldc, alpha, accum);
    const scale2 = ref.gemmNT(
      abs(c),
      abs(an),
      abs(bt),
      M,
      N,
      K,
      lda,
      lda,
      ldc,
      Math.abs(alpha),
      accum,
    );
    const C2 = put(arena, c);
    k.gemm_nt(
      C2.byteOffset,
      put(arena, an).byteOffset,
      put(arena, bt).byteOffset,
      M,
      N,
      K,
      lda,
      lda,
      ldc,
      alpha,
      accum ? 1 : 0,
    );
    near(`gemm_nt ${M}x${N}x${K} accum ${accum}`, C2, want2, scale2, K);
    arena.recycle();
  }
});

Deno.test("the sparse input kernels match the reference over random widths and pixel lists", () => {
  const rng = new Rng(202);
  for (let n = 0; n < CASES; n++) {
    const arena = new WasmArena(1 << 22);
    const k = arena.kernels;
    const rows = 1 + rng.nextInt(50);
    const nOut = 1 + rng.nextInt(70);
    const count = rng.nextInt(rows + 1);
    const idx = Array.from({ length: count }, () => rng.nextInt(rows));
    const val = randoms(rng, count);
    const w = randoms(rng, rows * nOut);
    const z = randoms(rng, nOut);
    const I = arena.uint16(Math.max(1, count));
    I.set(idx);
    const Z = put(arena, z);
    const W = put(arena, w);
    const V = put(arena, val);
    k.sparse_forward(Z.byteOffset, W.byteOffset, nOut, I.byteOffset, V.byteOffset, count);
    const scale = ref.sparseForward(abs(z), abs(w), nOut, idx, abs(val));
    near(
      `sparse_forward ${nOut} outputs, ${count} pixels`,
      Z,
      ref.sparseForward(z, w, nOut, idx, val),
      scale,
      count,
    );
    const delta = randoms(rng, nOut);
    const step = -0.3;
    const D = put(arena, delta);
    k.sparse_update(W.byteOffset, nOut, I.byteOffset, V.byteOffset, count, D.byteOffset, step);
    const want = ref.sparseUpdate(w, nOut, idx, val, delta, step);
    const scale2 = ref.sparseUpdate(abs(w), nOut, idx, abs(val), abs(delta), 0.3);
    near(`sparse_update ${nOut} outputs`, W, want, scale2, count);
    arena.recycle();
  }
});

Deno.test("the coded sparse kernels give the value kernels' numbers, bit for bit", () => {
  const rng = new Rng(505);
  for (let n = 0; n < CASES; n++) {
    const arena = new WasmArena(1 << 22);
    const k = arena.kernels;
    const rows = 1 + rng.nextInt(50);
    const nOut = 1 + rng.nextInt(70);
    const count = rng.nextInt(rows + 1);
    const table = randoms(rng, 1 + rng.nextInt(256));
    const codes = Array.from({ length: count }, () => rng.nextInt(table.length));
    const idx = Array.from({ length: count }, () => rng.nextInt(rows));
    const I = arena.uint16(Math.max(1, count));
    I.set(idx);
    const C = arena.scratch8(Math.max(1, count));
    C.set(codes);
    const T = put(arena, table);
    const V = put(arena, codes.map((c) => T[c]));
    const w = randoms(rng, rows * nOut);
    const z = randoms(rng, nOut);
    const [Z1, W1] = [put(arena, z), put(arena, w)];
    const [z2, w2] = [guarded(arena, z), guarded(arena, w)];
    const [Z2, W2] = [z2.a, w2.a];
    k.sparse_forward(Z1.byteOffset, W1.byteOffset, nOut, I.byteOffset, V.byteOffset, count);
    k.sparse_forward_coded(
      Z2.byteOffset,
      W2.byteOffset,
      nOut,
      I.byteOffset,
      C.byteOffset,
      T.byteOffset,
      count,
    );
    assertEquals([...Z2], [...Z1], `sparse_forward_coded: ${nOut} outputs, ${count} pixels`);
    const D = put(arena, randoms(rng, nOut));
    k.sparse_update(W1.byteOffset, nOut, I.byteOffset, V.byteOffset, count, D.byteOffset, -0.3);
    k.sparse_update_coded(
      W2.byteOffset,
      nOut,
      I.byteOffset,
      C.byteOffset,
      T.byteOffset,
      count,
      D.byteOffset,
      -0.3,
    );
    assertEquals([...W2], [...W1], `sparse_update_coded: ${nOut} outputs, ${count} pixels`);
    assert(
      z2.intact() && w2.intact(),
      `the coded kernels wrote past their arrays (${nOut} outputs)`,
    );
    arena.recycle();
  }
});

Deno.test("activations, their derivatives, scale and Adam match the reference", () => {
  const rng = new Rng(303);
  for (let n = 0; n < CASES; n++) {
    const arena = new WasmArena(1 << 20);
    const k = arena.kernels;
    const planes = 1 + rng.nextInt(5);
    const per = 1 + rng.nextInt(23);
    const z = randoms(rng, planes * per).map((v) => 4 * v);
    const bias = rng.nextInt(2) ? randoms(rng, planes) : null;
    for (const f of ["sigmoid", "relu"] as const) {
      const Z = put(arena, z);
      const A = arena.float32(z.length);
      const B = bias ? put(arena, bias) : null;
      (f === "sigmoid" ? k.act_sigmoid : k.act_relu)(
        Z.byteOffset,
        A.byteOffset,
        planes,
        per,
        B ? B.byteOffset : 0,
      );
      const want = ref.activate(f, z, planes, per, bias);
      near(`act_${f}`, A, want, want.map((v) => 8 * Math.max(1, Math.abs(v))));
      const delta = randoms(rng, z.length);
      const D = put(arena, delta);
      (f === "sigmoid" ? k.back_sigmoid : k.back_relu)(A.byteOffset, D.byteOffset, z.length);
      const back = ref.derive(f, [...A], delta);
      near(`back_${f}`, D, back, back.map((v) => 4 * Math.abs(v)));
    }
    const p = randoms(rng, per * planes);
    const P = put(arena, p);
    k.scale(P.byteOffset, p.length, 0.75);
    near("scale", P, p.map((v) => v * 0.75), abs(p));
    const [w, g, m, v] = [
      randoms(rng, p.length),
      randoms(rng, p.length),
      randoms(rng, p.length),
      randoms(rng, p.length).map((x) => x * x),
    ];
    const [W, G, Mm, V] = [put(arena, w), put(arena, g), put(arena, m), put(arena, v)];
    k.adam(
      W.byteOffset,
      G.byteOffset,
      Mm.byteOffset,
      V.byteOffset,
      p.length,
      0.01,
      0.1,
      0.001,
      1e-7,
    );
    const want = ref.adam(w, g, m, v, 0.01, 0.1, 0.001, 1e-7);
    near("adam m", Mm, want.m, want.m.map((x, i) => 2 * (Math.abs(x) + Math.abs(g[i]))));
    near("adam v", V, want.v, want.v.map((x, i) => 2 * (Math.abs(x) + g[i] * g[i])));
    near("adam w", W, want.w, want.w.map((x) => 8 * Math.max(1, Math.abs(x))));
    arena.recycle();
  }
});

Deno.test("the bias kernels give the numbers of the JavaScript loops they replace, bit for bit", () => {
  const rng = new Rng(404);
  for (let c = 0; c < CASES; c++) {
    const arena = new WasmArena(1 << 20);
    const k = arena.kernels;
    const m = 1 + rng.nextInt(13);
    const n = 1 + rng.nextInt(37); // odd and even widths: the two-at-a-time body and its tail
    const b = randoms(rng, n);
    const bias = guarded(arena, b);
    const B = bias.a;
    const z = guarded(arena, randoms(rng, m * n));
    const Z = z.a;
    k.fill_rows(Z.byteOffset, B.byteOffset, m, n);
    for (let i = 0; i < m * n; i++) {
      assert(Z[i] === B[i % n], `fill_rows m=${m} n=${n}: [${i}] is ${Z[i]}, not ${B[i % n]}`);
    }
    // Tiny, huge and mixed-sign δ with an awkward step: any float32 product or sum, or another
    // order, would round differently from JavaScript's float64 arithmetic somewhere here.
    const d = randoms(rng, m * n).map((v, i) => v * 10 ** ((i % 9) - 4));
    const D = put(arena, d);
    const step = -(0.1 + rng.nextFloat()) / m;
    const want = Float32Array.from(B);
    for (let e = 0; e < m; e++) for (let j = 0; j < n; j++) want[j] += step * D[e * n + j];
    k.add_rows(B.byteOffset, D.byteOffset, m, n, step);
    for (let j = 0; j < n; j++) {
      assert(B[j] === want[j], `add_rows m=${m} n=${n}: b[${j}] is ${B[j]}, the loop's ${want[j]}`);
    }
    assert(z.intact() && bias.intact(), `fill_rows or add_rows wrote past its array (n=${n})`);
    arena.recycle();
  }
});

Deno.test("pooling and the im2col copies match the reference over random maps", () => {
  const rng = new Rng(404);
  for (let n = 0; n < CASES; n++) {
    const arena = new WasmArena(1 << 22);
    const k = arena.kernels;
    const s = 1 + rng.nextInt(3);
    // Non-overlapping windows (the books'), overlapping ones and gaps between windows.
    const stride = [s, s, 1, s + 1][rng.nextInt(4)];
    const planes = 1 + rng.nextInt(3);
    const [oh, ow] = [1 + rng.nextInt(6), (1 + rng.nextInt(6)) * (rng.nextInt(2) ? 2 : 1)];
    const [h, w] = [(oh - 1) * stride + s, (ow - 1) * stride + s];
    // Ties in some windows: the first largest takes the gradient.
    const src = randoms(rng, planes * h * w).map((v) => Math.round(v * 2) / 2);
    const S = put(arena, src);
    const pooled = arena.float32(planes * oh * ow);
    const shape = `${h}x${w}/${s} stride ${stride}`;
    k.maxpool(S.byteOffset, pooled.byteOffset, planes, h, w, s, stride);
    near(
      `maxpool ${shape}`,
      pooled,
      ref.maxpool(src, planes, h, w, s, stride),
      Array(pooled.length).fill(1),
    );
    const delta = randoms(rng, pooled.length);
    const D = put(arena, delta);
    const back = arena.float32(src.length);
    back.fill(NaN); // every input is written, covered by a window or not
    k.maxpool_back(
      S.byteOffset,
      pooled.byteOffset,
      D.byteOffset,
      back.byteOffset,
      planes,
      h,
      w,
      s,
      stride,
    );
    const want = ref.maxpoolBack(src, delta, planes, h, w, s, stride);
    near(`maxpool_back ${shape}`, back, want, Array(src.length).fill(4));
    if (s === 2 && stride === 2 && w % 4 === 0) {
      const back2 = arena.float32(src.length);
      k.maxpool2_back(
        S.byteOffset,
        pooled.byteOffset,
        D.byteOffset,
        back2.byteOffset,
        planes,
        h,
        w,
      );
      near(`maxpool2_back ${h}x${w}`, back2, want, Array(src.length).fill(1));
    }
    const C = 1 + rng.nextInt(3);
    const ks = 1 + rng.nextInt(4);
    const pad = rng.nextInt(ks); // pad < kernel, as the planner requires
    const cs = 1 + rng.nextInt(3);
    const [coh, cow] = [1 + rng.nextInt(6), 1 + rng.nextInt(6)];
    // Sizes that the filter tiles exactly at this stride (the planner refuses the others).
    const [H, W] = [(coh - 1) * cs + ks - 2 * pad, (cow - 1) * cs + ks - 2 * pad];
    if (H < 1 || W < 1 || ks > H + 2 * pad) {
      arena.recycle();
      continue;
    }
    const conv = `${C}x${H}x${W} k ${ks} pad ${pad} stride ${cs}`;
    const img = randoms(rng, C * H * W);
    const cols = ref.im2col(img, C, H, W, ks, pad, cs);
    const Img = put(arena, img);
    const Col = arena.float32(cols.length);
    Col.fill(NaN); // the padding's zeros are written, not assumed
    k.im2col(Img.byteOffset, C, H, W, ks, pad, cs, Col.byteOffset);
    near(`im2col ${conv}`, Col, cols, Array(cols.length).fill(1));
    const base = randoms(rng, img.length);
    const added = ref.col2im(base, cols, C, H, W, ks, pad, cs);
    const Base = put(arena, base);
    k.col2im(Base.byteOffset, C, H, W, ks, pad, cs, Col.byteOffset);
    near(
      `col2im ${conv}`,
      Base,
      added,
      added.map((_, i) => ks * ks * C * (Math.abs(base[i]) + 4)),
    );
    arena.recycle();
  }
});
