// Element-wise kernels of the layers, four floats at a time: activations (with an optional
// bias per plane, so a conv layer adds its per-map bias in the same pass), their derivatives
// from the activations, max-pooling, and the im2col/col2im copies of a convolution. Part of
// the module that kernels_wat.ts generates.
//
//   act_sigmoid, act_relu    a = f(z + b[plane]) over `planes` planes of `per` values; b = 0
//                            reads address 0, which the arena keeps zero: no bias
//   back_sigmoid, back_relu  δ *= f'(z), from a: σ' = a(1 - a), relu' = [a > 0]; tiny
//                            products flushed to zero (WebAssembly has no flush-to-zero mode)
//   maxpool                  the maximum of each s×s window of `planes` maps of h×w
//   maxpool_back             each window's δ to its first largest value (row order), 0 elsewhere
//   maxpool2_back            the same for 2×2 windows, two windows per vector
//   im2col, col2im           an image (C,H,W) to its columns (C·k·k, P), and the adding inverse

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

const POOL = `
;; The maximum of each s×s window of planes maps of h×w (stored one after another) into dst.
;; s = 2 takes four outputs at a time from two rows of eight; other sizes go one by one.
(func (export "maxpool") (param $src i32) (param $dst i32) (param $planes i32) (param $h i32) (param $w i32) (param $s i32)
  (local $ph i32) (local $pw i32) (local $p i32) (local $y i32) (local $x i32) (local $r0 i32) (local $r1 i32)
  (local $m1 v128) (local $m2 v128) (local $best f32) (local $v f32) (local $dy i32) (local $dx i32) (local $row i32)
  (local.set $ph (i32.div_u (local.get $h) (local.get $s)))
  (local.set $pw (i32.div_u (local.get $w) (local.get $s)))
  (block $pdone (loop $plane
    (br_if $pdone (i32.ge_u (local.get $p) (local.get $planes)))
    (local.set $y (i32.const 0))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $ph)))
      (local.set $r0 (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $y) (local.get $s)) (local.get $w)) (i32.const 2))))
      (local.set $x (i32.const 0))
      (if (i32.eq (local.get $s) (i32.const 2)) (then
        (local.set $r1 (i32.add (local.get $r0) (i32.shl (local.get $w) (i32.const 2))))
        (block $xdone (loop $xl
          (br_if $xdone (i32.gt_u (i32.add (local.get $x) (i32.const 4)) (local.get $pw)))
          (local.set $m1 (f32x4.max (v128.load (i32.add (local.get $r0) (i32.shl (local.get $x) (i32.const 3))))
                                    (v128.load (i32.add (local.get $r1) (i32.shl (local.get $x) (i32.const 3))))))
          (local.set $m2 (f32x4.max (v128.load offset=16 (i32.add (local.get $r0) (i32.shl (local.get $x) (i32.const 3))))
                                    (v128.load offset=16 (i32.add (local.get $r1) (i32.shl (local.get $x) (i32.const 3))))))
          (v128.store (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 2)))
            (f32x4.max
              (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $m1) (local.get $m2))
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $m1) (local.get $m2))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br $xl)))))
      (block $sdone (loop $sl
        (br_if $sdone (i32.ge_u (local.get $x) (local.get $pw)))
        (local.set $best (f32.const -inf))
        (local.set $dy (i32.const 0))
        (block $dydone (loop $dyl
          (br_if $dydone (i32.ge_u (local.get $dy) (local.get $s)))
          (local.set $row (i32.add (local.get $r0) (i32.shl (i32.add (i32.mul (local.get $dy) (local.get $w))
            (i32.mul (local.get $x) (local.get $s))) (i32.const 2))))
          (local.set $dx (i32.const 0))
          (block $dxdone (loop $dxl
            (br_if $dxdone (i32.ge_u (local.get $dx) (local.get $s)))
            (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (local.get $dx) (i32.const 2)))))
            (if (f32.gt (local.get $v) (local.get $best)) (then (local.set $best (local.get $v))))
            (local.set $dx (i32.add (local.get $dx) (i32.const 1)))
            (br $dxl)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
          (br $dyl)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $x) (i32.const 2))) (local.get $best))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $sl)))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $pw) (i32.const 2))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl)))
    (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (br $plane)))
)

;; Each window's δ to the first of its values (in row order) that equals the window's maximum,
;; zero to the others: dsrc is written whole.
(func (export "maxpool_back") (param $src i32) (param $pooled i32) (param $delta i32) (param $dsrc i32)
  (param $planes i32) (param $h i32) (param $w i32) (param $s i32)
  (local $ph i32) (local $pw i32) (local $p i32) (local $y i32) (local $x i32) (local $dy i32) (local $dx i32)
  (local $at i32) (local $m f32) (local $d f32) (local $found i32) (local $o i32)
  (local.set $ph (i32.div_u (local.get $h) (local.get $s)))
  (local.set $pw (i32.div_u (local.get $w) (local.get $s)))
  (block $pdone (loop $plane
    (br_if $pdone (i32.ge_u (local.get $p) (local.get $planes)))
    (local.set $y (i32.const 0))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $ph)))
      (local.set $x (i32.const 0))
      (block $xdone (loop $xl
        (br_if $xdone (i32.ge_u (local.get $x) (local.get $pw)))
        (local.set $m (f32.load (i32.add (local.get $pooled) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $d (f32.load (i32.add (local.get $delta) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $found (i32.const 0))
        (local.set $dy (i32.const 0))
        (block $dydone (loop $dyl
          (br_if $dydone (i32.ge_u (local.get $dy) (local.get $s)))
          (local.set $dx (i32.const 0))
          (block $dxdone (loop $dxl
            (br_if $dxdone (i32.ge_u (local.get $dx) (local.get $s)))
            (local.set $at (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $y) (local.get $s)) (local.get $dy)) (local.get $w))
              (i32.add (i32.mul (local.get $x) (local.get $s)) (local.get $dx))) (i32.const 2)))
            (if (i32.and (i32.eqz (local.get $found)) (f32.eq (f32.load (i32.add (local.get $src) (local.get $at))) (local.get $m)))
              (then (f32.store (i32.add (local.get $dsrc) (local.get $at)) (local.get $d)) (local.set $found (i32.const 1)))
              (else (f32.store (i32.add (local.get $dsrc) (local.get $at)) (f32.const 0))))
            (local.set $dx (i32.add (local.get $dx) (i32.const 1)))
            (br $dxl)))
          (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
          (br $dyl)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $xl)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br $yl)))
    (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2))))
    (local.set $dsrc (i32.add (local.get $dsrc) (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (br $plane)))
)
`;

const POOL2_BACK = `
;; maxpool_back for 2×2 windows when each row holds an even number of windows: two windows per
;; vector. A window's first largest value in row order: the top-left if it is the maximum, else
;; the top-right, else the bottom-left, else the bottom-right.
(func (export "maxpool2_back") (param $src i32) (param $pooled i32) (param $delta i32) (param $dsrc i32)
  (param $planes i32) (param $h i32) (param $w i32)
  (local $rows i32) (local $pairs i32) (local $y i32) (local $q i32) (local $r0 i32) (local $r1 i32)
  (local $d0 i32) (local $d1 i32) (local $mv v128) (local $dv v128) (local $eqA v128) (local $eqC v128)
  (local $anyTop v128) (local $even v128) (local $row i32)
  (local.set $even (v128.const i32x4 -1 0 -1 0))
  (local.set $rows (i32.mul (local.get $planes) (i32.shr_u (local.get $h) (i32.const 1))))
  (local.set $pairs (i32.shr_u (local.get $w) (i32.const 2)))
  (local.set $row (i32.shl (local.get $w) (i32.const 2)))
  (block $ydone (loop $yl
    (br_if $ydone (i32.ge_u (local.get $y) (local.get $rows)))
    (local.set $r0 (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y) (local.get $row)) (i32.const 1))))
    (local.set $r1 (i32.add (local.get $r0) (local.get $row)))
    (local.set $d0 (i32.add (local.get $dsrc) (i32.shl (i32.mul (local.get $y) (local.get $row)) (i32.const 1))))
    (local.set $d1 (i32.add (local.get $d0) (local.get $row)))
    (local.set $q (i32.const 0))
    (block $qdone (loop $ql
      (br_if $qdone (i32.ge_u (local.get $q) (local.get $pairs)))
      (local.set $mv (v128.load64_splat (local.get $pooled)))
      (local.set $mv (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7 (local.get $mv) (local.get $mv)))
      (local.set $dv (v128.load64_splat (local.get $delta)))
      (local.set $dv (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 4 5 6 7 (local.get $dv) (local.get $dv)))
      (local.set $eqA (f32x4.eq (v128.load (local.get $r0)) (local.get $mv)))
      (local.set $eqC (f32x4.eq (v128.load (local.get $r1)) (local.get $mv)))
      (local.set $anyTop (v128.or (local.get $eqA)
        (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $eqA) (local.get $eqA))))
      ;; top row: the left lane if equal; the right lane if equal and the left is not
      (local.set $eqA (v128.and (local.get $eqA) (v128.or (local.get $even)
        (v128.not (i8x16.shuffle 0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11 (local.get $eqA) (local.get $eqA))))))
      ;; bottom row: only when no top value won, then the same rule
      (local.set $eqC (v128.andnot (local.get $eqC) (local.get $anyTop)))
      (local.set $eqC (v128.and (local.get $eqC) (v128.or (local.get $even)
        (v128.not (i8x16.shuffle 0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11 (local.get $eqC) (local.get $eqC))))))
      (v128.store (local.get $d0) (v128.and (local.get $dv) (local.get $eqA)))
      (v128.store (local.get $d1) (v128.and (local.get $dv) (local.get $eqC)))
      (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
      (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
      (local.set $d0 (i32.add (local.get $d0) (i32.const 16)))
      (local.set $d1 (i32.add (local.get $d1) (i32.const 16)))
      (local.set $pooled (i32.add (local.get $pooled) (i32.const 8)))
      (local.set $delta (i32.add (local.get $delta) (i32.const 8)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $ql)))
    (local.set $y (i32.add (local.get $y) (i32.const 1)))
    (br $yl)))
)
`;

/** im2col (copy image rows into columns) or col2im (add columns back onto the image). */
function columns(name: "im2col" | "col2im"): string {
  const toCol = name === "im2col";
  // Row segment: `count` floats between image row `img` and column row `col`.
  const vecBody = toCol
    ? `(v128.store (i32.add (local.get $cp) (local.get $q)) (v128.load (i32.add (local.get $ip) (local.get $q))))`
    : `(v128.store (i32.add (local.get $ip) (local.get $q)) (f32x4.add (v128.load (i32.add (local.get $ip) (local.get $q))) (v128.load (i32.add (local.get $cp) (local.get $q)))))`;
  const scalarBody = toCol
    ? `(f32.store (i32.add (local.get $cp) (local.get $q)) (f32.load (i32.add (local.get $ip) (local.get $q))))`
    : `(f32.store (i32.add (local.get $ip) (local.get $q)) (f32.add (f32.load (i32.add (local.get $ip) (local.get $q))) (f32.load (i32.add (local.get $cp) (local.get $q)))))`;
  return `
(func (export "${name}") (param $img i32) (param $C i32) (param $H i32) (param $W i32) (param $k i32) (param $col i32)
  (local $oh i32) (local $ow i32) (local $c i32) (local $dy i32) (local $dx i32) (local $y i32) (local $q i32)
  (local $cp i32) (local $ip i32) (local $vend i32) (local $end i32)
  (local.set $oh (i32.add (i32.sub (local.get $H) (local.get $k)) (i32.const 1)))
  (local.set $ow (i32.add (i32.sub (local.get $W) (local.get $k)) (i32.const 1)))
  (local.set $end (i32.shl (local.get $ow) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $ow) (i32.const -4)) (i32.const 2)))
  (local.set $cp (local.get $col))
  (block $cdone (loop $cl
    (br_if $cdone (i32.ge_u (local.get $c) (local.get $C)))
    (local.set $dy (i32.const 0))
    (block $dydone (loop $dyl
      (br_if $dydone (i32.ge_u (local.get $dy) (local.get $k)))
      (local.set $dx (i32.const 0))
      (block $dxdone (loop $dxl
        (br_if $dxdone (i32.ge_u (local.get $dx) (local.get $k)))
        (local.set $y (i32.const 0))
        (block $ydone (loop $yl
          (br_if $ydone (i32.ge_u (local.get $y) (local.get $oh)))
          (local.set $ip (i32.add (local.get $img) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $c) (local.get $H))
            (i32.add (local.get $y) (local.get $dy))) (local.get $W)) (local.get $dx)) (i32.const 2))))
          (local.set $q (i32.const 0))
          (block $vdone (loop $vl
            (br_if $vdone (i32.ge_u (local.get $q) (local.get $vend)))
            ${vecBody}
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $vl)))
          (block $tdone (loop $tl
            (br_if $tdone (i32.ge_u (local.get $q) (local.get $end)))
            ${scalarBody}
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $tl)))
          (local.set $cp (i32.add (local.get $cp) (local.get $end)))
          (local.set $y (i32.add (local.get $y) (i32.const 1)))
          (br $yl)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 1)))
        (br $dxl)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
      (br $dyl)))
    (local.set $c (i32.add (local.get $c) (i32.const 1)))
    (br $cl)))
)`;
}

/** The element-wise part of the kernels' module. */
export function elementwiseWat(): string {
  const one = `(f32x4.splat (f32.const 1))`;
  return [
    EXP,
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
    POOL,
    POOL2_BACK,
    columns("im2col"),
    columns("col2im"),
  ].join("\n");
}
