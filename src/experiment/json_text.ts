/**
 * Experiment files as text: JSON parsed strictly. JSON.parse keeps the last of two equal keys
 * silently (`{"eta": 1, "eta": 3}` is eta 3), which hides a mistake; here a key given twice in
 * one object is an error naming its JSON path.
 *
 * @module
 */
import { NetsweepError } from "../core/mod.ts";

/** A frame of the scan: an object (its keys so far) or an array (its index). */
interface Frame {
  keys: Set<string> | null;
  /** The object's last key, or the array's current index. */
  at: string | number;
  /** Where this container is, as a JSON path segment. */
  segment: string;
}

/** Where the first key given twice in one object is, or null. `text` is valid JSON. */
export function duplicateKey(text: string): { path: string; key: string } | null {
  const stack: Frame[] = [];
  let expectKey = false;
  const path = () => {
    const full = "$" + stack.slice(1).map((f) => f.segment).join("");
    return full.length > 120 ? `${full.slice(0, 100)}...` : full;
  };
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { path: path(), key };
        top.keys.add(key);
        top.at = key;
        expectKey = false;
      }
      i = j;
    } else if (c === "{" || c === "[") {
      const parent = stack[stack.length - 1];
      const segment = !parent ? "$" : parent.keys ? `.${parent.at}` : `[${parent.at}]`;
      stack.push({ keys: c === "{" ? new Set() : null, at: 0, segment });
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      const top = stack[stack.length - 1];
      if (top.keys) expectKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return null;
}

/**
 * Parses an experiment file's text; one line naming `file` for invalid JSON or a key given
 * twice.
 *
 * @example
 * ```ts
 * import { assertThrows } from "../../tests/_assert.ts";
 * import { parseJson } from "./json_text.ts";
 * assertThrows(() => parseJson('{"base": {"eta": 1, "eta": 3}}', "x.json"), /\$\.base: 'eta' is given twice/);
 * ```
 */
export function parseJson(text: string, file: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new NetsweepError(file, `invalid JSON (${(err as Error).message.split("\n")[0]})`);
  }
  const dup = duplicateKey(text);
  if (dup) {
    throw new NetsweepError(
      file,
      `${dup.path}: '${dup.key}' is given twice (JSON would keep only the last; keep one)`,
    );
  }
  return value;
}
