// Max-pooling over s×s windows every `stride` positions (network3.py's non-overlapping windows
// by default) of the previous layer's maps, as a layer of its own: used where a pool does not
// directly follow a convolution (a convolution followed by a pool is one ConvLayer, which
// pools before its bias and activation).
import type { Kernels, WasmArena } from "../_arena.ts";
import {
  type Layer,
  type LayerWork,
  type Param,
  type Pass,
  poolBackward,
  positions,
  shapeText,
  sizeOf,
} from "./_layer.ts";

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
  readonly stride: number;

  /** Windows of `size` every `stride` (default `size`: non-overlapping). */
  constructor(inShape: readonly number[], size: number, stride = size) {
    const [c, h, w] = inShape;
    this.inShape = inShape;
    this.size = size;
    this.stride = stride;
    this.outShape = [c, positions(h, size, 0, stride), positions(w, size, 0, stride)];
    this.inSize = sizeOf(inShape);
    this.outSize = sizeOf(this.outShape);
    this.fanIn = size * size;
  }

  describe(): string {
    const stride = this.stride === this.size ? "" : ` stride ${this.stride}`;
    return `pool ${this.size}${stride} -> ${shapeText(this.outShape)}`;
  }

  allocate(arena: WasmArena, m: number): LayerWork {
    return { m, a: arena.float32(m * this.outSize), dA: arena.float32(m * this.outSize) };
  }

  forward(k: Kernels, work: LayerWork, x: Float32Array, m: number, _pass: Pass): void {
    const [c, h, w] = this.inShape;
    k.maxpool(x.byteOffset, work.a.byteOffset, m * c, h, w, this.size, this.stride);
  }

  /** Each window's δ to its first largest input (row order), summed where windows overlap. */
  backward(k: Kernels, work: LayerWork, x: Float32Array, m: number, dX: Float32Array | null): void {
    if (!dX) return;
    const [c, h, w] = this.inShape;
    poolBackward(k, x, work.a, work.dA, dX, m * c, h, w, this.size, this.stride);
  }

  gradients(): void {}

  sgdStep(): void {}
}
