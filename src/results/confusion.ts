/**
 * Confusion matrices as Vega-Lite charts: which digits a trial mistakes for which (rows the
 * true class, columns the predicted one; the errors coloured, the diagonal's correct counts in
 * green), and the change between two settings (each setting's matrix averaged over its
 * trials, B minus A; red where B is worse: more errors off the diagonal, fewer correct on it).
 *
 * @module
 */
import { type ChartSpec, PICTURE_CONFIG } from "./chart.ts";

const CELL = 40;

/** The mean of several matrices (a setting's trials), cell by cell. */
export function meanMatrix(matrices: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(matrices[0]?.length ?? 0);
  for (const m of matrices) for (let i = 0; i < out.length; i++) out[i] += m[i] / matrices.length;
  return out;
}

function cells(m: ArrayLike<number>, classes: number, value: (x: number, diag: boolean) => number) {
  const out = [];
  for (let t = 0; t < classes; t++) {
    for (let p = 0; p < classes; p++) {
      const x = m[t * classes + p];
      out.push({ true: t, predicted: p, diag: t === p, count: x, v: value(x, t === p) });
    }
  }
  return out;
}

function axes(classes: number) {
  const domain = Array.from({ length: classes }, (_, i) => i);
  return {
    x: {
      field: "predicted",
      type: "ordinal" as const,
      title: "predicted class",
      scale: { domain },
      axis: { orient: "top" as const, labelAngle: 0, labelFontSize: 13, titleFontSize: 13 },
    },
    y: {
      field: "true",
      type: "ordinal" as const,
      title: "true class",
      scale: { domain },
      axis: { labelFontSize: 13, titleFontSize: 13 },
    },
  };
}

/** What both matrices share: the schema, title, square size, cells and class axes. */
function frame(classes: number, title: string, subtitle: string[], data: unknown[]) {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle, anchor: "start" },
    width: CELL * classes,
    height: CELL * classes,
    data: { values: data },
    encoding: axes(classes),
  };
}

/**
 * A trial's (or a setting's mean) confusion matrix `m` (`m[t * classes + p]`: images of class
 * t predicted as p).
 */
export function confusionSpec(
  m: ArrayLike<number>,
  classes: number,
  title: string,
  subtitle: string[] = [],
): ChartSpec {
  const data = cells(m, classes, (x) => x);
  const maxError = Math.max(1, ...data.filter((d) => !d.diag).map((d) => d.count));
  return {
    ...frame(classes, title, subtitle, data),
    layer: [
      {
        transform: [{ filter: "!datum.diag" }],
        mark: { type: "rect", stroke: "#eee" },
        encoding: {
          color: {
            field: "count",
            type: "quantitative",
            title: "errors",
            // White for none, so that the cells with errors stand out.
            scale: {
              type: "linear",
              domain: [0, maxError / 3, (2 * maxError) / 3, maxError],
              range: ["#ffffff", "#fc9272", "#cb181d", "#67000d"],
              interpolate: "rgb",
              nice: false,
            },
          },
          tooltip: [{ field: "true" }, { field: "predicted" }, { field: "count", format: ".3~f" }],
        },
      },
      {
        transform: [{ filter: "datum.diag" }],
        mark: { type: "rect", color: "#cfe8cf", stroke: "#eee" },
        encoding: {
          tooltip: [{ field: "true" }, { field: "count", title: "correct", format: ".3~f" }],
        },
      },
      {
        transform: [{ calculate: `datum.count === 0 ? '' : ${textExpr()}`, as: "label" }],
        mark: { type: "text", fontSize: 12 },
        encoding: {
          text: { field: "label" },
          color: {
            condition: { test: `!datum.diag && datum.count > ${0.55 * maxError}`, value: "white" },
            value: "black",
          },
        },
      },
    ],
    config: PICTURE_CONFIG,
  };
}

/** Integers as they are; means over trials rounded: whole from 10 on, else one decimal. */
function textExpr(field = "count"): string {
  const x = `datum.${field}`;
  return `(${x} === round(${x}) || abs(${x}) >= 9.95 ? format(${x}, 'd') : format(${x}, '.1~f'))`;
}

/**
 * The change from matrix `a` to matrix `b` (each a setting's mean over its trials), cell by
 * cell `b - a`: red where B is worse (more errors off the diagonal, fewer correct on it), blue
 * where it is better.
 */
export function confusionDiffSpec(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  classes: number,
  title: string,
  subtitle: string[] = [],
): ChartSpec {
  const diff = Array.from(a, (x, i) => b[i] - x);
  const data = cells(diff, classes, (d, diag) => (diag ? -d : d));
  const max = Math.max(0.5, ...data.map((d) => Math.abs(d.v)));
  return {
    ...frame(classes, title, subtitle, data),
    layer: [
      {
        mark: { type: "rect", stroke: "#eee" },
        encoding: {
          color: {
            field: "v",
            type: "quantitative",
            title: ["red: B worse", "blue: B better"],
            scale: { scheme: "redblue", reverse: true, domain: [-max, max] },
          },
          tooltip: [
            { field: "true" },
            { field: "predicted" },
            { field: "count", title: "B - A", format: "+.3~f" },
          ],
        },
      },
      {
        transform: [{
          calculate: `datum.count === 0 ? '' : (datum.count > 0 ? '+' : '') + ${textExpr()}`,
          as: "label",
        }],
        mark: { type: "text", fontSize: 12 },
        encoding: {
          text: { field: "label" },
          color: {
            condition: { test: `abs(datum.v) > ${0.55 * max}`, value: "white" },
            value: "black",
          },
        },
      },
    ],
    config: PICTURE_CONFIG,
  };
}
