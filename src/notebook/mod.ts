/**
 * netsweep in Jupyter (Deno's kernel): a sweep with a progress element updated in place, and
 * results, comparisons and charts that display themselves.
 *
 * @module
 */
export { Html, JUPYTER_DISPLAY, type MediaBundle, Svg } from "./display.ts";
export { NotebookSweep, type NotebookSweepOptions, sweep } from "./sweep.ts";
export { chart, compare, ComparisonView, loadSweep, SweepView } from "./views.ts";
export { type TrialSelector, TrialView } from "./pictures.ts";
