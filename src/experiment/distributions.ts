/**
 * The distributions a `sample` block may draw a setting from, one entry each: how its
 * arguments are checked, how a value is drawn from a uniform number in [0, 1), and whether
 * plots should use a log axis. A new distribution is one entry.
 *
 * @module
 */

/** A distribution's name. */
export type DistributionName = "uniform" | "logUniform" | "intUniform" | "intLogUniform" | "choice";

/** `{ "logUniform": [0.001, 10] }` and the like. */
export type Distribution = Partial<Record<DistributionName, unknown[]>>;

/** How one distribution checks its arguments and draws. */
export interface DistributionKind {
  /** What is wrong with `args`, or null. */
  check(args: unknown[]): string | null;
  /** The value for a uniform draw `u` in [0, 1). */
  draw(args: unknown[], u: number): unknown;
  /** Integer values (only for integer fields and `choice`). */
  integer: boolean;
  /** Plot against a log axis. */
  log: boolean;
}

const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
const range = (a: unknown[], positive: boolean, integer: boolean): string | null => {
  if (a.length !== 2 || !isNum(a[0]) || !isNum(a[1])) return "needs [low, high], two numbers";
  if (integer && (!Number.isInteger(a[0]) || !Number.isInteger(a[1]))) return "needs two integers";
  if (!(a[0] < a[1] || (integer && a[0] === a[1]))) {
    return `needs low < high, got [${a[0]}, ${a[1]}]`;
  }
  if (positive && !(a[0] > 0)) return `a log range must be positive, got [${a[0]}, ${a[1]}]`;
  return null;
};

/** Every distribution by name. */
export const DISTRIBUTIONS: Record<DistributionName, DistributionKind> = {
  /** low + (high - low)·u */
  uniform: {
    check: (a: unknown[]) => range(a, false, false),
    draw: ([lo, hi]: unknown[], u: number) =>
      (lo as number) + ((hi as number) - (lo as number)) * u,
    integer: false,
    log: false,
  },
  /** 10^U(log low, log high), as Saito's search draws its learning rates. */
  logUniform: {
    check: (a: unknown[]) => range(a, true, false),
    draw: ([lo, hi]: unknown[], u: number) =>
      Math.exp(Math.log(lo as number) + (Math.log(hi as number) - Math.log(lo as number)) * u),
    integer: false,
    log: true,
  },
  /** An integer in [low, high], each equally likely. */
  intUniform: {
    check: (a: unknown[]) => range(a, false, true),
    draw: ([lo, hi]: unknown[], u: number) =>
      (lo as number) + Math.floor(u * ((hi as number) - (lo as number) + 1)),
    integer: true,
    log: false,
  },
  /** An integer in [low, high] whose logarithm is (about) uniform. */
  intLogUniform: {
    check: (a: unknown[]) => range(a, true, true),
    draw: ([lo, hi]: unknown[], u: number) => {
      const l = Math.log(lo as number);
      const h = Math.log((hi as number) + 1);
      return Math.min(hi as number, Math.floor(Math.exp(l + (h - l) * u)));
    },
    integer: true,
    log: true,
  },
  /** One of the listed values, each equally likely. */
  choice: {
    check: (a: unknown[]) => (a.length === 0 ? "needs a non-empty list of values" : null),
    draw: (a: unknown[], u: number) => a[Math.floor(u * a.length)],
    integer: false,
    log: false,
  },
};

/** Every distribution name. */
export const DISTRIBUTION_NAMES = Object.keys(DISTRIBUTIONS) as DistributionName[];

/** The name and arguments of a one-key distribution object. */
export function distributionOf(d: Distribution): { name: DistributionName; args: unknown[] } {
  const name = Object.keys(d)[0] as DistributionName;
  return { name, args: d[name]! };
}

/** Draws a value of `d` for the uniform number `u`. */
export function drawFrom(d: Distribution, u: number): unknown {
  const { name, args } = distributionOf(d);
  return DISTRIBUTIONS[name].draw(args, u);
}
