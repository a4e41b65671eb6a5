import { flooredRange } from "../../cache/keys.ts";
import { InvalidArgumentError } from "../../errors/InvalidArgumentError.ts";
import { checkLimit } from "../callOptions.ts";
import { checkQuery, checkRange, type DurationInput, formatDuration, toSeconds } from "../params.ts";
import { type QueryRangeOptions, rangeArguments } from "../query.ts";
import { forPieces, type PieceQuery, readsAhead } from "./rewrite.ts";

/** `split` in its long form: the longest piece and how many pieces are asked at once. */
export interface SplitOptions {
  /** The longest piece, as seconds or a duration ("1d", "6h"); pieces end on its multiples. */
  interval: DurationInput;
  /** Pieces in flight at once (1–64, 4 by default). */
  concurrency?: number | undefined;
}

/** One piece of a split range, in unix seconds; both ends are points of the original grid. */
export interface RangePiece {
  start: number;
  end: number;
}

/** A checked `split` option. */
export interface SplitPlan {
  intervalMs: number;
  concurrency: number;
}

/** Most pieces one call may be split into: a year by the day fits, a year by the minute does not. */
export const MAX_PIECES = 1_000;

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;

/** Checks `split` (a duration, or `{ interval, concurrency }`); undefined when not splitting. */
export function checkSplit(split: DurationInput | SplitOptions | undefined): SplitPlan | undefined {
  if (split === undefined) return undefined;
  const long = typeof split === "object" && split !== null;
  const interval = long ? split.interval : split;
  const concurrency = long ? (split.concurrency ?? DEFAULT_CONCURRENCY) : DEFAULT_CONCURRENCY;
  if (long && interval === undefined)
    throw new InvalidArgumentError("split.interval", "split needs an interval");
  const intervalMs = Math.round(toSeconds(interval, long ? "split.interval" : "split") * 1000);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(
      "split.concurrency",
      `split.concurrency must be an integer from 1 to ${MAX_CONCURRENCY}`,
    );
  }
  return { intervalMs, concurrency };
}

/**
 * Cuts the range into pieces that end where a multiple of the interval (counted from the unix
 * epoch, as Cortex's and Thanos' query frontends do) falls, so the pieces of "the last 30 days"
 * asked again a minute later are the same requests — and cache entries — but for the first and
 * the newest.
 * Every point of the original grid (`start + k·step`) lies in exactly one piece, the one of its
 * interval `[k·I, (k+1)·I)`; each piece must stay within the server's points limit.
 */
export function planPieces(
  start: number,
  end: number,
  step: number,
  plan: SplitPlan,
  maxPoints: number,
): RangePiece[] {
  const [startMs, endMs, stepMs] = [
    Math.round(start * 1000),
    Math.round(end * 1000),
    Math.round(step * 1000),
  ];
  const { intervalMs } = plan;
  if (intervalMs < stepMs) {
    throw new InvalidArgumentError(
      "split",
      `split (${formatDuration(intervalMs / 1000)}s) must not be shorter than step (${formatDuration(step)}s)`,
    );
  }
  const lastPoint = Math.floor((endMs - startMs) / stepMs);
  const pieces: RangePiece[] = [];
  let mostIntervals = 0;
  for (let k = 0; k <= lastPoint; ) {
    if (pieces.length === MAX_PIECES) {
      throw new InvalidArgumentError(
        "split",
        `the range would be split into more than ${MAX_PIECES} pieces: use a longer split or a larger step`,
      );
    }
    const pieceStartMs = startMs + k * stepMs;
    const boundaryMs = (Math.floor(pieceStartMs / intervalMs) + 1) * intervalMs;
    // The last point before the boundary; always at least this piece's first one.
    const last = Math.min(lastPoint, Math.max(k, Math.ceil((boundaryMs - startMs) / stepMs) - 1));
    pieces.push({ start: pieceStartMs / 1000, end: (startMs + last * stepMs) / 1000 });
    mostIntervals = Math.max(mostIntervals, last - k);
    k = last + 1;
  }
  // The pieces planned, not a whole interval, must fit: a short range with a fine step and a
  // long split is one piece, asked as it would be without split.
  if (mostIntervals > maxPoints) {
    throw new InvalidArgumentError(
      "split",
      `a piece of ${formatDuration(intervalMs / 1000)}s holds ${mostIntervals + 1} points per series at step ${formatDuration(step)}s; the server allows ${maxPoints + 1}: use a shorter split or a larger step`,
    );
  }
  return pieces;
}

/** What a split call will ask: the query each piece sends and the pieces, in time order. */
export interface SplitRange extends PieceQuery {
  /** The whole range's end (floored when aligned), which `@ end()` reads. */
  end: number;
  pieces: RangePiece[];
  concurrency: number;
}

/**
 * Checks a split range call and plans its pieces; every argument is checked before anything is
 * sent. `maxPoints` bounds each piece, not the whole range. With `align` (the client's cache
 * floors ranges to the step), the range is floored here, before `@ start()` and `@ end()` are
 * given their values: the pieces then ask what the whole range asked through the cache would.
 */
export function planSplitRange(
  promql: string,
  options: QueryRangeOptions,
  maxPoints: number,
  align = false,
): SplitRange {
  const query = checkQuery(promql);
  const plan = checkSplit(options.split);
  if (plan === undefined) throw new InvalidArgumentError("split", "split is missing");
  // limit: 0 is Prometheus' "no limit"; any other would keep each piece's own series.
  if (options.limit !== undefined && checkLimit(options.limit) !== 0) {
    throw new InvalidArgumentError(
      "split",
      "split cannot be combined with limit: each piece would keep its own series",
    );
  }
  let { start, end, step } = rangeArguments(options);
  checkRange(start, end, step, Number.MAX_SAFE_INTEGER);
  if (align) [start, end] = alignedBounds(start, end, step, maxPoints);
  const pieces = planPieces(start, end, step, plan, maxPoints);
  // One piece is the range itself, asked as it was (its `end` may lie between two points).
  const rewritten =
    pieces.length > 1
      ? forPieces(query, start, end)
      : { query, readsEnd: false, readsAhead: readsAhead(query) };
  return { ...rewritten, end, pieces, concurrency: plan.concurrency };
}

/**
 * The range as the client's cache would align it (see `alignRange`), so the pieces ask what the
 * whole range asked through the cache would; the first point moves up a step only for a range
 * that fits the limit whole, as the cache does for one that is asked whole.
 */
function alignedBounds(start: number, end: number, step: number, maxPoints: number): [number, number] {
  const [startMs, endMs, stepMs] = [start, end, step].map((s) => Math.round(s * 1000)) as [
    number,
    number,
    number,
  ];
  const fitsWhole = Math.floor((endMs - startMs) / stepMs) <= maxPoints;
  const [from, to] = flooredRange(startMs, endMs, stepMs, fitsWhole ? maxPoints : Number.POSITIVE_INFINITY);
  return [from / 1000, to / 1000];
}
