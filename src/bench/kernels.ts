// Kernel rates beside the machine's WebAssembly SIMD peak: how far each kernel is from the
// limit. The peak is measured, not quoted: a loop of independent fused multiply-adds on f32x4
// registers (as many chains as hide the instruction's latency), built here with wabt.
import wabtInit from "npm:wabt@1.0.37";
import { WasmArena } from "../model/mod.ts";
import { median } from "./_stats.ts";

const CHAINS = 12;

/** The peak module's text: `peak(n)` runs n rounds of CHAINS independent f32x4 multiply-adds. */
function peakWat(relaxed: boolean): string {
  const regs = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(" ");
  const step = Array.from(
    { length: CHAINS },
    (_, i) =>
      relaxed
        ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $a${i}) (local.get $m) (local.get $c)))`
        : `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $m)) (local.get $c)))`,
  ).join("\n      ");
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => `(local.get $a${i + 1})`)
    .reduce((acc, r) => `(f32x4.add ${acc} ${r})`, "(local.get $a0)");
  return `(module
  (func (export "peak") (param $n i32) (result f32) ${regs} (local $m v128) (local $c v128)
    (local.set $m (v128.const f32x4 0.999 0.999 0.999 0.999))
    (local.set $c (v128.const f32x4 0.001 0.001 0.001 0.001))
    (loop $l
      ${step}
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 ${sum})))`;
}

/** The machine's measured peak in GMAC/s (one f32 multiply-add = one MAC), one thread. */
export async function simdPeak(relaxed = true): Promise<number> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("peak.wat", peakWat(relaxed), { simd: true, relaxed_simd: true });
  const bytes = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const peak = exports.peak as (n: number) => number;
  const rounds = 20_000_000;
  peak(1000);
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    peak(rounds);
    times.push((performance.now() - t) / 1000);
  }
  return (rounds * CHAINS * 4) / median(times) / 1e9;
}

interface GemmCase {
  name: string;
  /** C:(M,N) = A:(M,K)·B, with A read at strides (sam, sak): nn; or A·Bᵀ: nt. */
  kind: "nn" | "nt";
  M: number;
  N: number;
  K: number;
  /** A read column-wise (the weight gradient's xᵀ). */
  transposedA?: boolean;
}

// The shapes that dominate the books' larger networks.
const GEMMS: GemmCase[] = [
  { name: "deep net forward 128x784 · 784x100", kind: "nn", M: 128, N: 100, K: 784 },
  { name: "deep net hidden forward 128x100 · 100x100", kind: "nn", M: 128, N: 100, K: 100 },
  {
    name: "deep net weight gradient xᵀδ 784x128 · 128x100",
    kind: "nn",
    M: 784,
    N: 100,
    K: 128,
    transposedA: true,
  },
  { name: "deep net δ·w 128x100 · (784x100)ᵀ", kind: "nt", M: 128, N: 784, K: 100 },
  { name: "conv forward 20x25 · 25x576 (per image)", kind: "nn", M: 20, N: 576, K: 25 },
  { name: "chapter 1 forward 10x784 · 784x30 (dense input)", kind: "nn", M: 10, N: 30, K: 784 },
];

function gemmRate(arena: WasmArena, c: GemmCase): number {
  const k = arena.kernels;
  const a = arena.float32(c.M * c.K);
  const b = arena.float32(c.K * c.N);
  const out = arena.float32(c.M * c.N);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 104729) % 1000) / 1000 - 0.5;
  const call = () => {
    if (c.kind === "nt") {
      // b holds Bᵀ:(N,K)
      k.gemm_nt(out.byteOffset, a.byteOffset, b.byteOffset, c.M, c.N, c.K, c.K, c.K, c.N, 1, 0);
    } else if (c.transposedA) {
      // A is stored (K,M) and read column-wise, as the weight gradient reads x
      k.gemm_nn(out.byteOffset, a.byteOffset, b.byteOffset, c.M, c.N, c.K, 1, c.M, c.N, c.N, 1, 0);
    } else {
      k.gemm_nn(out.byteOffset, a.byteOffset, b.byteOffset, c.M, c.N, c.K, c.K, 1, c.N, c.N, 1, 0);
    }
  };
  const macs = c.M * c.N * c.K;
  const reps = Math.max(1, Math.round(2e8 / macs));
  for (let i = 0; i < 3; i++) call();
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) call();
    times.push((performance.now() - t) / 1000);
  }
  return (macs * reps) / median(times) / 1e9;
}

/** Prints the measured peak and each GEMM shape's rate as a share of it. */
export async function benchKernels(): Promise<void> {
  const peak = await simdPeak(true);
  const plainPeak = await simdPeak(false);
  console.log(
    `\nKernels, one thread: WebAssembly SIMD peak ${
      peak.toFixed(1)
    } GMAC/s with fused multiply-add (${
      plainPeak.toFixed(1)
    } with multiply, then add), measured by ${CHAINS} independent f32x4 chains`,
  );
  console.log("kernel                                               GMAC/s  of peak");
  const arena = new WasmArena(256 * 2 ** 20);
  for (const c of GEMMS) {
    const rate = gemmRate(arena, c);
    console.log(
      `${c.name.padEnd(52)} ${rate.toFixed(1).padStart(6)} ${
        (100 * rate / peak).toFixed(0).padStart(7)
      }%`,
    );
  }
}
