;; netsweep's input-layer kernels, WebAssembly SIMD (f32x4). Build with `deno task build:wasm`,
;; which writes src/network/_kernels_wasm.ts. All pointers are byte offsets into the shared
;; memory the Network allocates its input-layer weights and workspaces in.
;;
;; Weights are stored transposed, wT:(in,out), so that a pixel's outgoing weights are one
;; contiguous row and both kernels are rows of axpy: y[0..n) += s * x[0..n).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; y[0..n) += s * x[0..n), four lanes at a time, then the tail.
  (func $axpy (param $y i32) (param $x i32) (param $n i32) (param $s f32)
    (local $sv v128) (local $i i32) (local $end i32)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store
          (i32.add (local.get $y) (local.get $i))
          (f32x4.add
            (v128.load (i32.add (local.get $y) (local.get $i)))
            (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $x) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store
          (i32.add (local.get $y) (local.get $i))
          (f32.add
            (f32.load (i32.add (local.get $y) (local.get $i)))
            (f32.mul (local.get $s) (f32.load (i32.add (local.get $x) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; Stores the first `bytes` (a multiple of 4; 16 or more is all) of `v` at `p`: the valid
  ;; lanes of a block's last vector.
  (func $storePart (param $p i32) (param $v v128) (param $bytes i32)
    (if (i32.ge_s (local.get $bytes) (i32.const 16))
      (then (v128.store (local.get $p) (local.get $v)) (return)))
    (if (i32.ge_s (local.get $bytes) (i32.const 4))
      (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))))
    (if (i32.ge_s (local.get $bytes) (i32.const 8))
      (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.ge_s (local.get $bytes) (i32.const 12))
      (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v))))))

  ;; Forward, one example: z[0..nOut) += Σ_c val[c] · wT[idx[c], 0..nOut)
  ;; w:(out,in) · x:(in) -> z:(out), over the listed (non-zero) pixels only.
  ;; Register-blocked: z is taken 32 outputs at a time into eight f32x4 accumulators, which
  ;; stay in registers across the whole pixel list, so each pixel costs eight loads of its
  ;; weight row and no loads or stores of z. The sums run over the pixels in the same order as
  ;; one axpy per pixel would. A block's last vectors may read up to 28 floats past the end of
  ;; a row of w (and of z): the arena pads both buffers; only the valid lanes are stored.
  (func (export "forward") (param $z i32) (param $w i32) (param $nOut i32)
                           (param $idx i32) (param $val i32) (param $count i32)
    (local $row i32) (local $jb i32) (local $left i32) (local $c i32) (local $p i32)
    (local $s v128) (local $zp i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $row (i32.shl (local.get $nOut) (i32.const 2)))
    (block $blocksDone
      (loop $block
        (br_if $blocksDone (i32.ge_u (local.get $jb) (local.get $row)))
        (local.set $zp (i32.add (local.get $z) (local.get $jb)))
        (local.set $a0 (v128.load offset=0 (local.get $zp)))
        (local.set $a1 (v128.load offset=16 (local.get $zp)))
        (local.set $a2 (v128.load offset=32 (local.get $zp)))
        (local.set $a3 (v128.load offset=48 (local.get $zp)))
        (local.set $a4 (v128.load offset=64 (local.get $zp)))
        (local.set $a5 (v128.load offset=80 (local.get $zp)))
        (local.set $a6 (v128.load offset=96 (local.get $zp)))
        (local.set $a7 (v128.load offset=112 (local.get $zp)))
        (local.set $c (i32.const 0))
        (block $pixelsDone
          (loop $pixel
            (br_if $pixelsDone (i32.ge_u (local.get $c) (local.get $count)))
            (local.set $s (f32x4.splat
              (f32.load (i32.add (local.get $val) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $p (i32.add
              (i32.add (local.get $w) (local.get $jb))
              (i32.mul
                (i32.load16_u (i32.add (local.get $idx) (i32.shl (local.get $c) (i32.const 1))))
                (local.get $row))))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (local.get $s) (v128.load offset=0 (local.get $p)))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $p)))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $p)))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $p)))))
            (local.set $a4 (f32x4.add (local.get $a4)
              (f32x4.mul (local.get $s) (v128.load offset=64 (local.get $p)))))
            (local.set $a5 (f32x4.add (local.get $a5)
              (f32x4.mul (local.get $s) (v128.load offset=80 (local.get $p)))))
            (local.set $a6 (f32x4.add (local.get $a6)
              (f32x4.mul (local.get $s) (v128.load offset=96 (local.get $p)))))
            (local.set $a7 (f32x4.add (local.get $a7)
              (f32x4.mul (local.get $s) (v128.load offset=112 (local.get $p)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $pixel)))
        ;; Bytes of this block that belong to z's row; store only those.
        (local.set $left (i32.sub (local.get $row) (local.get $jb)))
        (call $storePart (local.get $zp) (local.get $a0) (local.get $left))
        (call $storePart (i32.add (local.get $zp) (i32.const 16)) (local.get $a1)
          (i32.sub (local.get $left) (i32.const 16)))
        (call $storePart (i32.add (local.get $zp) (i32.const 32)) (local.get $a2)
          (i32.sub (local.get $left) (i32.const 32)))
        (call $storePart (i32.add (local.get $zp) (i32.const 48)) (local.get $a3)
          (i32.sub (local.get $left) (i32.const 48)))
        (call $storePart (i32.add (local.get $zp) (i32.const 64)) (local.get $a4)
          (i32.sub (local.get $left) (i32.const 64)))
        (call $storePart (i32.add (local.get $zp) (i32.const 80)) (local.get $a5)
          (i32.sub (local.get $left) (i32.const 80)))
        (call $storePart (i32.add (local.get $zp) (i32.const 96)) (local.get $a6)
          (i32.sub (local.get $left) (i32.const 96)))
        (call $storePart (i32.add (local.get $zp) (i32.const 112)) (local.get $a7)
          (i32.sub (local.get $left) (i32.const 112)))
        (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
        (br $block))))

  ;; Update, one example (BP4): wT[idx[c], 0..nOut) += (step · val[c]) · delta[0..nOut)
  ;; with step = -eta/m; the listed pixels are the only rows whose gradient is non-zero.
  (func (export "update") (param $w i32) (param $nOut i32) (param $idx i32) (param $val i32)
                          (param $count i32) (param $delta i32) (param $step f32)
    (local $c i32) (local $row i32)
    (local.set $row (i32.shl (local.get $nOut) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (call $axpy
          (i32.add (local.get $w)
            (i32.mul (i32.load16_u (i32.add (local.get $idx) (i32.shl (local.get $c) (i32.const 1))))
                     (local.get $row)))
          (local.get $delta)
          (local.get $nOut)
          (f32.mul (local.get $step)
                   (f32.load (i32.add (local.get $val) (i32.shl (local.get $c) (i32.const 2))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $each))))

  ;; L2 weight decay: p[0..n) *= factor.
  (func (export "scale") (param $p i32) (param $n i32) (param $factor f32)
    (local $fv v128) (local $i i32) (local $end i32)
    (local.set $fv (f32x4.splat (local.get $factor)))
    (local.set $end (i32.shl (i32.shr_u (local.get $n) (i32.const 2)) (i32.const 4)))
    (block $vdone
      (loop $vec
        (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.mul (local.get $fv) (v128.load (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.mul (local.get $factor) (f32.load (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
)
