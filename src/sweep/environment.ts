/**
 * The run environment recorded with a sweep's results: Deno and V8 versions, the CPU, the
 * kernels' SIMD build, the git commit.
 *
 * @module
 */
import { simdKind } from "../model/mod.ts";

/** The Deno version, CPU and git commit of this run. */
export function environment(): Record<string, unknown> {
  let cpu = "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? cpu;
  } catch { /* not Linux, or not allowed */ }
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
    cpu,
    cores: navigator.hardwareConcurrency,
    simd: simdKind(),
    git_commit: commit,
    started: new Date().toISOString(),
  };
}
