import type { ApiResponse } from "../../decode/response.ts";
import type { MatrixData } from "../../decode/types.ts";
import { InvalidArgumentError } from "../../errors/InvalidArgumentError.ts";
import { TimeoutError } from "../../errors/TimeoutError.ts";
import { type SpanAttributes, withSpan } from "../../observe/tracing.ts";
import { abortedCall } from "../../transport/deadline.ts";
import { callSignal, callTimeout } from "../callOptions.ts";
import type { QueryRangeOptions } from "../query.ts";
import { joinPieces } from "./merge.ts";
import { planSplitRange, type RangePiece, type SplitRange } from "./plan.ts";

/** What the client needs to know of a piece beyond its options. */
export interface PieceRequest {
  /** The caller's PromQL text, which the one sent may be a rewrite of (for `invalidate`). */
  asked: string;
  /**
   * The latest time the piece reads when later than its own end (`@ end()`, a negative
   * `offset`), for the cache's TTL of recent data.
   */
  readsUntil: number | undefined;
  /** A piece of several: its failure is not an `error` event of its own (the call has one). */
  quiet: boolean;
}

/** How a split range query reaches the server: the client's own call, one piece at a time. */
export interface PieceAsker {
  /** Runs one `queryRange` (no `split`) through the client: cache, single flight, retries. */
  ask(promql: string, options: QueryRangeOptions, piece: PieceRequest): Promise<ApiResponse<MatrixData>>;
  /** Reports the call's failure once, as the `error` event of one call. */
  failed(error: unknown): void;
  /** Checks a piece's options as `ask` would, throwing what it would reject with. */
  check(promql: string, options: QueryRangeOptions): void;
  /** The server's points limit per series (`maxPointsPerSeries`). */
  maxPoints: number;
  /** The client's deadline when the call sets none. */
  timeoutMs: number;
  /** The query_range URL, without credentials, for errors. */
  endpoint: string;
  /** The client's cluster id, for errors. */
  cluster: string | undefined;
  /** Whether the client's cache will floor this call's range to its step (`alignRanges`). */
  aligns(options: QueryRangeOptions): boolean;
}

/**
 * A range query asked in pieces (`split`), `concurrency` at a time, under one deadline and
 * signal, and joined into one matrix. The first piece that fails stops the others and is the
 * call's error (and its one `error` event); a piece not started when the deadline passes or
 * after an abort is not sent.
 */
export async function queryRangeInPieces(
  promql: string,
  options: QueryRangeOptions,
  client: PieceAsker,
): Promise<ApiResponse<MatrixData>> {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "queryRange needs { start, end, step }");
  }
  const plan = planSplitRange(promql, options, client.maxPoints, client.aligns(options));
  // Every option checked before anything starts: a bad one is a rejection, not a failed call.
  client.check(plan.query, { ...options, ...plan.pieces[0]!, split: undefined });
  const { split: _, ...whole } = options;
  if (plan.pieces.length === 1) {
    const readsTo = readsUntil(plan, plan.pieces[0]!);
    return client.ask(plan.query, whole, { asked: promql, readsUntil: readsTo, quiet: false });
  }
  const call: PiecesCall = {
    asked: promql,
    timeoutMs: callTimeout(options, client.timeoutMs),
    endsAt: 0,
    signal: callSignal(options),
  };
  call.endsAt = performance.now() + call.timeoutMs;
  const attributes: SpanAttributes = { "promfleet.split.pieces": plan.pieces.length };
  if (client.cluster !== undefined) attributes["promfleet.cluster"] = client.cluster;
  // One span for the call, the parent of its pieces' client spans.
  return withSpan(
    "promfleet split api/v1/query_range",
    attributes,
    () => askPieces(plan, whole, call, client),
    true,
  );
}

/** A split call's own: the caller's text, its deadline (from when it was made) and its signal. */
interface PiecesCall {
  asked: string;
  timeoutMs: number;
  endsAt: number;
  signal: AbortSignal | undefined;
}

/** Asks the planned pieces with `whole`'s options under the call's deadline and signal, then joins them. */
async function askPieces(
  plan: SplitRange,
  whole: Omit<QueryRangeOptions, "split">,
  call: PiecesCall,
  client: PieceAsker,
): Promise<ApiResponse<MatrixData>> {
  const { timeoutMs, endsAt, signal: callerSignal } = call;
  // The pieces' one signal: the caller's abort (with its reason) or the first failure. Not
  // AbortSignal.any, which keeps a dependent signal per call on a long-lived caller signal.
  const stop = new AbortController();
  const forward = () => stop.abort(callerSignal?.reason);
  if (callerSignal?.aborted) forward();
  else callerSignal?.addEventListener("abort", forward, { once: true });
  const signal = stop.signal;
  // Statistics are per piece and dropped by the join: not worth the server's work.
  const each = { ...whole, stats: undefined, signal, timeout: undefined };
  const answers = new Array<ApiResponse<MatrixData>>(plan.pieces.length);
  let failure: { error: unknown } | undefined;
  let next = 0;
  const work = async (): Promise<void> => {
    while (failure === undefined && next < plan.pieces.length) {
      const index = next++;
      const timeout = endsAt - performance.now();
      try {
        if (callerSignal?.aborted) throw abortedCall(client.endpoint, client.cluster, callerSignal.reason);
        if (timeout <= 0) throw deadlineError(client, timeoutMs, plan.pieces.length);
        const range = plan.pieces[index]!;
        const piece = { asked: call.asked, readsUntil: readsUntil(plan, range), quiet: true };
        answers[index] = await client.ask(plan.query, { ...each, ...range, timeout }, piece);
      } catch (error) {
        // The first failure is the call's; the pieces it stops fail after it and are not reported.
        // A piece's own deadline is the time the call had left: its timeout is the call's.
        failure ??= {
          error: ownTimeout(error) ? deadlineError(client, timeoutMs, plan.pieces.length, error) : error,
        };
        stop.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.pieces.length) }, work));
  } finally {
    callerSignal?.removeEventListener("abort", forward);
  }
  if (failure !== undefined) {
    client.failed(failure.error);
    throw failure.error;
  }
  return joinPieces(answers);
}

/**
 * The latest time a piece reads when it is later than the piece's end — the whole range's end
 * for `@ end()`, plus how far negative offsets reach — for the cache's TTL of recent data.
 */
function readsUntil(plan: SplitRange, piece: RangePiece): number | undefined {
  if (!plan.readsEnd && plan.readsAhead === 0) return undefined;
  return (plan.readsEnd ? plan.end : piece.end) + plan.readsAhead;
}

/** A TimeoutError of a deadline of ours (not Prometheus' own `errorType: timeout`). */
function ownTimeout(error: unknown): error is TimeoutError {
  return error instanceof TimeoutError && error.timeoutMs !== undefined;
}

function deadlineError(client: PieceAsker, timeoutMs: number, pieces: number, cause?: unknown): TimeoutError {
  const { endpoint, cluster } = client;
  return new TimeoutError(
    `${endpoint} (a range split into ${pieces} pieces) did not complete within the deadline of ${Math.round(timeoutMs)} ms`,
    { endpoint, cluster, timeoutMs, cause },
  );
}
