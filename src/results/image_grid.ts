/**
 * Grids of small images as SVG: misclassified digits with their labels, first-layer weights
 * as tiles. The tiles are drawn into one grayscale PNG (enlarged pixel by pixel, so no viewer
 * blurs them), embedded as a data URL, with the captions as SVG text: the SVG stands alone in
 * report.html, the live view, a notebook or a file.
 *
 * @module
 */
import { zlibSync } from "npm:fflate@0.8.2";
import { crc32 } from "../core/mod.ts";

/** One tile: `pixels` are gray levels, 0 white and 255 black (ink), row-major. */
export interface Tile {
  pixels: Uint8Array;
  /** Text under the tile. */
  caption?: string;
  /** Hover text. */
  title?: string;
}

/** A grid of tiles of one shape. */
export interface GridOptions {
  /** `[height, width]` of every tile, in pixels. */
  shape: [number, number];
  /** Screen pixels per tile pixel. */
  scale: number;
  /** Tiles per row. */
  columns: number;
  /** Lines above the grid: a title, then smaller lines. */
  title: string;
  subtitle?: string[];
  /** A heading over each block of tiles (stacked blocks share the scale). */
  blocks?: { heading: string; tiles: Tile[] }[];
  tiles?: Tile[];
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(0, out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit grayscale PNG of `gray` (0 black, 255 white), `width` x `height`. */
export function grayPng(width: number, height: number, gray: Uint8Array): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale, no interlace
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk("IHDR", header),
    chunk("IDAT", zlibSync(raw, { level: 9 })),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

const GAP = 6;
const CAPTION = 16;
const TITLE = 22;
const LINE = 17;
const HEADING = 22;

/** The grid as SVG text. */
export function tileGridSvg(o: GridOptions): string {
  const blocks = o.blocks ?? [{ heading: "", tiles: o.tiles ?? [] }];
  const [h, w] = o.shape;
  const cellW = w * o.scale;
  const cellH = h * o.scale;
  const captioned = blocks.some((b) => b.tiles.some((t) => t.caption));
  const rowH = cellH + GAP + (captioned ? CAPTION : 0);
  const columns = Math.max(1, Math.min(o.columns, Math.max(...blocks.map((b) => b.tiles.length))));
  const gridW = columns * (cellW + GAP) - GAP;
  const lines = o.subtitle ?? [];
  let y = 8 + TITLE + lines.length * LINE + 8;
  // Wide enough for the text too (about 0.6 em per character of sans-serif).
  const textW = Math.max(16 * 0.62 * o.title.length, ...lines.map((l) => 13 * 0.56 * l.length));
  const width = Math.ceil(Math.max(gridW + 16, textW + 16, 360));
  const parts: string[] = [];
  parts.push(
    `<text x="8" y="${8 + 16}" font-size="16" font-weight="bold">${escapeXml(o.title)}</text>`,
  );
  lines.forEach((l, i) =>
    parts.push(
      `<text x="8" y="${8 + TITLE + (i + 1) * LINE - 4}" font-size="13" fill="#444">${
        escapeXml(l)
      }</text>`,
    )
  );
  for (const block of blocks) {
    if (block.heading) {
      parts.push(
        `<text x="8" y="${y + 15}" font-size="14" font-weight="bold">${
          escapeXml(block.heading)
        }</text>`,
      );
      y += HEADING;
    }
    const rows = Math.ceil(block.tiles.length / columns);
    if (rows === 0) continue;
    // One PNG per block: the tiles enlarged, white between them.
    const pw = gridW;
    const ph = (rows - 1) * rowH + cellH;
    const gray = new Uint8Array(pw * ph).fill(255);
    block.tiles.forEach((t, i) => {
      const x0 = (i % columns) * (cellW + GAP);
      const y0 = Math.floor(i / columns) * rowH;
      for (let py = 0; py < cellH; py++) {
        const sy = Math.floor(py / o.scale);
        for (let px = 0; px < cellW; px++) {
          gray[(y0 + py) * pw + x0 + px] = 255 - t.pixels[sy * w + Math.floor(px / o.scale)];
        }
      }
    });
    const url = `data:image/png;base64,${base64(grayPng(pw, ph, gray))}`;
    parts.push(
      `<image x="8" y="${y}" width="${pw}" height="${ph}" href="${url}" style="image-rendering:pixelated"/>`,
    );
    block.tiles.forEach((t, i) => {
      const x0 = 8 + (i % columns) * (cellW + GAP);
      const y0 = y + Math.floor(i / columns) * rowH;
      // A thin frame: the tile's extent shows even where it is white.
      parts.push(
        `<rect x="${x0 - 0.5}" y="${y0 - 0.5}" width="${cellW + 1}" height="${
          cellH + 1
        }" fill="none" stroke="#bbb" stroke-width="1">${
          t.title ? `<title>${escapeXml(t.title)}</title>` : ""
        }</rect>`,
      );
      if (t.caption) {
        parts.push(
          `<text x="${x0 + cellW / 2}" y="${y0 + cellH + 13}" font-size="13" text-anchor="middle">${
            escapeXml(t.caption)
          }</text>`,
        );
      }
    });
    y += ph + (captioned ? CAPTION : 0) + GAP + 4;
  }
  const height = y + 4;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="tile-grid" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${
    parts.join("")
  }</svg>`;
}
