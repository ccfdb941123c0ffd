// The numbers behind the pictures, against hand-computed cases: confusion matrices, the vote of
// a setting's repeats (ties included), the parameter importance of a search, and the pictures'
// own parts (the grayscale PNG inside a tile grid, the chart specs).
import { unzlibSync } from "fflate";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { Rng } from "../src/core/mod.ts";
import { confusionMatrix, type TrialPredictions } from "../src/store/mod.ts";
import { type Ballot, ensembleVote, majorityVote } from "../src/results/ensemble.ts";
import { confusionDiffSpec, confusionSpec, meanMatrix } from "../src/results/confusion.ts";
import { binsOf, parameterImportance, spearman } from "../src/results/importance.ts";
import { grayPng, tileGridSvg } from "../src/results/image_grid.ts";
import { renderSvg } from "../src/results/chart.ts";

function assertAlmostEquals(actual: number, expected: number, tolerance: number): void {
  assert(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected} ± ${tolerance}`);
}

Deno.test("confusion matrix of a hand-computed case", async (t) => {
  const labels = Uint8Array.of(0, 1, 1, 2, 2, 2);
  const predicted = Uint8Array.of(0, 1, 2, 2, 2, 0);
  // By hand: (true 0 -> 0), (1 -> 1), (1 -> 2), (2 -> 2) twice, (2 -> 0).
  const m = confusionMatrix(labels, predicted, 3);
  assertEquals([...m], [1, 0, 0, 0, 1, 1, 1, 0, 2]);
  await t.step("a setting's matrix is the mean of its trials'", () => {
    const other = confusionMatrix(labels, Uint8Array.of(0, 1, 1, 2, 1, 2), 3);
    assertEquals([...other], [1, 0, 0, 0, 2, 0, 0, 1, 2]);
    assertEquals([...meanMatrix([m, other])], [1, 0, 0, 0, 1.5, 0.5, 0.5, 0.5, 2]);
  });
  await t.step("the chart shows the counts, errors red and zero white", async () => {
    const svg = await renderSvg(confusionSpec(m, 3, "Confusion matrix: a case", ["sub"]));
    for (const text of ["Confusion matrix: a case", "predicted class", "true class", "errors"]) {
      assert(svg.includes(text), `the chart says ${text}`);
    }
    // The diagonal in green, the two single errors in the darkest red (the largest error),
    // the empty cells white.
    assertEquals((svg.match(/fill="#cfe8cf"/g) ?? []).length, 3);
    assertEquals((svg.match(/fill="rgb\(103, 0, 13\)"/g) ?? []).length, 2);
    assertEquals((svg.match(/fill="rgb\(255, 255, 255\)"/g) ?? []).length, 4);
  });
  await t.step("a change: signed counts, red where B errs more", async () => {
    const a = [5, 1, 0, 2];
    const b = [3, 3, 0, 2];
    const svg = await renderSvg(confusionDiffSpec(a, b, 2, "change", []));
    assertMatch(svg, />−2<|>-2</);
    assertMatch(svg, />\+2</);
    // B lost two correct class-0 images and made two more 0 -> 1 errors: both red.
    // (The ends of Vega's "redblue" scheme, reversed: its darkest red.)
    assertEquals((svg.match(/fill="rgb\(140, 13, 37\)"/g) ?? []).length, 2);
    assertEquals((svg.match(/fill="rgb\(242, 239, 238\)"/g) ?? []).length, 2, "no change");
  });
});

/** Four networks' answers on four images of three classes (see the cases below). */
const NETS: Ballot[] = [
  [[1, [0, 200, 100]], [0, [200, 10, 100]], [1, [0, 200, 100]], [0, [200, 0, 0]]],
  [[1, [0, 200, 100]], [0, [150, 10, 140]], [2, [0, 100, 200]], [1, [0, 200, 0]]],
  [[2, [0, 100, 200]], [2, [90, 10, 220]], [1, [0, 180, 120]], [2, [0, 0, 200]]],
  [[0, [200, 0, 0]], [2, [60, 10, 250]], [2, [0, 120, 180]], [1, [0, 200, 0]]],
].map((net) => ({
  predicted: Uint8Array.from(net.map(([c]) => c as number)),
  outputs: Uint8Array.from(net.flatMap(([, o]) => o as number[])),
}));

Deno.test("the majority vote, ties broken by summed outputs, then the lowest class", async (t) => {
  await t.step("hand-computed: a majority, a tie the outputs break, an exact tie", () => {
    // Image 0: votes 1, 1, 2, 0: class 1. Image 1: 0, 0, 2, 2: summed outputs for class 0 are
    // 200 + 150 + 90 + 60 = 500, for class 2 100 + 140 + 220 + 250 = 710: class 2. Image 2:
    // 1, 2, 1, 2 with sums 600 and 600: the lower class, 1. Image 3: 0, 1, 2, 1: class 1.
    const v = majorityVote(NETS, 3);
    assertEquals([...v.predicted], [1, 2, 1, 1]);
    assertEquals([v.byOutputs, v.byLowestClass], [1, 1]);
  });
  await t.step("without every network's outputs, a tie goes to the lowest class", () => {
    const v = majorityVote([...NETS.slice(0, 3), { ...NETS[3], outputs: null }], 3);
    assertEquals([...v.predicted], [1, 0, 1, 1]);
    assertEquals([v.byOutputs, v.byLowestClass], [0, 2]);
  });
  await t.step("three networks, three answers: the lowest class", () => {
    const one = (c: number) => ({ predicted: Uint8Array.of(c), outputs: null });
    assertEquals([...majorityVote([one(2), one(0), one(1)], 3).predicted], [0]);
  });
  await t.step("a setting's vote beside the networks' own mean", () => {
    const labels = Uint8Array.of(1, 2, 0, 1);
    const members: TrialPredictions[] = NETS.map((b, i) => ({
      id: `t${i}`,
      seed: i,
      classes: 3,
      count: 4,
      imageShape: [1, 1],
      labels,
      snapshots: [{ epoch: 9, roles: ["last"], predicted: b.predicted, outputs: b.outputs }],
      images: { index: new Uint32Array(0), pixels: new Uint8Array(0), lo: 0, hi: 1 },
      weights: null,
    }));
    const v = ensembleVote(members)!;
    // The vote [1, 2, 1, 1] is right on images 0, 1 and 3; alone the networks get 1, 2, 1 and 2
    // of 4 right: a mean of 0.375.
    assertEquals([v.correct, v.count, v.accuracy, v.mean], [3, 4, 0.75, 0.375]);
    assertEquals(v.wrong, [{ index: 2, label: 0, predicted: 1 }]);
    assertEquals([v.members, v.epochs], [4, [9, 9, 9, 9]]);
    assertEquals(ensembleVote(members.slice(0, 1)), null, "one network does not vote");
    const other = { ...members[1], labels: Uint8Array.of(1, 2, 0, 0) };
    assertEquals(ensembleVote([members[0], other]), null, "networks on different test sets");
  });
});

Deno.test("parameter importance: the variance explained by a parameter's bins", async (t) => {
  await t.step("a hand-computed case", () => {
    // a = 1..8 in 3 equal-count bins {1,2,3} {4,5,6} {7,8}; y = 1 1 1 1 3 3 3 3. Total sum of
    // squares 8; within the bins 0 + (16/9 + 4/9 + 4/9) + 0 = 8/3. η² = 1 - (8/3)/8 = 2/3;
    // adjusted: 1 - ((8/3)/5) / (8/7) = 8/15.
    const points = [1, 1, 1, 1, 3, 3, 3, 3].map((y, i) => ({ values: { a: i + 1 }, y }));
    const [imp] = parameterImportance(points, ["a"]);
    assertEquals([imp.key, imp.bins, imp.n], ["a", 3, 8]);
    assertAlmostEquals(imp.eta2, 2 / 3, 1e-12);
    assertAlmostEquals(imp.importance, 8 / 15, 1e-12);
    // numpy: corrcoef of the ranks (ties at their mean rank).
    assertAlmostEquals(imp.spearman!, 0.8728715609439696, 1e-12);
  });
  await t.step("equal values share a bin; a choice has a bin per value", () => {
    assertEquals(binsOf([1, 1, 1, 1, 2, 3, 4, 5]), { bin: [0, 0, 0, 0, 1, 1, 2, 2], k: 3 });
    assertEquals(binsOf(["relu", "tanh", "relu", "sigmoid"]), { bin: [0, 1, 0, 2], k: 3 });
    assertAlmostEquals(
      spearman([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 5, 3, 1, 3, 5, 3]),
      0.3086066999241838,
      1e-12,
    );
  });
  await t.step("a constructed search: the result depends on one parameter only", () => {
    // y = (a - 0.5)²: all of y's variance is a's, none of it monotone; b is noise.
    const rng = new Rng(4);
    const points = Array.from({ length: 80 }, () => {
      const a = rng.nextFloat();
      return {
        values: { a, b: rng.nextFloat(), c: ["x", "y"][rng.nextUint32() % 2] },
        y: (a - 0.5) ** 2,
      };
    });
    const imp = Object.fromEntries(
      parameterImportance(points, ["a", "b", "c"]).map((i) => [i.key, i]),
    );
    assert(imp.a.importance > 0.9, `a explains ${imp.a.importance}`);
    assert(imp.b.importance < 0.1, `b explains ${imp.b.importance}`);
    assert(imp.c.importance < 0.1, `c explains ${imp.c.importance}`);
    assert(Math.abs(imp.a.spearman!) < 0.3, "a rank correlation misses a U-shaped effect");
    assertEquals(imp.c.spearman, null);
  });
});

Deno.test("a tile grid is one grayscale PNG of the tiles, enlarged, with captions as text", () => {
  const png = grayPng(3, 2, Uint8Array.of(0, 128, 255, 255, 128, 0));
  const view = new DataView(png.buffer);
  assertEquals([view.getUint32(16), view.getUint32(20), png[24], png[25]], [3, 2, 8, 0]);
  const idat = png.indexOf(0x49, 33); // "IDAT"
  const length = view.getUint32(idat - 4);
  const raw = unzlibSync(png.subarray(idat + 4, idat + 4 + length));
  assertEquals([...raw], [0, 0, 128, 255, 0, 255, 128, 0], "filter byte 0, then the row");

  const tile = Uint8Array.of(255, 0, 0, 255); // ink on the diagonal
  const svg = tileGridSvg({
    shape: [2, 2],
    scale: 3,
    columns: 2,
    title: "Two tiles",
    tiles: [{ pixels: tile, caption: "7 → 2" }, { pixels: tile, caption: "1 → 7" }],
  });
  assertMatch(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assertMatch(svg, />7 → 2<\/text>.*>1 → 7<\/text>/);
  const url = /href="data:image\/png;base64,([^"]+)"/.exec(svg)![1];
  const inner = Uint8Array.from(atob(url), (c) => c.charCodeAt(0));
  const iv = new DataView(inner.buffer);
  // Two 6-pixel tiles and a 6-pixel gap: 18 x 6, black where the ink is.
  assertEquals([iv.getUint32(16), iv.getUint32(20)], [18, 6]);
  const at = inner.indexOf(0x49, 33);
  const rows = unzlibSync(inner.subarray(at + 4, at + 4 + iv.getUint32(at - 4)));
  const px = (x: number, y: number) => rows[y * 19 + 1 + x];
  assertEquals([px(0, 0), px(3, 0), px(0, 3), px(3, 3), px(7, 0), px(12, 0)], [
    0,
    255,
    255,
    0,
    255,
    0,
  ]);
});
