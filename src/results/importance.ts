/**
 * What a search says about its parameters: each sampled parameter's importance, and a
 * parallel-coordinates chart of every trial's settings against its result.
 *
 * **Importance** is the share of the result's variance that the parameter explains on its own:
 * the trials are put in bins by the parameter (equal-count bins of neighbouring values, about
 * √n of them and at most 10; one bin per value for a choice), and the variance between the
 * bins' means is compared with the total (a one-way analysis of variance). It is reported
 * adjusted for chance (ε², the adjusted R² of that analysis: 1 − within-bin mean square /
 * total mean square, clipped at 0), because with k bins even a parameter without effect
 * explains (k − 1)/(n − 1) of the variance on average. This is the first-order ("main
 * effect") variance fraction that Optuna's default evaluator (fANOVA) estimates with a random
 * forest; bins make it a few lines that a reader can check by hand, and unlike a rank
 * correlation it sees a learning rate that is bad both too small and too large. Optuna
 * normalises its importances to sum to 1; these are not normalised (what is left is
 * interactions and noise). Spearman's rank correlation is shown beside it for the direction.
 *
 * @module
 */
import { settingText } from "../experiment/mod.ts";
import { type ChartSpec, PICTURE_CONFIG } from "./chart.ts";

/** One trial: its parameters' values and its result. */
export interface SearchPoint {
  values: Record<string, unknown>;
  y: number;
  /** A label for tooltips. */
  trial?: string;
}

/** One parameter's importance. */
export interface Importance {
  key: string;
  /** ε²: the share of variance explained by the parameter's bins, adjusted for chance. */
  importance: number;
  /** η²: the same, unadjusted. */
  eta2: number;
  /** Spearman's rank correlation with the result (null for a choice of non-numbers). */
  spearman: number | null;
  bins: number;
  n: number;
}

/** Bin of each point: equal-count bins by value (equal values share a bin), or one per value. */
export function binsOf(values: unknown[]): { bin: number[]; k: number } {
  const n = values.length;
  if (!values.every((v) => typeof v === "number")) {
    const levels = [...new Set(values.map((v) => settingText(v)))];
    return { bin: values.map((v) => levels.indexOf(settingText(v))), k: levels.length };
  }
  const nums = values as number[];
  const distinct = new Set(nums).size;
  const k = Math.min(distinct, 10, Math.max(2, Math.round(Math.sqrt(n))));
  const order = nums.map((_, i) => i).sort((a, b) => nums[a] - nums[b]);
  const bin = new Array<number>(n);
  let prevBin = 0;
  order.forEach((i, rank) => {
    // Equal-count boundaries, except that equal values always share a bin.
    const tie = rank > 0 && nums[i] === nums[order[rank - 1]];
    bin[i] = prevBin = tie ? prevBin : Math.max(prevBin, Math.floor((rank * k) / n));
  });
  const used = [...new Set(bin)].sort((a, b) => a - b);
  return { bin: bin.map((b) => used.indexOf(b)), k: used.length };
}

function ranks(xs: number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const r = new Array<number>(xs.length);
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e + 1 < order.length && xs[order[e + 1]] === xs[order[s]]) e++;
    for (let j = s; j <= e; j++) r[order[j]] = (s + e) / 2 + 1; // ties: their mean rank
    s = e + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson's on ranks, ties at their mean rank). */
export function spearman(xs: number[], ys: number[]): number {
  const a = ranks(xs);
  const b = ranks(ys);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Each of `keys`' importance for the points' results (see the module). Parameters with fewer
 * than two bins, or fewer points than bins + 2, get none.
 */
export function parameterImportance(points: SearchPoint[], keys: string[]): Importance[] {
  const ys = points.map((p) => p.y);
  const n = ys.length;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  const total = ys.reduce((a, y) => a + (y - mean) ** 2, 0);
  return keys.flatMap((key) => {
    const values = points.map((p) => p.values[key]);
    const { bin, k } = binsOf(values);
    if (k < 2 || n < k + 2) return [];
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    bin.forEach((b, i) => {
      sums[b] += ys[i];
      counts[b]++;
    });
    let within = 0;
    bin.forEach((b, i) => (within += (ys[i] - sums[b] / counts[b]) ** 2));
    const eta2 = total > 0 ? 1 - within / total : 0;
    const adjusted = total > 0 ? 1 - (within / (n - k)) / (total / (n - 1)) : 0;
    const numeric = values.every((v) => typeof v === "number");
    return [{
      key,
      importance: Math.max(0, adjusted),
      eta2,
      spearman: numeric ? spearman(values as number[], ys) : null,
      bins: k,
      n,
    }];
  });
}

/** A bar per parameter: its importance, with Spearman's correlation beside it. */
export function importanceSpec(imp: Importance[], metric: string, subtitle: string): ChartSpec {
  const values = [...imp].sort((a, b) => b.importance - a.importance).map((i) => ({
    key: i.key,
    importance: i.importance,
    label: `${(100 * i.importance).toFixed(0)}%${
      i.spearman === null
        ? ""
        : `  (ρ ${i.spearman >= 0 ? "+" : "−"}${Math.abs(i.spearman).toFixed(2)})`
    }`,
    eta2: i.eta2,
    bins: i.bins,
  }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Parameter importance for ${metric}`,
      subtitle: [
        subtitle,
        "share of the variance explained by the parameter's bins, adjusted for chance;",
        "ρ: Spearman's rank correlation with the result",
      ],
      anchor: "start",
    },
    width: 360,
    height: { step: 34 },
    data: { values },
    encoding: {
      y: { field: "key", type: "nominal", sort: null, title: null, axis: { labelFontSize: 13 } },
      x: {
        field: "importance",
        type: "quantitative",
        title: "importance (ε²)",
        scale: { domain: [0, 1] },
        axis: { format: "%" },
      },
    },
    layer: [
      {
        mark: { type: "bar", color: "#4c78a8" },
        encoding: {
          tooltip: [{ field: "key" }, { field: "importance", format: ".1%" }, {
            field: "eta2",
            title: "η² (unadjusted)",
            format: ".1%",
          }, { field: "bins" }],
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 12 },
        encoding: { text: { field: "label" } },
      },
    ],
    config: PICTURE_CONFIG,
  };
}

/** One axis of the parallel-coordinates chart: a parameter, on a log scale or not. */
export interface ParallelAxis {
  key: string;
  log: boolean;
  /** Values are categories (a `choice`), spaced evenly. */
  choice?: boolean;
}

/**
 * Parallel coordinates: an axis per sampled parameter and one for the result, a line per
 * trial coloured by its result (the best drawn last), each axis from its lowest value to its
 * highest (log axes by the logarithm; a choice's values evenly spaced).
 */
export function parallelSpec(
  points: SearchPoint[],
  axes: ParallelAxis[],
  result: { title: string; lowerIsBetter: boolean },
  subtitle: string,
): ChartSpec {
  const sorted = [...points].sort((a, b) => (result.lowerIsBetter ? b.y - a.y : a.y - b.y));
  const name = (a: ParallelAxis) => (a.log ? `${a.key} (log)` : a.key);
  const columns = [...axes.map(name), result.title];
  const lines: Record<string, unknown>[] = [];
  const labels: Record<string, unknown>[] = [];
  const place = (key: string, values: unknown[], log: boolean, choice = false) => {
    if (choice || !values.every((v) => typeof v === "number")) {
      const numeric = values.every((v) => typeof v === "number");
      const levels = [...new Set(values.map((v) => settingText(v)))]
        .sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
      const at = (v: unknown) =>
        levels.length > 1 ? levels.indexOf(settingText(v)) / (levels.length - 1) : 0.5;
      levels.forEach((l) => labels.push({ axis: key, y: at(l), text: l }));
      return at;
    }
    const f = (v: number) => (log ? Math.log10(v) : v);
    const xs = (values as number[]).map(f);
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    const text = (x: number) => settingText(Number((log ? 10 ** x : x).toPrecision(3)));
    labels.push({ axis: key, y: 0, text: text(lo) }, { axis: key, y: 1, text: text(hi) });
    return (v: unknown) => (hi > lo ? (f(v as number) - lo) / (hi - lo) : 0.5);
  };
  const scales = axes.map((a) =>
    place(name(a), sorted.map((p) => p.values[a.key]), a.log, a.choice)
  );
  const resultAt = place(result.title, sorted.map((p) => p.y), false);
  sorted.forEach((p, i) => {
    const common = { trial: i, label: p.trial ?? String(i), result: p.y };
    axes.forEach((a, j) =>
      lines.push({
        ...common,
        axis: name(a),
        y: scales[j](p.values[a.key]),
        value: settingText(p.values[a.key]),
      })
    );
    lines.push({ ...common, axis: result.title, y: resultAt(p.y), value: String(p.y) });
  });
  const x = {
    field: "axis",
    type: "nominal" as const,
    sort: columns,
    scale: { type: "point" as const, padding: 0.25 },
    title: null,
    axis: {
      labelFontSize: 13,
      labelAngle: 0,
      labelLimit: 400,
      orient: "bottom" as const,
      domain: false,
      labelPadding: 10,
    },
  };
  const y = { type: "quantitative" as const, scale: { domain: [0, 1] }, axis: null };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Settings against ${result.title}`,
      subtitle: [subtitle, "a line per trial, coloured by its result (yellow: the best)"],
      anchor: "start",
    },
    width: Math.max(420, 150 * columns.length),
    height: 300,
    layer: [
      {
        data: { values: columns.map((c) => ({ axis: c })) },
        mark: { type: "rule", color: "#888" },
        encoding: { x, y: { ...y, datum: 0 }, y2: { datum: 1 } },
      },
      {
        data: { values: lines },
        mark: { type: "line", strokeWidth: 1.5, opacity: 0.75 },
        encoding: {
          x,
          y: { ...y, field: "y" },
          detail: { field: "trial", type: "nominal" },
          color: {
            field: "result",
            type: "quantitative",
            scale: { scheme: "viridis", reverse: result.lowerIsBetter },
            legend: null,
          },
          tooltip: [{ field: "label", title: "trial" }, { field: "axis" }, { field: "value" }],
        },
      },
      {
        data: { values: labels },
        mark: { type: "text", align: "left", dx: 5, fontSize: 12, color: "#222" },
        encoding: { x, y: { ...y, field: "y" }, text: { field: "text" } },
      },
    ],
    config: PICTURE_CONFIG,
  };
}
