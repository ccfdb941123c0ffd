/**
 * `report.html`: one self-contained page (no network needed to view it) with the settings
 * table (with the vote of each setting's repeats), the learning curves as inline SVG, the
 * pictures drawn from the trials' predictions (the best trial's confusion matrix, misclassified
 * digits and first-layer weights, the change between the two best settings, the vote's
 * misclassified digits), the experiment's description and resolved file, and the run
 * environment.
 *
 * @module
 */
import { join } from "node:path";
import type { SweepData } from "./read.ts";
import { compareSweeps, type Comparison } from "./compare.ts";
import { comparisonCells, comparisonNotes, datasetParts } from "./table.ts";
import { renderCharts } from "./plots.ts";
import { loadPicturePredictions, type Picture, sweepPictures } from "./pictures.ts";
import { writeFileAtomic } from "../coordination/mod.ts";

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

/**
 * The settings table as an HTML `<table id="settings">`, the best row marked with ★; rows on
 * different datasets make one table each (class `settings`), each under its dataset's name.
 */
export function tableHtml(c: Comparison): string {
  return datasetParts(c).map(({ dataset, part }, i) => {
    const { header, cells } = comparisonCells(part);
    const head = header.map((h, j) => `<th>${j === 0 ? "best" : esc(h)}</th>`).join("");
    const body = cells
      .map((r, j) =>
        `<tr${part.rows[j].isBest ? ' class="best"' : ""}>${
          r.map((v, k) => `<td>${k === 0 && v === "*" ? "★" : esc(v)}</td>`).join("")
        }</tr>`
      )
      .join("\n");
    const title = dataset ? `<p class="dataset"><b>dataset:</b> ${esc(dataset)}</p>\n` : "";
    const attributes = `${i === 0 ? ' id="settings"' : ""}${dataset ? ' class="settings"' : ""}`;
    return `${title}<table${attributes}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
  }).join("\n");
}

/** The pictures as HTML figures (empty when the trials kept no predictions). */
export function picturesHtml(pictures: Picture[]): string {
  if (pictures.length === 0) return "";
  const figures = pictures.map((p) =>
    `<figure class="picture" id="picture-${esc(p.name)}"><figcaption>${
      esc(p.title)
    }</figcaption>${p.svg}</figure>`
  );
  return `<h2>Pictures</h2>\n<div class="pictures">\n${figures.join("\n")}\n</div>`;
}

/** The report's HTML for one sweep (reading the predictions its pictures and votes need). */
export async function reportHtml(sweep: SweepData): Promise<string> {
  await loadPicturePredictions([sweep]);
  const c = compareSweeps([sweep]);
  const charts = await renderCharts([sweep]);
  const pictures = await sweepPictures([sweep]);
  const e = sweep.experiment;
  const notes = comparisonNotes(c).map((n) => `<li>${esc(n)}</li>`).join("\n");
  const env = Object.entries(sweep.environment)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`)
    .join("");
  const incomplete = c.unfinished > 0
    ? `<p class="warn">Incomplete: ${c.unfinished} of ${c.trials} trials are unfinished; the table shows what exists.</p>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(e.name)} — netsweep report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.7rem; text-align: left; }
tr.best td { background: #eef6ee; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.chart { border: 1px solid #eee; padding: 0.5rem; }
pre { background: #f6f6f6; padding: 1rem; overflow-x: auto; }
.warn { color: #a33; }
.pictures { display: flex; flex-direction: column; gap: 1.5rem; }
.picture { margin: 0; border: 1px solid #eee; padding: 0.5rem; overflow-x: auto; }
.picture figcaption { font-weight: 600; margin-bottom: 0.3rem; }
</style>
</head>
<body>
<h1>${esc(e.name)}</h1>
<p class="description">${esc(e.description)}</p>
${incomplete}
<h2>Settings</h2>
${tableHtml(c)}
<ul class="notes">
${notes}
</ul>
<h2>Learning curves</h2>
<div class="charts">
${
    charts.map(([name, svg]) =>
      `<figure class="chart" id="${esc(name.replace(".svg", ""))}">${svg}</figure>`
    ).join("\n")
  }
</div>
${picturesHtml(pictures)}
<h2>Experiment</h2>
<pre>${esc(JSON.stringify(e, null, 2))}</pre>
<h2>Environment</h2>
<table>${env}</table>
</body>
</html>
`;
}

/** Writes `<dir>/report.html`; returns its path. */
export async function writeReport(sweep: SweepData, dir = sweep.dir): Promise<string> {
  const path = join(dir, "report.html");
  await writeFileAtomic(path, await reportHtml(sweep));
  return path;
}
