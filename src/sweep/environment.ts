/**
 * The run environment recorded with a sweep's results: Deno and V8 versions, the CPU, the
 * kernels' SIMD build, the git commit.
 *
 * @module
 */
import { cpus } from "node:os";
import { simdKind } from "../model/mod.ts";

/** One way of asking for the CPU's model: its name, or throws (or gives "") saying why not. */
export type CpuProbe = () => string;

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split("\n")[0];

/**
 * The ways netsweep asks for the CPU model, in order: the runtime (every OS, needs
 * `--allow-sys`, which the sweep task grants), `/proc/cpuinfo` on Linux (Deno lets a program
 * read it only with every permission), `sysctl` on macOS.
 */
export const CPU_PROBES: Record<string, CpuProbe> = {
  "os.cpus()": () => cpus()[0]?.model?.trim() ?? "",
  "/proc/cpuinfo": () =>
    /^(?:model name|Hardware|Processor)\s*:\s*(.+)$/m.exec(
      Deno.readTextFileSync("/proc/cpuinfo"),
    )?.[1]?.trim() ?? "",
  sysctl: () => {
    if (Deno.build.os !== "darwin") return "";
    const out = new Deno.Command("sysctl", {
      args: ["-n", "machdep.cpu.brand_string"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : "";
  },
};

/**
 * The CPU's model name (`AMD EPYC`, `Apple M2`), or `unknown (why)` when no probe could tell:
 * each probe's refusal or failure, in a few words.
 */
export function cpuModel(probes: Record<string, CpuProbe> = CPU_PROBES): string {
  const why: string[] = [];
  for (const [name, probe] of Object.entries(probes)) {
    try {
      const model = probe();
      if (model) return model;
    } catch (err) {
      const refused = err instanceof Deno.errors.NotCapable ||
        err instanceof Deno.errors.PermissionDenied;
      why.push(`${name}: ${refused ? "not permitted" : firstLine(err)}`);
    }
  }
  return `unknown (${why.length ? why.join("; ") : "no probe knows this system"})`;
}

/** The Deno version, CPU and git commit of this run. */
export function environment(): Record<string, unknown> {
  let commit = "unknown";
  try {
    const out = new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    if (out.success) commit = new TextDecoder().decode(out.stdout).trim();
  } catch { /* no git */ }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    simd: simdKind(),
    git_commit: commit,
    started: new Date().toISOString(),
  };
}
