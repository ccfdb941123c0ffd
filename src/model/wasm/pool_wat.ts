// The kernels of max-pooling with any window and stride: a vector path for network3.py's and
// Saito's 2×2 windows every 2, and the backward pass. Part of the module that kernels_wat.ts
// generates.
//
//   maxpool        the maximum of each s×s window, every `st` positions, of `planes` maps of h×w
//   maxpool_back   each window's δ to its first largest value (row order); windows that overlap
//                  (st < s) add up, inputs no window covers (st > s) get zero
//   maxpool2_back  maxpool_back for 2×2 windows every 2, two windows per vector
//
// The layer planner has checked that the windows tile each map: (h - s) is a multiple of st.

const POOL = `
;; The maximum of each s×s window, every st positions, of planes maps of h×w (stored one after
;; another) into dst. s = st = 2 takes four outputs at a time from two rows of eight; other
;; windows go one by one.
(func (export "maxpool") (param $src i32) (param $dst i32) (param $planes i32) (param $h i32) (param $w i32)
  (param $s i32) (param $st i32)
  (local $ph i32) (local $pw i32) (local $p i32) (local $y i32) (local $x i32) (local $r0 i32) (local $r1 i32)
  (local $m1 v128) (local $m2 v128) (local $best f32) (local $v f32) (local $dy i32) (local $dx i32) (local $row i32)
  (local.set $ph (i32.add (i32.div_u (i32.sub (local.get $h) (local.get $s)) (local.get $st)) (i32.const 1)))
  (local.set $pw (i32.add (i32.div_u (i32.sub (local.get $w) (local.get $s)) (local.get $st)) (i32.const 1)))
  (block $pdone (loop $plane
    (br_if $pdone (i32.ge_u (local.get $p) (local.get $planes)))
    (local.set $y (i32.const 0))
    (block $ydone (loop $yl
      (br_if $ydone (i32.ge_u (local.get $y) (local.get $ph)))
      (local.set $r0 (i32.add (local.get $src) (i32.shl (i32.mul (i32.mul (local.get $y) (local.get $st)) (local.get $w)) (i32.const 2))))
      (local.set $x (i32.const 0))
      (if (i32.and (i32.eq (local.get $s) (i32.const 2)) (i32.eq (local.get $st) (i32.const 2))) (then
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
            (i32.mul (local.get $x) (local.get $st))) (i32.const 2))))
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

;; Each window's δ to the first of its values (in row order) that equals the window's maximum.
;; Windows that tile the plane (st = s) write dsrc whole: δ there, zero at the rest. Otherwise
;; the plane is zeroed first and each window adds its δ (an input may be the largest of
;; several overlapping windows).
(func (export "maxpool_back") (param $src i32) (param $pooled i32) (param $delta i32) (param $dsrc i32)
  (param $planes i32) (param $h i32) (param $w i32) (param $s i32) (param $st i32)
  (local $ph i32) (local $pw i32) (local $p i32) (local $y i32) (local $x i32) (local $dy i32) (local $dx i32)
  (local $at i32) (local $m f32) (local $d f32) (local $found i32) (local $o i32) (local $untiled i32)
  (local.set $ph (i32.add (i32.div_u (i32.sub (local.get $h) (local.get $s)) (local.get $st)) (i32.const 1)))
  (local.set $pw (i32.add (i32.div_u (i32.sub (local.get $w) (local.get $s)) (local.get $st)) (i32.const 1)))
  (local.set $untiled (i32.ne (local.get $s) (local.get $st)))
  (block $pdone (loop $plane
    (br_if $pdone (i32.ge_u (local.get $p) (local.get $planes)))
    (if (local.get $untiled) (then (call $zero (local.get $dsrc) (i32.mul (local.get $h) (local.get $w)))))
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
            (local.set $at (i32.add (local.get $dsrc) (i32.shl (i32.add
              (i32.mul (i32.add (i32.mul (local.get $y) (local.get $st)) (local.get $dy)) (local.get $w))
              (i32.add (i32.mul (local.get $x) (local.get $st)) (local.get $dx))) (i32.const 2))))
            (if (i32.and (i32.eqz (local.get $found))
                  (f32.eq (f32.load (i32.add (local.get $src) (i32.sub (local.get $at) (local.get $dsrc)))) (local.get $m)))
              (then
                (if (local.get $untiled)
                  (then (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (local.get $d))))
                  (else (f32.store (local.get $at) (local.get $d))))
                (local.set $found (i32.const 1)))
              (else (if (i32.eqz (local.get $untiled)) (then (f32.store (local.get $at) (f32.const 0))))))
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
;; maxpool_back for 2×2 windows every 2 when each row holds an even number of windows: two
;; windows per vector. A window's first largest value in row order: the top-left if it is the
;; maximum, else the top-right, else the bottom-left, else the bottom-right.
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

/** The pooling part of the kernels' module (its `$zero` is conv_wat.ts's). */
export function poolWat(): string {
  return [POOL, POOL2_BACK].join("\n");
}
