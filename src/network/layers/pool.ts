// Max-pooling over non-overlapping s×s windows of the previous layer's maps, as a layer of its
// own: used where a pool does not directly follow a convolution (a convolution followed by a
// pool is one ConvLayer, which pools before its bias and activation).
import type { Kernels, WasmArena } from "../_arena.ts";
import { type Layer, type LayerWork, type Param, type Pass, shapeText, sizeOf } from "./_layer.ts";
import { maxPool } from "./conv.ts";

interface PoolWork extends LayerWork {
  argmax: Int32Array;
}

/** A max-pooling layer. */
export class PoolLayer implements Layer {
  readonly type = "pool" as const;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly inSize: number;
  readonly outSize: number;
  readonly params: Param[] = [];
  readonly state: Float32Array[] = [];
  readonly fanIn: number;
  readonly fanOut = 1;
  readonly size: number;

  constructor(inShape: readonly number[], size: number) {
    const [c, h, w] = inShape;
    this.inShape = inShape;
    this.size = size;
    this.outShape = [c, h / size, w / size];
    this.inSize = sizeOf(inShape);
    this.outSize = sizeOf(this.outShape);
    this.fanIn = size * size;
  }

  describe(): string {
    return `pool ${this.size} -> ${shapeText(this.outShape)}`;
  }

  allocate(arena: WasmArena, m: number): PoolWork {
    return {
      m,
      a: arena.float32(m * this.outSize),
      dA: arena.float32(m * this.outSize),
      argmax: new Int32Array(m * this.outSize),
    };
  }

  forward(_k: Kernels, work: LayerWork, x: Float32Array, m: number, _pass: Pass): void {
    const [c, h, w] = this.inShape;
    maxPool(x, work.a, (work as PoolWork).argmax, m * c, h, w, this.size);
  }

  backward(
    _k: Kernels,
    work: LayerWork,
    _x: Float32Array,
    m: number,
    dX: Float32Array | null,
  ): void {
    if (!dX) return;
    dX.fill(0, 0, m * this.inSize);
    const argmax = (work as PoolWork).argmax;
    const delta = work.dA;
    for (let o = 0, n = m * this.outSize; o < n; o++) dX[argmax[o]] += delta[o];
  }

  gradients(): void {}

  sgdStep(): void {}
}
