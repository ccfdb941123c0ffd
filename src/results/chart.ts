/**
 * Charts as Vega-Lite specifications, and their rendering to SVG text (no browser needed).
 *
 * @module
 */
import * as vega from "npm:vega@6.2.0";
import { compile, type TopLevelSpec } from "npm:vega-lite@6.4.1";

/** A Vega-Lite specification, as JSON. */
export type ChartSpec = Record<string, unknown>;

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), {
    renderer: "none",
  });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
