// A small file must not take the machine: hostile pickles, compression bombs and experiment
// files asking for absurd sizes are refused with one line naming the file, before any large
// allocation (each case checks the process's memory did not grow by the attacked amount).
import { gzipSync, zipSync } from "fflate";
import { assert, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { NetsweepError, readArchive, runSweep } from "../mod.ts";

function rssMB(): number {
  return Deno.memoryUsage().rss / 2 ** 20;
}

function refused(path: string, pattern: RegExp, maxBytes?: number): void {
  const before = rssMB();
  let err: unknown;
  try {
    readArchive(path, maxBytes ? { maxBytes } : {});
  } catch (e) {
    err = e;
  }
  assert(err instanceof NetsweepError, `expected a NetsweepError, got ${err}`);
  assertMatch(err.message, pattern);
  assert(err.message.startsWith(path), `the message names the file: ${err.message}`);
  assert(!err.message.includes("\n"), "one line");
  assert(rssMB() - before < 200, `memory grew by ${rssMB() - before} MB`);
}

const bytes = (...parts: (number[] | Uint8Array | string)[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "string") { for (const c of p) out.push(c.charCodeAt(0)); }
    else out.push(...p);
  }
  return Uint8Array.from(out);
};

Deno.test("hostile pickles are refused by name, never expanded", async (t) => {
  using dir = tempDir();
  const write = (name: string, data: Uint8Array) => {
    const path = `${dir.path}/${name}`;
    Deno.writeFileSync(path, data);
    return path;
  };
  await t.step("a billion laughs: nine levels of ten shared references", () => {
    // L0 = []; L(k+1) = [Lk] * 10, each Lk one memo entry: 10^9 leaves in 286 bytes.
    const parts: (number[] | string)[] = ["\x80\x02", "]q\x000"]; // L0, memo 0, POP
    for (let k = 0; k < 9; k++) {
      parts.push("](");
      for (let i = 0; i < 10; i++) parts.push([0x68, k]); // BINGET k
      parts.push("e", [0x71, k + 1]); // APPENDS, BINPUT k+1
      if (k < 8) parts.push("0"); // POP: only the memo keeps it
    }
    parts.push(".");
    const data = bytes(...parts);
    assert(data.length < 300);
    refused(write("laughs.pkl", data), /pickle: more than 100000 values/);
  });
  await t.step("a list that contains itself", () => {
    refused(
      write("self.pkl", bytes("\x80\x02]q\x00h\x00a.")),
      /pickle: a list or tuple contains itself/,
    );
  });
  await t.step("200,000 nested lists", () => {
    const n = 200_000;
    const data = new Uint8Array(2 + n + (n - 1) + 1);
    data.set([0x80, 0x02]);
    data.fill(0x5d, 2, 2 + n); // EMPTY_LIST
    data.fill(0x61, 2 + n, 2 + n + n - 1); // APPEND
    data[data.length - 1] = 0x2e; // STOP
    refused(write("deep.pkl", data), /pickle: nests deeper than 100 levels/);
  });
  await t.step("BINBYTES8 declaring 2^50 bytes", () => {
    const size = [0, 0, 0, 0, 0, 0, 4, 0]; // 2^50, little-endian
    refused(
      write("huge.pkl", bytes("\x80\x04\x8e", size, "xyz")),
      /declares 1,125,899,907 MB, more than the 2,147 MB accepted/,
    );
  });
});

Deno.test("compression bombs are stopped before they take the memory", async (t) => {
  using dir = tempDir();
  const zeros = new Uint8Array(50_000_000); // 50 MB of zeros deflates to about 50 kB
  await t.step("an npz whose entry declares more than the limit", () => {
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (50000000,), }";
    const npy = new Uint8Array(10 + header.length + 1 + zeros.length);
    npy.set(bytes("\x93NUMPY\x01\x00", [header.length + 1, 0], header, "\n"));
    const path = `${dir.path}/bomb.npz`;
    Deno.writeFileSync(path, zipSync({ "x_train.npy": npy }, { level: 9 }));
    assert(Deno.statSync(path).size < 200_000);
    refused(path, /x_train\.npy: declares 50 MB of data, more than the 10 MB accepted/, 10_000_000);
  });
  await t.step("a gzip stream that inflates past the limit", () => {
    const path = `${dir.path}/bomb.pkl.gz`;
    const data = new Uint8Array(zeros.length);
    data.set(bytes("\x80\x02"));
    Deno.writeFileSync(path, gzipSync(data, { level: 9 }));
    refused(path, /decompresses to more than 10 MB/, 10_000_000);
  });
  await t.step("an IDX header asking for more than the limit", () => {
    const path = `${dir.path}/big-images-idx3-ubyte.gz`;
    const header = [0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]; // 60000 x 28 x 28
    Deno.writeFileSync(path, gzipSync(Uint8Array.from(header)));
    Deno.writeFileSync(
      `${dir.path}/big-labels-idx1-ubyte.gz`,
      gzipSync(Uint8Array.from([0, 0, 8, 1, 0, 0, 0xea, 0x60])),
    );
    refused(path, /an array of shape \[60000,28,28\] needs 188 MB/, 10_000_000);
  });
});

Deno.test("an experiment asking for absurd sizes is refused before anything is allocated", async (t) => {
  using dir = tempDir();
  const file = (name: string, base: Record<string, unknown>) => {
    const path = `${dir.path}/${name}.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ name, dataset: { path: `${TESTDATA}mnist.pkl.gz` }, base }),
    );
    return path;
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["epochs", { epochs: 1e9 }, /\$\.base\.epochs: must be <= 1000000, got 1000000000/],
    [
      "iterations",
      { sampling: "replacement", iterations: 1e12 },
      /\$\.base\.iterations: must be <= 1000000000/,
    ],
    [
      "width",
      { sizes: [784, 10, 30000000, 10] },
      /\$\.base\.sizes\[2\]: must be <= 1000000, got 30000000/,
    ],
    [
      "memory",
      { sizes: [784, 10, 900000, 900, 10], miniBatchSize: 100 },
      /trial 0\.sizes: a \[784, 10, 900000, 900, 10\] network needs \d+\.\d GB of kernel memory for batches of 100, more than the 2 GiB a trial may use/,
    ],
  ];
  for (const [name, base, pattern] of cases) {
    await t.step(name, async () => {
      const before = rssMB();
      const err = await runSweep({ file: file(name, base), out: dir.path }).catch((e) => e);
      assert(err instanceof NetsweepError, `expected a NetsweepError, got ${err}`);
      assertMatch(err.message, pattern);
      assert(rssMB() - before < 300, "nothing large was allocated");
    });
  }
});
