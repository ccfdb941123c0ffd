/**
 * Rich display in Jupyter through the display protocol of Deno's kernel: an object with a
 * `Symbol.for("Jupyter.display")` method shows as the media bundle it returns. Nothing here
 * needs the kernel (the method is only called there), so the CLI never depends on it.
 *
 * @module
 */

/** The symbol Deno's Jupyter kernel calls to display an object. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A Jupyter media bundle: MIME type to content. */
export type MediaBundle = Record<string, string>;

/** True inside `deno jupyter` (where `Deno.jupyter` exists; outside, touching it throws). */
export function inJupyter(): boolean {
  try {
    return typeof (Deno as unknown as { jupyter?: { broadcast?: unknown } }).jupyter?.broadcast ===
      "function";
  } catch {
    return false;
  }
}

/**
 * HTML with a plain-text fallback, shown as HTML in a notebook.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { Html, JUPYTER_DISPLAY } from "./display.ts";
 * const h = new Html("<b>95.42%</b>", "95.42%");
 * assertEquals(h[JUPYTER_DISPLAY](), { "text/html": "<b>95.42%</b>", "text/plain": "95.42%" });
 * ```
 */
export class Html {
  /** `html` for notebooks, `text` for everything else. */
  constructor(readonly html: string, readonly text: string) {}
  /** The media bundle Jupyter shows. */
  [JUPYTER_DISPLAY](): MediaBundle {
    return { "text/html": this.html, "text/plain": this.text };
  }
  /** The plain text. */
  toString(): string {
    return this.text;
  }
}

/** An SVG chart, shown as an image in a notebook; `svg` is its text. */
export class Svg {
  /** The chart's SVG text and a title for plain-text displays. */
  constructor(readonly svg: string, readonly title: string) {}
  /**
   * The media bundle Jupyter shows: the SVG as an image, and inline in HTML, which frontends
   * prefer and which survives exports that strip `image/svg+xml` outputs (nbconvert's HTML).
   */
  [JUPYTER_DISPLAY](): MediaBundle {
    return {
      "image/svg+xml": this.svg,
      "text/html": `<div class="netsweep-chart">${this.svg}</div>`,
      "text/plain": this.title,
    };
  }
  /** Writes the SVG to `path`. */
  save(path: string): Promise<void> {
    return Deno.writeTextFile(path, this.svg);
  }
  /** The title: what a chart prints as in a log or a plain-text cell. */
  toString(): string {
    return this.title;
  }
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}
