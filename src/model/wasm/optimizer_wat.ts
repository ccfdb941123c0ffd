// The WebAssembly text of the optimisers' element-wise steps (see kernels_wat.ts, which puts it
// into the module). Adam's square root and division cost most of its step in scalar code; four
// lanes at a time they cost a quarter. Plain SIMD in both builds (no fused multiply-add), so
// both give the same numbers.
//
//   adam   m' = m + c1·(g - m), v' = v + c2·(g² - v), w' = w - etaT·m'/(√v' + eps)

const get = (name: string) => `(local.get $${name})`;
const at = (base: string) => `(i32.add ${get(base)} ${get("i")})`;

/** One element (f32) or four (f32x4) of Adam's step, at byte offset $i. */
function adamBody(t: "f32" | "f32x4"): string[] {
  const load = t === "f32" ? "f32.load" : "v128.load";
  const store = t === "f32" ? "f32.store" : "v128.store";
  const [c1, c2, etaT, eps] = t === "f32"
    ? [get("c1"), get("c2"), get("etaT"), get("eps")]
    : [get("c1v"), get("c2v"), get("etaTv"), get("epsv")];
  const g = `(${load} ${at("g")})`;
  return [
    `(local.set $${t === "f32" ? "gs" : "gv"} ${g})`,
    `(local.set $${t === "f32" ? "ms" : "mv"} (${t}.add (${load} ${
      at("m")
    }) (${t}.mul ${c1} (${t}.sub ${get(t === "f32" ? "gs" : "gv")} (${load} ${at("m")})))))`,
    `(local.set $${t === "f32" ? "vs" : "vv"} (${t}.add (${load} ${
      at("v")
    }) (${t}.mul ${c2} (${t}.sub (${t}.mul ${get(t === "f32" ? "gs" : "gv")} ${
      get(t === "f32" ? "gs" : "gv")
    }) (${load} ${at("v")})))))`,
    `(${store} ${at("m")} ${get(t === "f32" ? "ms" : "mv")})`,
    `(${store} ${at("v")} ${get(t === "f32" ? "vs" : "vv")})`,
    `(${store} ${at("w")} (${t}.sub (${load} ${at("w")}) (${t}.div (${t}.mul ${etaT} ${
      get(t === "f32" ? "ms" : "mv")
    }) (${t}.add (${t}.sqrt ${get(t === "f32" ? "vs" : "vv")}) ${eps}))))`,
  ];
}

/** `adam(w, g, m, v, n, etaT, c1, c2, eps)`: Saito's Adam step over n values. */
export function optimizerWat(): string {
  const indent = (lines: string[]) => lines.map((l) => `    ${l}`).join("\n");
  return `;; Adam (Saito's optimizer.py, bias correction folded into etaT): four lanes, then the tail.
(func (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
  (param $etaT f32) (param $c1 f32) (param $c2 f32) (param $eps f32)
  (local $i i32) (local $end i32)
  (local $gv v128) (local $mv v128) (local $vv v128)
  (local $c1v v128) (local $c2v v128) (local $etaTv v128) (local $epsv v128)
  (local $gs f32) (local $ms f32) (local $vs f32)
  (local.set $c1v (f32x4.splat (local.get $c1)))
  (local.set $c2v (f32x4.splat (local.get $c2)))
  (local.set $etaTv (f32x4.splat (local.get $etaT)))
  (local.set $epsv (f32x4.splat (local.get $eps)))
  (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
  (block $v_done (loop $v
    (br_if $v_done (i32.eqz (i32.lt_u (local.get $i) (local.get $end))))
${indent(adamBody("f32x4"))}
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $v)))
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (block $t_done (loop $t
    (br_if $t_done (i32.eqz (i32.lt_u (local.get $i) (local.get $end))))
${indent(adamBody("f32"))}
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $t)))
)`;
}
