// Helpers of the newcomer tests (issue 20): settings tables built from hand-written records (the
// numbers are chosen so that every expected value is computed by hand), experiment files on the
// fixture, and the command lines run with the permissions their tasks grant.
import type { EpochMetrics } from "../src/vocabulary/mod.ts";
import { DEFAULT_SETTING, parseExperiment, type Setting } from "../src/experiment/mod.ts";
import type { ExperimentMeta, TrialRecord, TrialStatus } from "../src/store/mod.ts";
import type { SweepData } from "../src/results/mod.ts";
import { TESTDATA } from "./_testdata.ts";

export const ROOT = new URL("../", import.meta.url).pathname;

/** The `--allow-*` flags deno.json's task `name` runs with. */
export function taskPermissions(name: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks;
  return (tasks[name] as string).split(" ").filter((w) => w.startsWith("--allow-"));
}

/** Runs `src/cli/<script>` with `permissions` (default: its task's). */
export function cli(
  script: string,
  args: string[],
  permissions = taskPermissions(script.replace(/\.ts$/, "")),
): { code: number; out: string; err: string } {
  const o = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${ROOT}src/cli/${script}`, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).outputSync();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr),
  };
}

/** Writes an experiment on the fixture (100 training, 20 validation, 20 test images). */
export function experimentFile(
  dir: string,
  name: string,
  extra: Record<string, unknown> = {},
): string {
  const file = `${dir}/${name}-${crypto.randomUUID().slice(0, 8)}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name,
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: {
        sizes: [784, 12, 10],
        epochs: 3,
        monitor: ["testAccuracy", "validationAccuracy"],
      },
      grid: { eta: [0.5, 3.0] },
      repeats: 2,
      seed: 3,
      ...extra,
    }),
  );
  return file;
}

/** One hand-written trial: its setting over the defaults and its epochs. */
export interface HandTrial {
  setting?: Partial<Setting>;
  epochs: Partial<EpochMetrics>[];
  status?: TrialStatus;
  /** The run that trains it (coordination's run id), and its host and pid. */
  run?: string;
  host?: string;
  pid?: number;
}

/**
 * A sweep of hand-written trials on the fixture's counts (20 test images), as `readSweep`
 * gives it.
 */
export function handSweep(
  trials: HandTrial[],
  options: { name?: string; dir?: string; counts?: ExperimentMeta["counts"] } = {},
): SweepData {
  const experiment = parseExperiment(
    { name: options.name ?? "hand", dataset: { path: `${TESTDATA}mnist.pkl.gz` } },
    "hand.json",
  );
  const meta: ExperimentMeta = {
    hash: "0123456789ab",
    experiment,
    dataset: "file:1234:abcd",
    counts: options.counts ?? { training: 100, validation: 20, test: 20 },
    environment: {},
  };
  const records: TrialRecord[] = trials.map((t, i) => ({
    format: 2,
    id: `trial${String(i).padStart(7, "0")}`,
    experiment: meta.hash,
    index: i,
    setting: { ...DEFAULT_SETTING, ...t.setting } as Setting,
    repeat: 0,
    seed: i,
    draw: null,
    status: t.status ?? "done",
    epochs: t.epochs.map((e, epoch) => ({
      epoch,
      eta: 3,
      trainSeconds: 1,
      evalSeconds: 0,
      ...e,
    })),
    run: t.run,
    host: t.host,
    pid: t.pid,
  }));
  return {
    dir: options.dir ?? "/nonexistent/hand",
    experiment,
    metas: new Map([[meta.hash, meta]]),
    trials: records,
    counts: meta.counts,
    environment: {},
    skipped: [],
    storeStale: false,
  };
}

/** Copies directory `from` to `to`, recursively. */
export function copyDir(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.isDirectory) copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else if (e.isFile) Deno.copyFileSync(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}
