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

  ;; Forward, one example: z[0..nOut) += Σ_c val[c] · wT[idx[c], 0..nOut)
  ;; w:(out,in) · x:(in) -> z:(out), over the listed (non-zero) pixels only.
  (func (export "forward") (param $z i32) (param $w i32) (param $nOut i32)
                           (param $idx i32) (param $val i32) (param $count i32)
    (local $c i32) (local $row i32)
    (local.set $row (i32.shl (local.get $nOut) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (call $axpy
          (local.get $z)
          (i32.add (local.get $w)
            (i32.mul (i32.load16_u (i32.add (local.get $idx) (i32.shl (local.get $c) (i32.const 1))))
                     (local.get $row)))
          (local.get $nOut)
          (f32.load (i32.add (local.get $val) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $each))))

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
