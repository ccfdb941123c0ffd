// "Did you mean" suggestions for unknown keys: a close spelling, or the key (or a key of a
// related name) in another section of the experiment file.

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** The closest of `known` to `key` when it is close enough to be a typo, else undefined. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** The sections of an experiment file whose keys a misplaced key may belong to. */
export interface KeySection {
  /** The JSON path of the section (`$.dataset`). */
  path: string;
  /** Its keys. */
  keys: readonly string[];
}

/** The first word of a camelCase key, lower case: `train` of `trainSize`. */
function stem(key: string): string {
  return key.split(/(?=[A-Z0-9])/)[0].toLowerCase();
}

/** Keys named from one word (`trainSize`, `trainingImages`): a stem of 4 letters or more. */
function related(a: string, b: string): boolean {
  const [x, y] = [stem(a), stem(b)];
  return a !== b && Math.min(x.length, y.length) >= 4 && (x.startsWith(y) || y.startsWith(x));
}

/**
 * Suggestions for `key`, unknown in the section at `path` whose keys are `known`: a close
 * spelling there (its bare name, as before), then the key in one of the `others` sections, a
 * close spelling there, and keys of a related name (`trainSize` and `trainingImages`), these
 * with their full path, so that `$.dataset.trainSize` gets `$.base.trainSize` and
 * `$.dataset.trainingImages`. At most three.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { suggestKeys } from "./_suggest.ts";
 * const others = [{ path: "$.base", keys: ["eta", "trainSize"] }];
 * assertEquals(
 *   suggestKeys("trainSize", "$.dataset", ["path", "trainingImages"], others),
 *   ["$.base.trainSize", "$.dataset.trainingImages"],
 * );
 * ```
 */
export function suggestKeys(
  key: string,
  path: string,
  known: readonly string[],
  others: readonly KeySection[],
): string[] {
  const here: KeySection = { path, keys: known };
  const out: string[] = [];
  const add = (s: string | undefined) => {
    if (s !== undefined && !out.includes(s)) out.push(s);
  };
  const near = suggest(key, known);
  add(near);
  for (const s of others) if (s.keys.includes(key)) add(`${s.path}.${key}`);
  // A plain misspelling needs no more; a key in the wrong place may mean a neighbour's key.
  if (near === undefined) {
    for (const s of others) {
      const there = suggest(key, s.keys);
      if (there) add(`${s.path}.${there}`);
    }
    for (const s of [here, ...others]) {
      for (const k of s.keys) if (related(key, k)) add(`${s.path}.${k}`);
    }
  }
  return out.slice(0, 3);
}
