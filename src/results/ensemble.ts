/**
 * The vote of a setting's repeats (Nielsen, chapter 6: "get them to vote to determine the
 * best classification"): each network's class for each test image, as network3.py's
 * `ensemble()` takes them from the trained networks (the last epoch), and the most common
 * class wins. Ties, which `Counter.most_common` leaves to dictionary order, are broken here by
 * the largest sum of the networks' outputs for the tied classes (all the voting networks'
 * output vectors, as stored, round(255·y)), and then by the lowest class.
 *
 * @module
 */
import { snapshotOf, type SnapshotRole, type TrialPredictions } from "../store/mod.ts";

/** One network's answers. */
export interface Ballot {
  /** The predicted class of each image. */
  predicted: Uint8Array;
  /** Its outputs, (images, classes) row-major, or null when not stored. */
  outputs: Uint8Array | null;
}

/** The vote's classes, and how many images a tie decided. */
export interface VoteResult {
  predicted: Uint8Array;
  /** Images whose tie the summed outputs broke. */
  byOutputs: number;
  /** Images whose tie went to the lowest class (equal sums, or no outputs stored). */
  byLowestClass: number;
}

/**
 * The plurality vote of `ballots` over `classes` classes (see the module's tie rule).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { majorityVote } from "./ensemble.ts";
 * const b = (...p: number[]) => ({ predicted: Uint8Array.from(p), outputs: null });
 * const v = majorityVote([b(1, 2), b(1, 3), b(0, 3)], 4);
 * assertEquals([...v.predicted], [1, 3]);
 * ```
 */
export function majorityVote(ballots: readonly Ballot[], classes: number): VoteResult {
  const n = ballots[0]?.predicted.length ?? 0;
  const predicted = new Uint8Array(n);
  const votes = new Int32Array(classes);
  const withOutputs = ballots.length > 0 && ballots.every((b) => b.outputs !== null);
  let byOutputs = 0;
  let byLowestClass = 0;
  for (let i = 0; i < n; i++) {
    votes.fill(0);
    for (const b of ballots) votes[b.predicted[i]]++;
    let top = 0;
    let tied = 0;
    for (let c = 0; c < classes; c++) {
      if (votes[c] > votes[top]) [top, tied] = [c, 1];
      else if (votes[c] === votes[top]) tied++;
    }
    if (tied > 1 && withOutputs) {
      // Among the tied classes, the largest summed output; equal sums go to the lowest class.
      let bestSum = -1;
      let equal = false;
      for (let c = 0; c < classes; c++) {
        if (votes[c] !== votes[top]) continue;
        let sum = 0;
        for (const b of ballots) sum += b.outputs![i * classes + c];
        if (sum > bestSum) [top, bestSum, equal] = [c, sum, false];
        else if (sum === bestSum) equal = true;
      }
      if (equal) byLowestClass++;
      else byOutputs++;
    } else if (tied > 1) byLowestClass++;
    predicted[i] = top;
  }
  return { predicted, byOutputs, byLowestClass };
}

/** A setting's vote on the test set. */
export interface Vote {
  /** Networks that voted. */
  members: number;
  /** The vote's test accuracy. */
  accuracy: number;
  /** Test images the vote gets right. */
  correct: number;
  /** Test images. */
  count: number;
  /** The mean accuracy of the same networks on their own. */
  mean: number;
  /** Each member's epoch (from 0). */
  epochs: number[];
  /** Images whose tie was broken by the summed outputs. */
  byOutputs: number;
  /** Images whose tie went to the lowest class. */
  byLowestClass: number;
  /** The test indices the vote gets wrong, and the class it gives each. */
  wrong: { index: number; label: number; predicted: number }[];
}

/**
 * The vote of the trials whose predictions are `members` at their `role` epoch (default the
 * last, as network3.py's `ensemble()` votes); null for fewer than two networks with that
 * snapshot, or networks answering on different test sets.
 */
export function ensembleVote(
  members: readonly TrialPredictions[],
  role: SnapshotRole = "last",
): Vote | null {
  const voting = members.flatMap((p) => {
    const s = snapshotOf(p, role);
    return s ? [{ p, s }] : [];
  });
  if (voting.length < 2) return null;
  const { p: first } = voting[0];
  const sameTest = voting.every(({ p }) =>
    p.count === first.count && p.classes === first.classes &&
    p.labels.every((l, i) => l === first.labels[i])
  );
  if (!sameTest) return null;
  const labels = first.labels;
  const result = majorityVote(voting.map(({ s }) => s), first.classes);
  const correctOf = (predicted: Uint8Array) => {
    let c = 0;
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) c++;
    return c;
  };
  const correct = correctOf(result.predicted);
  const wrong: Vote["wrong"] = [];
  for (let i = 0; i < labels.length; i++) {
    if (result.predicted[i] !== labels[i]) {
      wrong.push({ index: i, label: labels[i], predicted: result.predicted[i] });
    }
  }
  const count = labels.length;
  return {
    members: voting.length,
    accuracy: correct / count,
    correct,
    count,
    mean: voting.reduce((a, { s }) => a + correctOf(s.predicted) / count, 0) / voting.length,
    epochs: voting.map(({ s }) => s.epoch),
    byOutputs: result.byOutputs,
    byLowestClass: result.byLowestClass,
    wrong,
  };
}
