// Element-wise kernels of the layers, four floats at a time: activations (with an optional
// bias per plane, so a conv layer adds its per-map bias in the same pass) and their
// derivatives from the activations (pooling and im2col are conv_wat.ts's). Part of the module
// that kernels_wat.ts generates.
//
//   act_sigmoid, act_relu    a = f(z + b[plane]) over `planes` planes of `per` values; b = 0
//                            reads address 0, which the arena keeps zero: no bias
//   back_sigmoid, back_relu  δ *= f'(z), from a: σ' = a(1 - a), relu' = [a > 0]; tiny
//                            products flushed to zero (WebAssembly has no flush-to-zero mode)
//   fill_rows                z[e, :] = b for each of m rows (a dense layer's z starts at b)
//   add_rows                 b += step·δ[e, :] row after row, in float64 rounded to float32
//                            after each row: the plain SGD step of the biases, with the
//                            numbers of the JavaScript loop it replaces

// Cephes' expf: e^x = 2^n · e^r with n = round(x·log2 e), r = x - n·ln 2 (in two parts), and a
// degree-6 polynomial for e^r; |error| about 1 ulp over [-87, 88].
const EXP = `
(func $exp4 (param $x v128) (result v128)
  (local $n v128) (local $r v128) (local $y v128)
  (local.set $x (f32x4.min (f32x4.max (local.get $x) (f32x4.splat (f32.const -87.3))) (f32x4.splat (f32.const 88.7))))
  (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
  (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
  (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
  (local.set $y (f32x4.splat (f32.const 1.9875691500e-4)))
  (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
  (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
  (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
  (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
  (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
  (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
    (f32x4.splat (f32.const 1))))
  ;; 2^n: n + 127 in the exponent bits
  (f32x4.mul (local.get $y)
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
`;

/** a = f(z + b[plane]) for one activation whose vector form is `vec` and scalar form `scalar`. */
function activation(
  name: string,
  vec: (z: string) => string,
  scalar: (z: string) => string,
): string {
  return `
(func (export "${name}") (param $z i32) (param $a i32) (param $planes i32) (param $per i32) (param $b i32)
  (local $p i32) (local $i i32) (local $end i32) (local $bias f32) (local $bv v128)
  (block $pdone (loop $plane
    (br_if $pdone (i32.ge_u (local.get $p) (local.get $planes)))
    (local.set $bias (f32.load (i32.add (local.get $b) (i32.shl (local.get $p) (i32.const 2)))))
    (if (i32.eqz (local.get $b)) (then (local.set $bias (f32.const 0))))
    (local.set $bv (f32x4.splat (local.get $bias)))
    (local.set $i (i32.const 0))
    (local.set $end (i32.and (local.get $per) (i32.const -4)))
    (block $vdone (loop $v
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))
        ${
    vec(
      `(f32x4.add (v128.load (i32.add (local.get $z) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bv))`,
    )
  })
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $v)))
    (block $tdone (loop $t
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $per)))
      (f32.store (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))
        ${
    scalar(
      `(f32.add (f32.load (i32.add (local.get $z) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bias))`,
    )
  })
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $t)))
    (local.set $z (i32.add (local.get $z) (i32.shl (local.get $per) (i32.const 2))))
    (local.set $a (i32.add (local.get $a) (i32.shl (local.get $per) (i32.const 2))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (br $plane)))
)`;
}

/** δ *= f'(·) computed from a, with the flush of tiny values. */
function derivative(
  name: string,
  vec: (a: string, d: string) => string,
  scalar: (a: string, d: string) => string,
): string {
  const flushV = (v: string) =>
    `(v128.andnot ${v} (f32x4.lt (f32x4.abs ${v}) (f32x4.splat (f32.const 1e-30))))`;
  return `
(func (export "${name}") (param $a i32) (param $d i32) (param $n i32)
  (local $i i32) (local $end i32) (local $v v128) (local $s f32)
  (local.set $end (i32.and (local.get $n) (i32.const -4)))
  (block $vdone (loop $vl
    (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
    (local.set $v ${
    vec(
      `(v128.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))`,
      `(v128.load (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2))))`,
    )
  })
    (v128.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2))) ${
    flushV("(local.get $v)")
  })
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $vl)))
  (block $tdone (loop $tl
    (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $s ${
    scalar(
      `(f32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))`,
      `(f32.load (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2))))`,
    )
  })
    (if (f32.lt (f32.abs (local.get $s)) (f32.const 1e-30)) (then (local.set $s (f32.const 0))))
    (f32.store (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $tl)))
)`;
}

// Rows of n floats from b into z, m times: four at a time, then one.
const FILL_ROWS = `
(func (export "fill_rows") (param $z i32) (param $b i32) (param $m i32) (param $n i32)
  (local $e i32) (local $i i32) (local $end i32)
  (local.set $end (i32.and (local.get $n) (i32.const -4)))
  (block $edone (loop $row
    (br_if $edone (i32.ge_u (local.get $e) (local.get $m)))
    (local.set $i (i32.const 0))
    (block $vdone (loop $v
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $z) (i32.shl (local.get $i) (i32.const 2)))
        (v128.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $v)))
    (block $tdone (loop $t
      (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $z) (i32.shl (local.get $i) (i32.const 2)))
        (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $t)))
    (local.set $z (i32.add (local.get $z) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $e (i32.add (local.get $e) (i32.const 1)))
    (br $row)))
)`;

// b[j] = f32(b[j] + step·δ[e, j]) for e = 0..m in order: two floats at a time widened to
// float64, as JavaScript computes \`b[j] += step * d[off + j]\` on a Float32Array.
const ADD_ROWS = `
(func (export "add_rows") (param $b i32) (param $d i32) (param $m i32) (param $n i32) (param $step f64)
  (local $e i32) (local $i i32) (local $end i32) (local $sv v128) (local $p i32) (local $q i32)
  (local.set $sv (f64x2.splat (local.get $step)))
  (local.set $end (i32.and (local.get $n) (i32.const -2)))
  (block $edone (loop $row
    (br_if $edone (i32.ge_u (local.get $e) (local.get $m)))
    (local.set $i (i32.const 0))
    (block $vdone (loop $v
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $p (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $q (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2))))
      (v128.store64_lane 0 (local.get $p)
        (f32x4.demote_f64x2_zero (f64x2.add
          (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p)))
          (f64x2.mul (local.get $sv) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $q)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $v)))
    (if (i32.lt_u (local.get $i) (local.get $n)) (then
      (local.set $p (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))
      (f32.store (local.get $p) (f32.demote_f64 (f64.add
        (f64.promote_f32 (f32.load (local.get $p)))
        (f64.mul (local.get $step)
          (f64.promote_f32 (f32.load (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 2)))))))))))
    (local.set $d (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $e (i32.add (local.get $e) (i32.const 1)))
    (br $row)))
)`;

/** The element-wise part of the kernels' module. */
export function elementwiseWat(): string {
  const one = `(f32x4.splat (f32.const 1))`;
  return [
    EXP,
    FILL_ROWS,
    ADD_ROWS,
    activation(
      "act_sigmoid",
      (z) => `(f32x4.div ${one} (f32x4.add ${one} (call $exp4 (f32x4.neg ${z}))))`,
      (z) =>
        `(f32x4.extract_lane 0 (f32x4.div ${one} (f32x4.add ${one} (call $exp4 (f32x4.neg (f32x4.splat ${z}))))))`,
    ),
    activation(
      "act_relu",
      (z) => `(f32x4.max ${z} (f32x4.splat (f32.const 0)))`,
      (z) => `(f32.max ${z} (f32.const 0))`,
    ),
    derivative(
      "back_sigmoid",
      (a, d) => `(f32x4.mul ${d} (f32x4.mul ${a} (f32x4.sub ${one} ${a})))`,
      (a, d) => `(f32.mul ${d} (f32.mul ${a} (f32.sub (f32.const 1) ${a})))`,
    ),
    derivative(
      "back_relu",
      (a, d) => `(v128.and ${d} (f32x4.gt ${a} (f32x4.splat (f32.const 0))))`,
      (a, d) => `(select ${d} (f32.const 0) (f32.gt ${a} (f32.const 0)))`,
    ),
  ].join("\n");
}
