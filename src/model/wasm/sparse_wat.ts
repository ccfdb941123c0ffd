// The sparse input layer's kernels: one example's listed pixels (index, value) against the
// rows of wT:(in,out). Every block of outputs is carried in registers across the whole pixel
// list, so each pass reads each listed row once: blocks of 32 outputs (eight vectors), then
// all remaining whole vectors (one to seven) in a single pass, then the last one to three
// outputs as scalars in a single pass. (Passing over the list once per vector of four, as an
// earlier version did, made the chapter-1 network's 30 outputs nine passes, each bound by the
// latency of one accumulator's chain: 150 ms of a 0.42 s epoch.)
//
// The sums are the ones of one accumulator per output, pixels in list order, so every block
// size gives the same bits; and the update touches each weight once per example (the pixels of
// an example are distinct), so its order does not matter.
//
// Each kernel comes twice: reading each pixel's value as a float ($val), or as a one-byte code
// into the split's table of values ($code, $table: the `_coded` kernels), so that a batch's
// lists reach the kernels as plain copies of the split's, 3 bytes a pixel instead of 6.
import { get, i32, loop, madd } from "./_wat.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const idxAt = `(i32.load16_u (i32.add ${get("idx")} (i32.shl ${get("c")} ${i32(1)})))`;
/** The listed pixel's value: a float, or its code's entry in the table. */
const valueAt = (coded: boolean) =>
  coded
    ? `(f32.load (i32.add ${get("table")} (i32.shl (i32.load8_u (i32.add ${get("code")} ${
      get("c")
    })) ${i32(2)})))`
    : `(f32.load (i32.add ${get("val")} (i32.shl ${get("c")} ${i32(2)})))`;
/** The parameters that say where the values are. */
const valueParams = (coded: boolean) =>
  coded ? `(param $code i32) (param $table i32)` : `(param $val i32)`;
/** The listed pixel's row of wT, at the current block of outputs ($jb bytes in). */
const rowPtr = `(i32.add (i32.add ${get("w")} ${get("jb")}) (i32.mul ${idxAt} ${get("row")}))`;

/** `if (count == n) { body(n) }` for n = 1..max, as a chain (one branch taken per call). */
function byCount(count: string, max: number, body: (n: number) => string[]): string[] {
  return range(max).flatMap((i) => [
    `(if (i32.eq ${count} ${i32(i + 1)}) (then`,
    ...body(i + 1).map((l) => `  ${l}`),
    `))`,
  ]);
}

/**
 * Forward of `v` vectors at $jb: z[jb..jb+4v) += Σ_c val[c]·wT[idx[c], jb..jb+4v). With `tail`,
 * the same pass also carries the row's last four outputs as one more vector ($at, read at $tailAt
 * bytes into the row, overlapping the block before it), of which only the last nOut mod 4 lanes
 * are stored: those outputs then cost no pass of their own (a scalar pass is bound by one add's
 * latency per pixel). Multiply, then add, as the scalar pass did: the same bits.
 */
function forwardVectors(
  relaxed: boolean,
  valAt: string,
  v: number,
  label: string,
  tail = false,
): string[] {
  return [
    `(local.set $zp (i32.add ${get("z")} ${get("jb")}))`,
    ...range(v).map((k) => `(local.set $a${k} (v128.load offset=${16 * k} ${get("zp")}))`),
    ...(tail ? [`(local.set $at (v128.load (i32.add ${get("z")} ${get("tailAt")})))`] : []),
    `(local.set $c ${i32(0)})`,
    ...loop(label, `(i32.lt_u ${get("c")} ${get("count")})`, [
      `(local.set $s (f32x4.splat ${valAt}))`,
      `(local.set $q (i32.add ${get("w")} (i32.mul ${idxAt} ${get("row")})))`,
      `(local.set $p (i32.add ${get("q")} ${get("jb")}))`,
      ...range(v).map((k) =>
        `(local.set $a${k} ${
          madd(relaxed, get("s"), `(v128.load offset=${16 * k} ${get("p")})`, get(`a${k}`))
        })`
      ),
      ...(tail
        ? [
          `(local.set $at (f32x4.add ${get("at")} (f32x4.mul ${get("s")} (v128.load (i32.add ${
            get("q")
          } ${get("tailAt")})))))`,
        ]
        : []),
      `(local.set $c (i32.add ${get("c")} ${i32(1)}))`,
    ]),
    ...range(v).map((k) => `(v128.store offset=${16 * k} ${get("zp")} ${get(`a${k}`)})`),
    ...(tail ? storeTailLanes() : []),
  ];
}

/** The last nOut mod 4 lanes of $at into z's last outputs (lane 3 is the row's last). */
function storeTailLanes(): string[] {
  const lane = (l: number) =>
    `(f32.store offset=${4 * l} (i32.add ${get("z")} ${get("tailAt")}) (f32x4.extract_lane ${l} ${
      get("at")
    }))`;
  const tail = `(i32.and ${get("nOut")} ${i32(3)})`;
  return [
    `(if (i32.ge_u ${tail} ${i32(3)}) (then ${lane(1)}))`,
    `(if (i32.ge_u ${tail} ${i32(2)}) (then ${lane(2)}))`,
    lane(3),
  ];
}

/** Forward of the last `t` (1-3) outputs at $jb, as scalars (multiply, then add). */
function forwardScalars(valAt: string, t: number): string[] {
  return [
    `(local.set $zp (i32.add ${get("z")} ${get("jb")}))`,
    ...range(t).map((k) => `(local.set $t${k} (f32.load offset=${4 * k} ${get("zp")}))`),
    `(local.set $c ${i32(0)})`,
    ...loop(`fs${t}`, `(i32.lt_u ${get("c")} ${get("count")})`, [
      `(local.set $x ${valAt})`,
      `(local.set $p ${rowPtr})`,
      ...range(t).map((k) =>
        `(local.set $t${k} (f32.add ${get(`t${k}`)} (f32.mul ${get("x")} (f32.load offset=${
          4 * k
        } ${get("p")}))))`
      ),
      `(local.set $c (i32.add ${get("c")} ${i32(1)}))`,
    ]),
    ...range(t).map((k) => `(f32.store offset=${4 * k} ${get("zp")} ${get(`t${k}`)})`),
  ];
}

function sparseForward(relaxed: boolean, coded: boolean): string {
  const valAt = valueAt(coded);
  return [
    `;; One example: z[0..nOut) += Σ_c val[c] · wT[idx[c], 0..nOut), over its listed pixels.`,
    `;; w:(out,in) · x:(in) -> z:(out); each block of outputs in registers for one pass.`,
    `(func (export "sparse_forward${
      coded ? "_coded" : ""
    }") (param $z i32) (param $w i32) (param $nOut i32)`,
    `  (param $idx i32) ${valueParams(coded)} (param $count i32)`,
    `  (local $row i32) (local $jb i32) (local $c i32) (local $p i32) (local $zp i32) (local $s v128)`,
    `  (local $x f32) (local $end i32) (local $rest i32) (local $q i32) (local $at v128)`,
    `  (local $tailAt i32)`,
    ...range(8).map((k) => `  (local $a${k} v128)`),
    ...range(3).map((k) => `  (local $t${k} f32)`),
    `  (local.set $row (i32.shl ${get("nOut")} ${i32(2)}))`,
    `  (local.set $tailAt (i32.sub ${get("row")} ${i32(16)}))`,
    `  (local.set $end (i32.shl (i32.shr_u ${get("nOut")} ${i32(5)}) ${i32(7)}))`,
    ...loop("b32", `(i32.lt_u ${get("jb")} ${get("end")})`, [
      ...forwardVectors(relaxed, valAt, 8, "fv8"),
      `(local.set $jb (i32.add ${get("jb")} ${i32(128)}))`,
    ]).map((l) => `  ${l}`),
    `  (local.set $rest (i32.and (i32.shr_u ${get("nOut")} ${i32(2)}) ${i32(7)}))`,
    // At least four outputs and a tail: the tail rides along with the remaining vectors.
    `  (if (i32.and (i32.ge_u ${get("nOut")} ${i32(4)}) (i32.ne (i32.and ${get("nOut")} ${
      i32(3)
    }) ${i32(0)})) (then`,
    ...[0, ...range(7).map((v) => v + 1)].flatMap((v) => [
      `(if (i32.eq ${get("rest")} ${i32(v)}) (then`,
      ...forwardVectors(relaxed, valAt, v, `ft${v}`, true).map((l) => `  ${l}`),
      `))`,
    ]).map((l) => `    ${l}`),
    `  ) (else`,
    ...byCount(get("rest"), 7, (v) => forwardVectors(relaxed, valAt, v, `fv${v}`)).map((l) =>
      `    ${l}`
    ),
    `    (local.set $jb (i32.add ${get("jb")} (i32.shl ${get("rest")} ${i32(4)})))`,
    ...byCount(`(i32.and ${get("nOut")} ${i32(3)})`, 3, (t) => forwardScalars(valAt, t)).map((l) =>
      `    ${l}`
    ),
    `  ))`,
    `)`,
  ].join("\n");
}

/** Update of `v` vectors at $jb: wT[idx[c], jb..jb+4v) += (step·val[c])·δ[jb..jb+4v). */
function updateVectors(relaxed: boolean, valAt: string, v: number, label: string): string[] {
  return [
    ...range(v).map((k) =>
      `(local.set $a${k} (v128.load offset=${16 * k} (i32.add ${get("delta")} ${get("jb")})))`
    ),
    `(local.set $c ${i32(0)})`,
    ...loop(label, `(i32.lt_u ${get("c")} ${get("count")})`, [
      `(local.set $s (f32x4.splat (f32.mul ${get("step")} ${valAt})))`,
      `(local.set $p ${rowPtr})`,
      ...range(v).map((k) =>
        `(v128.store offset=${16 * k} ${get("p")} ${
          madd(relaxed, get("s"), get(`a${k}`), `(v128.load offset=${16 * k} ${get("p")})`)
        })`
      ),
      `(local.set $c (i32.add ${get("c")} ${i32(1)}))`,
    ]),
  ];
}

/** Update of the last `t` (1-3) outputs at $jb, as scalars (multiply, then add). */
function updateScalars(valAt: string, t: number): string[] {
  return [
    ...range(t).map((k) =>
      `(local.set $t${k} (f32.load offset=${4 * k} (i32.add ${get("delta")} ${get("jb")})))`
    ),
    `(local.set $c ${i32(0)})`,
    ...loop(`us${t}`, `(i32.lt_u ${get("c")} ${get("count")})`, [
      `(local.set $x (f32.mul ${get("step")} ${valAt}))`,
      `(local.set $p ${rowPtr})`,
      ...range(t).map((k) =>
        `(f32.store offset=${4 * k} ${get("p")} (f32.add (f32.load offset=${4 * k} ${
          get("p")
        }) (f32.mul ${get("x")} ${get(`t${k}`)})))`
      ),
      `(local.set $c (i32.add ${get("c")} ${i32(1)}))`,
    ]),
  ];
}

function sparseUpdate(relaxed: boolean, coded: boolean): string {
  const valAt = valueAt(coded);
  return [
    `;; One example (BP4): wT[idx[c], 0..nOut) += (step · val[c]) · delta[0..nOut); the listed`,
    `;; pixels are the only rows whose gradient is non-zero. With step = -eta/m this is the SGD`,
    `;; update; with step = 1/m into a gradient buffer, the gradient. δ's blocks stay in registers.`,
    `(func (export "sparse_update${coded ? "_coded" : ""}") (param $w i32) (param $nOut i32)`,
    `  (param $idx i32) ${
      valueParams(coded)
    } (param $count i32) (param $delta i32) (param $step f32)`,
    `  (local $row i32) (local $jb i32) (local $c i32) (local $p i32) (local $s v128)`,
    `  (local $x f32) (local $end i32) (local $rest i32)`,
    ...range(8).map((k) => `  (local $a${k} v128)`),
    ...range(3).map((k) => `  (local $t${k} f32)`),
    `  (local.set $row (i32.shl ${get("nOut")} ${i32(2)}))`,
    `  (local.set $end (i32.shl (i32.shr_u ${get("nOut")} ${i32(5)}) ${i32(7)}))`,
    ...loop("u32", `(i32.lt_u ${get("jb")} ${get("end")})`, [
      ...updateVectors(relaxed, valAt, 8, "uv8"),
      `(local.set $jb (i32.add ${get("jb")} ${i32(128)}))`,
    ]).map((l) => `  ${l}`),
    `  (local.set $rest (i32.and (i32.shr_u ${get("nOut")} ${i32(2)}) ${i32(7)}))`,
    ...byCount(get("rest"), 7, (v) => updateVectors(relaxed, valAt, v, `uv${v}`)).map((l) =>
      `  ${l}`
    ),
    `  (local.set $jb (i32.add ${get("jb")} (i32.shl ${get("rest")} ${i32(4)})))`,
    ...byCount(`(i32.and ${get("nOut")} ${i32(3)})`, 3, (t) => updateScalars(valAt, t)).map((l) =>
      `  ${l}`
    ),
    `)`,
  ].join("\n");
}

/** The sparse kernels' text; `relaxed` chooses fused multiply-add for the vector blocks. */
export function sparseWat(relaxed: boolean): string {
  return [false, true].flatMap((coded) => [
    sparseForward(relaxed, coded),
    sparseUpdate(relaxed, coded),
  ]).join("\n\n");
}
