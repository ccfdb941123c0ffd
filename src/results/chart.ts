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

/**
 * Vega-Lite configuration of the pictures (confusion matrices, a search's charts): no text
 * under 12 px, so that every label reads at the size the report shows it.
 */
export const PICTURE_CONFIG: Record<string, unknown> = {
  font: "sans-serif",
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: "#444" },
  axis: { labelFontSize: 12, titleFontSize: 13 },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: null },
};
