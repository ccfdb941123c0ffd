// The live page and its script, served from the package so that the page works offline (no
// CDN). The script lists the sweeps, shows the selected one, and on each server-sent event
// fetches what changed: the table and running trials at once, the curves when redrawn. A
// finished trial, chosen in a list (the best first), shows its pictures.

/** The whole page (markup, style and script), self-contained so that it works offline. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>netsweep live</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; color: #222; display: flex; min-height: 100vh; }
nav { flex: none; width: 16rem; background: #f4f5f7; padding: 1rem; border-right: 1px solid #ddd; }
nav h1 { font-size: 1.1rem; margin: 0 0 0.8rem; }
nav a { display: block; padding: 0.35rem 0.5rem; border-radius: 4px; color: #124; text-decoration: none; }
nav a.selected { background: #dde6f3; font-weight: 600; }
nav a small { display: block; color: #667; font-weight: 400; }
nav a small.path { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
main { flex: 1; min-width: 0; padding: 1rem 2rem; max-width: 1200px; overflow-x: auto; }

table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
tr.best td { background: #eef6ee; font-weight: 600; }
tr.dead td { color: #a33; }
.note { background: #fff4e5; border: 1px solid #f0c36d; padding: 0.5rem 0.8rem; border-radius: 4px; margin: 0.5rem 0; }
.muted { color: #667; font-size: 0.9rem; }
#charts { display: flex; flex-wrap: wrap; gap: 1rem; }
#charts figure { margin: 0; border: 1px solid #eee; }
#pictures { display: flex; flex-direction: column; gap: 1rem; }
#pictures figure { margin: 0; border: 1px solid #eee; overflow-x: auto; }
#trial-select { font-size: 0.95rem; max-width: 100%; }
#state.live::before { content: "●"; color: #2a2; margin-right: 0.3rem; }
#state.down::before { content: "●"; color: #c33; margin-right: 0.3rem; }
progress { width: 8rem; }
</style>
</head>
<body>
<nav><h1>netsweep live</h1><div id="state" class="muted">connecting</div><div id="list"></div></nav>
<main>
<div id="error"></div>
<h2 id="title">no sweep yet</h2>
<p id="description" class="muted"></p>
<p id="summary" class="muted" data-epochs="0"></p>
<div id="notes"></div>
<h3>Running</h3>
<table id="running"><thead><tr><th>trial</th><th>setting</th><th>epochs</th><th></th><th>s/epoch</th><th>ETA</th></tr></thead><tbody></tbody></table>
<h3>Settings</h3>
<div id="table"></div>
<h3>Learning curves</h3>
<div id="charts"></div>
<h3>A finished trial</h3>
<p class="muted" id="trial-note">no trial has finished yet</p>
<select id="trial-select" hidden></select>
<div id="pictures"></div>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

/** The page's script (plain JavaScript, run by the browser). */
export const APP_JS = `"use strict";
const shown = { key: null, version: -1, chartsVersion: -1 };
window.netsweepUpdates = [];
const $ = (s) => document.querySelector(s);
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
const duration = (s) => {
  if (s === null || !isFinite(s)) return "?";
  s = Math.round(s);
  if (s >= 3600) return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  if (s >= 60) return Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  return s + "s";
};
const statusText = (st) => Object.entries(st || {}).map(([k, n]) => n + " " + k).join(", ");

async function getJson(url) {
  const r = await fetch(url, { cache: "no-store" });
  const body = await r.json().catch(() => ({ error: r.status + " " + r.statusText }));
  if (!r.ok && !body.error) body.error = r.status + " " + r.statusText;
  return body;
}

async function loadList() {
  const list = await getJson("/api/sweeps");
  const nav = $("#list");
  nav.replaceChildren();
  if (list.error) return showError(list.error);
  if (list.sweeps.length === 0) {
    nav.append(el("p", (list.rootExists ? "No sweeps in " : "Waiting for ") + list.root +
      (list.rootExists ? " yet" : " to appear") + ": sweeps appear here when they start.", "muted"));
  }
  for (const s of list.sweeps) {
    const a = el("a", s.name || s.key);
    a.href = "#" + encodeURIComponent(s.key);
    a.dataset.key = s.key;
    // Folders of one experiment name look alike: their path under the root tells them apart.
    if (s.name && s.key !== s.name) a.append(el("small", s.key, "path"));
    a.append(el("small", s.reading ? "reading…" : s.error ? "unreadable" :
      s.trials + " trials: " + statusText(s.statuses)));
    if (s.key === shown.key) a.className = "selected";
    a.onclick = (ev) => { ev.preventDefault(); select(s.key); };
    nav.append(a);
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (!shown.key && list.sweeps.length) {
    select(list.sweeps.some((s) => s.key === wanted) ? wanted : list.sweeps[0].key);
  }
}

function showError(text) {
  const box = $("#error");
  box.replaceChildren();
  if (text) box.append(el("div", text, "note"));
}

function select(key) {
  shown.key = key;
  shown.version = -1;
  shown.chartsVersion = -1;
  shown.picturesFor = null;
  $("#trial-select").dataset.ids = "";
  history.replaceState(null, "", "#" + encodeURIComponent(key));
  for (const a of document.querySelectorAll("#list a")) a.className = a.dataset.key === key ? "selected" : "";
  refresh(true);
}

async function refresh(charts) {
  const key = shown.key;
  if (!key) return;
  const v = await getJson("/api/sweeps/" + encodeURIComponent(key));
  if (key !== shown.key) return;
  render(v);
  if (charts || v.chartsVersion !== shown.chartsVersion) await refreshCharts();
}

function render(v) {
  shown.version = v.version;
  if (v.reading) {
    showError("");
    $("#title").textContent = v.key;
    $("#summary").textContent = "reading…";
    return;
  }
  if (v.error) {
    showError("This results folder cannot be read right now: " + v.error);
    $("#title").textContent = v.key;
    return;
  }
  showError("");
  $("#title").textContent = v.name;
  $("#description").textContent = v.description || "";
  const epochs = Number(v.epochsDone || 0);
  const summary = $("#summary");
  summary.dataset.epochs = String(epochs);
  summary.textContent = v.trials + " trials: " + statusText(v.statuses) + " · " + epochs + " epochs done" +
    (v.remainingEpochs ? " · " + v.remainingEpochs + " to go, ETA " + duration(v.eta) : "");
  const notes = $("#notes");
  notes.replaceChildren();
  for (const n of v.notes.filter((n) => /skipped|unreadable|not a trial record|stale|damaged|torn/.test(n))) {
    notes.append(el("div", n, "note"));
  }
  const body = $("#running tbody");
  body.replaceChildren();
  for (const r of v.running) {
    const tr = el("tr", undefined, r.alive ? "" : "dead");
    tr.dataset.trial = r.id;
    tr.dataset.epochs = String(r.epochs);
    const bar = el("progress");
    bar.max = Math.max(1, r.planned);
    bar.value = r.epochs;
    const cells = [el("td", String(r.index)), el("td", r.label), el("td", r.epochs + " / " + r.planned), el("td"),
      el("td", r.secondsPerEpoch === null ? "-" : r.secondsPerEpoch.toFixed(2)),
      el("td", r.alive ? duration(r.eta) : "process gone: re-run to resume")];
    cells[3].append(bar);
    tr.append(...cells);
    body.append(tr);
  }
  if (v.running.length === 0) {
    const none = el("tr");
    none.append(el("td", "none", "muted"));
    body.append(none);
  }

  $("#table").innerHTML = v.table; // built and escaped by the server
  renderFinished(v.finished || []);
  window.netsweepUpdates.push({ at: Date.now(), version: v.version, epochs });
}

// The finished trials, best first; the chosen one stays chosen as more finish.
function renderFinished(finished) {
  const select = $("#trial-select");
  const ids = finished.map((f) => f.id).join(" ");
  if (select.dataset.ids !== ids) {
    const chosen = select.value;
    select.replaceChildren(...finished.map((f) => {
      const o = el("option", f.label);
      o.value = f.id;
      return o;
    }));
    select.dataset.ids = ids;
    if (finished.some((f) => f.id === chosen)) select.value = chosen;
  }
  select.hidden = finished.length === 0;
  $("#trial-note").textContent = finished.length === 0
    ? "no trial has finished yet"
    : finished.length + " finished, the best first: its confusion matrix, misclassified digits and first-layer weights";
  if (finished.length && select.value !== shown.picturesFor) refreshPictures();
}

async function refreshPictures() {
  const key = shown.key;
  const id = $("#trial-select").value;
  shown.picturesFor = id;
  const box = $("#pictures");
  const r = await getJson("/api/sweeps/" + encodeURIComponent(key) + "/trials/" + id + "/pictures");
  if (key !== shown.key || id !== $("#trial-select").value) return;
  box.replaceChildren();
  if (r.error || r.pictures.length === 0) {
    box.append(el("p", r.error ? "no pictures: " + r.error : "this trial kept no predictions", "muted"));
    return;
  }
  for (const p of r.pictures) {
    const f = el("figure");
    f.id = "picture-" + p.name;
    f.innerHTML = p.svg; // drawn by the server from numbers
    box.append(f);
  }
  box.dataset.trial = id;
}

async function refreshCharts() {
  const key = shown.key;
  const c = await getJson("/api/sweeps/" + encodeURIComponent(key) + "/charts");
  if (key !== shown.key || c.error) return;
  shown.chartsVersion = c.chartsVersion;
  const box = $("#charts");
  box.replaceChildren();
  for (const [name, svg] of c.charts) {
    const f = el("figure");
    f.id = "chart-" + name.replace(/\\.svg$/, "");
    f.innerHTML = svg; // rendered by the server from numbers
    box.append(f);
  }
}

function connect() {
  const events = new EventSource("/api/events");
  events.addEventListener("hello", () => {
    $("#state").textContent = "live";
    $("#state").className = "muted live";
    loadList();
    if (shown.key) refresh(false);
  });
  events.addEventListener("list", loadList);
  events.addEventListener("update", (e) => {
    const d = JSON.parse(e.data);
    if (d.key !== shown.key) return void loadList();
    if (d.version !== shown.version) refresh(false).then(loadList);
    else if (d.chartsVersion !== shown.chartsVersion) refreshCharts();
  });
  events.onerror = () => {
    $("#state").textContent = "server unreachable, retrying";
    $("#state").className = "muted down";
  };
}
$("#trial-select").addEventListener("change", refreshPictures);
connect();
`;
