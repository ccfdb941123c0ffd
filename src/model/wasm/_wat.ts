// Small builders of WebAssembly text shared by the kernel generators.

/** `(local.get $name)`. */
export const get = (name: string): string => `(local.get $${name})`;
/** `(i32.add a b)`. */
export const add = (a: string, b: string): string => `(i32.add ${a} ${b})`;
/** `(i32.const n)`. */
export const i32 = (n: number): string => `(i32.const ${n})`;

/** `(f32x4 fused or plain) a·b + c`. */
export function madd(relaxed: boolean, a: string, b: string, c: string): string {
  return relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`;
}

/** A `while (cond) { body }` loop. */
export function loop(label: string, cond: string, body: string[]): string[] {
  return [
    `(block $${label}_done (loop $${label}`,
    `  (br_if $${label}_done (i32.eqz ${cond}))`,
    ...body.map((l) => `  ${l}`),
    `  (br $${label})))`,
  ];
}
