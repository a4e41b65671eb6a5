import { DecodeError } from "../decode/DecodeError.ts";
import { decodeQueryData } from "../decode/query.ts";
import { scanningDecoder } from "../decode/scanDecoder.ts";
import type { MatrixData, QueryData } from "../decode/types.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type BodyDecoder, envelopeDecoder } from "../transport/decoder.ts";
import type { RequestSpec } from "../transport/Transport.ts";
import { checkNamespace, type QueryParamOptions, queryParams } from "./callOptions.ts";
import {
  checkQuery,
  checkRange,
  type DurationInput,
  formatDuration,
  formatTime,
  type TimeInput,
  toSeconds,
  toUnixSeconds,
} from "./params.ts";
import type { SplitOptions } from "./split/plan.ts";
import { readsAhead } from "./split/rewrite.ts";

/** Options of `query()`. */
export interface QueryOptions extends QueryParamOptions {
  /** Evaluation time; the server's "now" when omitted. */
  time?: TimeInput | undefined;
}

/** Options of `queryRange()`. */
export interface QueryRangeOptions extends QueryParamOptions {
  /** Start of the range. */
  start: TimeInput;
  /** End of the range. */
  end: TimeInput;
  /** Resolution: seconds or a duration such as "1m". */
  step: DurationInput;
  /**
   * Asks the range in pieces of at most this long (seconds or a duration such as "1d"; or
   * `{ interval, concurrency }`, 4 pieces at a time by default) and joins them into one matrix:
   * for ranges with more points than the server allows, and so that with a cache the pieces
   * already past are reused when the range moves on. Pieces end on multiples of the interval;
   * `@ start()`, `@ end()` and `range()` keep the whole range's values.
   */
  split?: DurationInput | SplitOptions | undefined;
}

/** A prepared request: what to send and how to decode it. */
export interface PreparedRequest<T> {
  spec: RequestSpec;
  decode: BodyDecoder<T>;
}

// The fast scanner first; the valibot/JSON.parse path for anything it does not handle (and for errors).
const decodeAnyQuery = scanningDecoder(envelopeDecoder(decodeQueryData), (_): _ is QueryData => true);

const decodeMatrix = scanningDecoder(
  envelopeDecoder((data): MatrixData => {
    const decoded = decodeQueryData(data);
    if (decoded.resultType !== "matrix") {
      throw new DecodeError(`query_range answered a ${decoded.resultType}, not a matrix`);
    }
    return decoded;
  }),
  (data): data is MatrixData => data.resultType === "matrix",
);

/** Builds an instant query request; arguments are checked before anything is sent. */
export function prepareQuery(promql: string, options: QueryOptions | undefined): PreparedRequest<QueryData> {
  const query = checkQuery(promql);
  const params: Array<[string, string]> = [["query", query]];
  const time = options?.time === undefined ? undefined : toUnixSeconds(options.time, "time");
  if (time !== undefined) params.push(["time", formatTime(time)]);
  params.push(...queryParams(options));
  return {
    spec: {
      path: "api/v1/query",
      params,
      method: "form",
      sendTimeout: true,
      namespace: checkNamespace(options?.namespace),
      // Keyed without a time, a query about "now" reads nothing later than now.
      readsUntil: time === undefined ? undefined : readsPast(query, time),
    },
    decode: decodeAnyQuery,
  };
}

/** A range call's `start`, `end` (unix seconds) and `step` (seconds), each present and readable. */
export function rangeArguments(options: QueryRangeOptions): { start: number; end: number; step: number } {
  for (const name of ["start", "end", "step"] as const) {
    if (options[name] === undefined) throw new InvalidArgumentError(name, `queryRange needs ${name}`);
  }
  return {
    start: toUnixSeconds(options.start, "start"),
    end: toUnixSeconds(options.end, "end"),
    step: toSeconds(options.step, "step"),
  };
}

/** Builds a range query request; checks start ≤ end, step > 0 and the points limit first. */
export function prepareQueryRange(
  promql: string,
  options: QueryRangeOptions,
  maxPointsPerSeries: number,
  piece?: { asked: string; readsUntil: number | undefined },
): PreparedRequest<MatrixData> {
  const query = checkQuery(promql);
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "queryRange needs { start, end, step }");
  }
  const { start, end, step } = rangeArguments(options);
  checkRange(start, end, step, maxPointsPerSeries);
  const params: Array<[string, string]> = [
    ["query", query],
    ["start", formatTime(start)],
    ["end", formatTime(end)],
    ["step", formatDuration(step)],
    ...queryParams(options),
  ];
  return {
    spec: {
      path: "api/v1/query_range",
      params,
      method: "form",
      sendTimeout: true,
      namespace: checkNamespace(options.namespace),
      askedQuery: piece?.asked === promql ? undefined : piece?.asked,
      // A split range's piece comes with what its call worked out once; others work it out here.
      readsUntil: piece ? piece.readsUntil : readsPast(query, end),
    },
    decode: decodeMatrix,
  };
}

/**
 * The latest time a query evaluated at `time` reads when later than it — through a negative
 * `offset` — for the cache's short TTL of recent data; undefined when it reads nothing later.
 */
function readsPast(query: string, time: number): number | undefined {
  const ahead = readsAhead(query);
  return ahead > 0 ? time + ahead : undefined;
}
