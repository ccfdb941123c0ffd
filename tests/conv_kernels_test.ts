// The convolution and pooling kernels on their own, where the layers' gradient checks cannot
// see a fault: a column buffer's padding stays zero from its allocation, so im2col must be
// shown to write every value into a buffer of garbage; and the strided max-pooling backward
// pass, where windows overlap (their gradients add up) or leave inputs between them (zero).
import { assertEquals } from "./_assert.ts";
import { Network, Rng } from "../mod.ts";
import { PoolLayer } from "../src/model/layers/pool.ts";

Deno.test("overlapping windows add their gradients; inputs between strided windows get zero", () => {
  const net = new Network({ sizes: [2, 2] }); // only for its arena
  const arena = net.engine.arena;
  const k = arena.kernels;
  const pass = { mode: "train" as const, rng: new Rng(1) };
  const x = arena.float32(9);
  x.set([1, 2, 0, 3, 9, 4, 0, 5, 1]); // the centre is every 2x2 window's maximum
  const dX = arena.float32(9);

  const overlapping = new PoolLayer([1, 3, 3], 2, 1);
  const a = overlapping.allocate(arena, 1);
  overlapping.forward(k, a, x, 1, pass);
  assertEquals([...a.a], [9, 9, 9, 9]);
  a.dA.set([1, 2, 3, 4]);
  dX.fill(NaN);
  overlapping.backward(k, a, x, 1, dX);
  assertEquals([...dX], [0, 0, 0, 0, 10, 0, 0, 0, 0]);

  const strided = new PoolLayer([1, 3, 3], 1, 2); // the four corners
  const b = strided.allocate(arena, 1);
  strided.forward(k, b, x, 1, pass);
  assertEquals([...b.a], [1, 0, 0, 1]);
  b.dA.set([1, 2, 3, 4]);
  dX.fill(NaN);
  strided.backward(k, b, x, 1, dX);
  assertEquals([...dX], [1, 0, 2, 0, 0, 0, 3, 0, 4]);
});

Deno.test("im2col and col2im with padding and stride write and add every value", async (t) => {
  // [C, H, W, k, pad, stride]: padded on every side, strided, rows of 7 (a vector and a tail).
  const shapes = [[2, 7, 5, 3, 2, 2], [1, 3, 6, 2, 1, 1], [3, 6, 6, 3, 0, 3], [1, 5, 9, 3, 0, 1]];
  for (const [C, H, W, k, pad, stride] of shapes) {
    await t.step(`${C}x${H}x${W}, kernel ${k}, pad ${pad}, stride ${stride}`, () => {
      const oh = (H + 2 * pad - k) / stride + 1;
      const ow = (W + 2 * pad - k) / stride + 1;
      const P = oh * ow;
      const arena = new Network({ sizes: [2, 2] }).engine.arena;
      const img = arena.float32(C * H * W);
      for (let i = 0; i < img.length; i++) img[i] = i + 1;
      const col = arena.float32(C * k * k * P).fill(NaN); // every value must be written
      arena.kernels.im2col(img.byteOffset, C, H, W, k, pad, stride, col.byteOffset);
      // Row (c, dy, dx), column (y, x): the pixel at (y·stride + dy - pad, x·stride + dx - pad).
      const want: number[] = [];
      const back = Array.from(img, (v) => -v); // col2im adds onto what is there
      for (let c = 0; c < C; c++) {
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            for (let y = 0; y < oh; y++) {
              for (let x = 0; x < ow; x++) {
                const r = y * stride + dy - pad;
                const q = x * stride + dx - pad;
                const inside = r >= 0 && r < H && q >= 0 && q < W;
                const v = inside ? img[c * H * W + r * W + q] : 0;
                want.push(v);
                if (inside) back[c * H * W + r * W + q] += 0.5 * v;
              }
            }
          }
        }
      }
      assertEquals([...col], want);
      for (let i = 0; i < col.length; i++) col[i] *= 0.5;
      for (let i = 0; i < img.length; i++) img[i] = -img[i];
      arena.kernels.col2im(img.byteOffset, C, H, W, k, pad, stride, col.byteOffset);
      assertEquals([...img], back);
    });
  }
});
