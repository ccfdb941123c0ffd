// The kernels of a convolution: the im2col/col2im copies with zero padding and a stride (and
// the fast path of a "valid" stride-1 convolution). Part of the module that kernels_wat.ts
// generates; pooling is pool_wat.ts's.
//
//   im2col   an image (C,H,W), padded by `pad` zeros, to its columns (C·k·k, P), P the output
//            positions every `stride`
//   col2im   adds columns back onto the image (the padding's share is dropped)
//
// Every size is checked by the layer planner first: the windows tile the padded input
// exactly, so (H + 2·pad - k) is a multiple of stride.

/** A loop over float offsets `i` (bytes) from 0 to `end`: vectors to `vend`, then floats. */
function rowLoop(vec: string, scalar: string): string {
  return `
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $vend (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
  (block $vdone (loop $vl
    (br_if $vdone (i32.ge_u (local.get $i) (local.get $vend)))
    ${vec}
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $vl)))
  (block $tdone (loop $tl
    (br_if $tdone (i32.ge_u (local.get $i) (local.get $end)))
    ${scalar}
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $tl)))`;
}

// Row segments of the column copies: n floats zeroed, or gathered and scattered with a stride
// of `step` bytes in the image (stride-1 copies are inline in the loops below: a call per row
// costs as much as a short row's copy).
const SEGMENTS = `
(func $zero (param $p i32) (param $n i32)
  (local $i i32) (local $vend i32) (local $end i32)${
  rowLoop(
    `(v128.store (i32.add (local.get $p) (local.get $i)) (v128.const i32x4 0 0 0 0))`,
    `(f32.store (i32.add (local.get $p) (local.get $i)) (f32.const 0))`,
  )
}
)
;; dst[q] = src[q·step] for q < n (step in bytes)
(func $gather (param $dst i32) (param $src i32) (param $n i32) (param $step i32)
  (local $end i32)
  (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
  (block $done (loop $l
    (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
    (f32.store (local.get $dst) (f32.load (local.get $src)))
    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
    (local.set $src (i32.add (local.get $src) (local.get $step)))
    (br $l)))
)
;; dst[q·step] += src[q] for q < n (step in bytes)
(func $scatter_add (param $dst i32) (param $src i32) (param $n i32) (param $step i32)
  (local $end i32)
  (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
  (block $done (loop $l
    (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
    (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
    (local.set $src (i32.add (local.get $src) (i32.const 4)))
    (local.set $dst (i32.add (local.get $dst) (local.get $step)))
    (br $l)))
)
`;

/**
 * The fast path of a "valid" stride-1 convolution (network3.py's and SimpleConvNet's): whole
 * rows of the image copied into columns (or added back), no padding to skip.
 */
function validColumns(name: "im2col" | "col2im"): string {
  const toCol = name === "im2col";
  // Row segment: `count` floats between image row `img` and column row `col`.
  const vecBody = toCol
    ? `(v128.store (i32.add (local.get $cp) (local.get $q)) (v128.load (i32.add (local.get $ip) (local.get $q))))`
    : `(v128.store (i32.add (local.get $ip) (local.get $q)) (f32x4.add (v128.load (i32.add (local.get $ip) (local.get $q))) (v128.load (i32.add (local.get $cp) (local.get $q)))))`;
  const scalarBody = toCol
    ? `(f32.store (i32.add (local.get $cp) (local.get $q)) (f32.load (i32.add (local.get $ip) (local.get $q))))`
    : `(f32.store (i32.add (local.get $ip) (local.get $q)) (f32.add (f32.load (i32.add (local.get $ip) (local.get $q))) (f32.load (i32.add (local.get $cp) (local.get $q)))))`;
  return `
(func $${name}_valid (param $img i32) (param $C i32) (param $H i32) (param $W i32) (param $k i32) (param $col i32)
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

/**
 * im2col (image rows into columns, zeros where a window reaches into the padding) or col2im
 * (columns added back onto the image, the padding's share dropped). Per filter offset (dx),
 * the output columns whose input lies inside the image are one range [x0, x1): with stride 1
 * a contiguous vector copy inline (a "valid" convolution copies whole rows as it always did),
 * otherwise a strided one.
 */
function columns(name: "im2col" | "col2im"): string {
  const toCol = name === "im2col";
  const seg = `(i32.add (local.get $cp) (i32.shl (local.get $x0) (i32.const 2)))`;
  const n = `(i32.sub (local.get $x1) (local.get $x0))`;
  // Byte q of the column row is byte q of the image row at $base (= the pixel of column 0).
  const colAt = `(i32.add (local.get $cp) (local.get $q))`;
  const imgAt = `(i32.add (local.get $base) (local.get $q))`;
  const vec = toCol
    ? `(v128.store ${colAt} (v128.load ${imgAt}))`
    : `(v128.store ${imgAt} (f32x4.add (v128.load ${imgAt}) (v128.load ${colAt})))`;
  const one = toCol
    ? `(f32.store ${colAt} (f32.load ${imgAt}))`
    : `(f32.store ${imgAt} (f32.add (f32.load ${imgAt}) (f32.load ${colAt})))`;
  const contiguous =
    `(local.set $base (i32.sub (local.get $ip) (i32.shl (local.get $x0) (i32.const 2))))
              (local.set $q (i32.shl (local.get $x0) (i32.const 2)))
              (local.set $end (i32.shl (local.get $x1) (i32.const 2)))
              (local.set $vend (i32.add (local.get $q) (i32.and (i32.sub (local.get $end) (local.get $q)) (i32.const -16))))
              (block $vdone (loop $vl
                (br_if $vdone (i32.ge_u (local.get $q) (local.get $vend)))
                ${vec}
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $vl)))
              (block $tdone (loop $tl
                (br_if $tdone (i32.ge_u (local.get $q) (local.get $end)))
                ${one}
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $tl)))`;
  const inside = toCol
    ? `(if (local.get $x0) (then (call $zero (local.get $cp) (local.get $x0))))
            (if (i32.eq (local.get $stride) (i32.const 1))
              (then ${contiguous})
              (else (call $gather ${seg} (local.get $ip) ${n} (local.get $step))))
            (if (i32.lt_u (local.get $x1) (local.get $ow)) (then
              (call $zero (i32.add (local.get $cp) (i32.shl (local.get $x1) (i32.const 2)))
                (i32.sub (local.get $ow) (local.get $x1)))))`
    : `(if (i32.eq (local.get $stride) (i32.const 1))
              (then ${contiguous})
              (else (call $scatter_add (local.get $ip) ${seg} ${n} (local.get $step))))`;
  const outside = toCol ? `(call $zero (local.get $cp) (local.get $ow))` : `(nop)`;
  const outSize = (len: string) =>
    `(i32.add (i32.div_u (i32.sub (i32.add (local.get ${len}) (i32.shl (local.get $pad) (i32.const 1))) (local.get $k)) (local.get $stride)) (i32.const 1))`;
  return `
(func (export "${name}") (param $img i32) (param $C i32) (param $H i32) (param $W i32) (param $k i32)
  (param $pad i32) (param $stride i32) (param $col i32)
  (local $oh i32) (local $ow i32) (local $c i32) (local $dy i32) (local $dx i32) (local $y i32) (local $iy i32)
  (local $x0 i32) (local $x1 i32) (local $t i32) (local $cp i32) (local $ip i32) (local $plane i32) (local $step i32)
  (local $base i32) (local $q i32) (local $vend i32) (local $end i32)
  (if (i32.and (i32.eqz (local.get $pad)) (i32.eq (local.get $stride) (i32.const 1))) (then
    (call $${name}_valid (local.get $img) (local.get $C) (local.get $H) (local.get $W) (local.get $k) (local.get $col))
    (return)))
  (local.set $oh ${outSize("$H")})
  (local.set $ow ${outSize("$W")})
  (local.set $step (i32.shl (local.get $stride) (i32.const 2)))
  (local.set $cp (local.get $col))
  (block $cdone (loop $cl
    (br_if $cdone (i32.ge_u (local.get $c) (local.get $C)))
    (local.set $plane (i32.add (local.get $img) (i32.shl (i32.mul (i32.mul (local.get $c) (local.get $H)) (local.get $W)) (i32.const 2))))
    (local.set $dy (i32.const 0))
    (block $dydone (loop $dyl
      (br_if $dydone (i32.ge_u (local.get $dy) (local.get $k)))
      (local.set $dx (i32.const 0))
      (block $dxdone (loop $dxl
        (br_if $dxdone (i32.ge_u (local.get $dx) (local.get $k)))
        ;; output columns x with 0 <= x·stride + dx - pad < W: [x0, x1)
        (local.set $t (i32.sub (local.get $pad) (local.get $dx)))
        (local.set $x0 (i32.const 0))
        (if (i32.gt_s (local.get $t) (i32.const 0)) (then
          (local.set $x0 (local.get $t))
          (if (i32.gt_u (local.get $stride) (i32.const 1)) (then
            (local.set $x0 (i32.div_u (i32.add (local.get $t) (i32.sub (local.get $stride) (i32.const 1))) (local.get $stride)))))))
        (if (i32.gt_u (local.get $x0) (local.get $ow)) (then (local.set $x0 (local.get $ow))))
        (local.set $t (i32.sub (i32.add (local.get $W) (local.get $pad)) (i32.add (local.get $dx) (i32.const 1))))
        (local.set $x1 (i32.const 0))
        (if (i32.ge_s (local.get $t) (i32.const 0)) (then
          (local.set $x1 (i32.add (local.get $t) (i32.const 1)))
          (if (i32.gt_u (local.get $stride) (i32.const 1)) (then
            (local.set $x1 (i32.add (i32.div_u (local.get $t) (local.get $stride)) (i32.const 1)))))))
        (if (i32.gt_u (local.get $x1) (local.get $ow)) (then (local.set $x1 (local.get $ow))))
        (if (i32.lt_u (local.get $x1) (local.get $x0)) (then (local.set $x1 (local.get $x0))))
        (local.set $y (i32.const 0))
        (block $ydone (loop $yl
          (br_if $ydone (i32.ge_u (local.get $y) (local.get $oh)))
          (local.set $iy (i32.sub (i32.add (i32.mul (local.get $y) (local.get $stride)) (local.get $dy)) (local.get $pad)))
          ;; unsigned: a row above the image (negative) is as far outside as one below it
          (if (i32.lt_u (local.get $iy) (local.get $H))
            (then
            (local.set $ip (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul (local.get $iy) (local.get $W))
              (i32.add (i32.mul (local.get $x0) (local.get $stride)) (local.get $dx))) (local.get $pad)) (i32.const 2))))
            ${inside})
            (else ${outside}))
          (local.set $cp (i32.add (local.get $cp) (i32.shl (local.get $ow) (i32.const 2))))
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

/** The convolution part of the kernels' module (and `$zero`, which pooling uses too). */
export function convWat(): string {
  return [
    SEGMENTS,
    validColumns("im2col"),
    validColumns("col2im"),
    columns("im2col"),
    columns("col2im"),
  ].join("\n");
}
