/**
 * Stopping a call: your own AbortSignal, AbortSignal.timeout(), and promfleet's deadline — and the
 * error each one gives. Run with Node ≥ 22.18 (type stripping) against a slow query:
 *   PROMETHEUS_URL=http://127.0.0.1:9090 QUERY='count_over_time(vector(1)[30d:1s])' node examples/cancel.ts
 * CANCEL_AFTER_MS (default 200) is when each call is stopped. A query faster than that simply answers.
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { AbortError, PrometheusClient, PrometheusError, TimeoutError } from "../src/index.ts";

const url = process.env.PROMETHEUS_URL ?? "http://127.0.0.1:9090";
const query = process.env.QUERY ?? "count_over_time(vector(1)[30d:1s])";
const ms = Number(process.env.CANCEL_AFTER_MS ?? 200);

const client = new PrometheusClient({ url, timeout: 30_000 });

/** Runs one call and says how it ended, and after how long. */
async function attempt(label: string, call: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const after = () => `${Math.round(performance.now() - started)} ms`;
  try {
    await call();
    console.log(`${label}: answered after ${after()}`);
  } catch (error) {
    if (error instanceof AbortError) {
      // Your abort. `cause` is exactly the reason the signal was aborted with.
      const cause =
        error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : error.cause;
      console.log(`${label}: AbortError after ${after()}: ${error.message} (cause: ${cause})`);
    } else if (error instanceof TimeoutError) {
      // promfleet's deadline passed: connecting, retries and their waits, and the body all count.
      console.log(`${label}: TimeoutError after ${after()}: ${error.message}`);
    } else if (error instanceof PrometheusError) {
      // Anything else that ended the call first, e.g. an UnavailableError: nothing listens there.
      console.log(`${label}: ${error.name} after ${after()}: ${error.message}`);
    } else {
      throw error;
    }
  }
}

// 1. An AbortController you own: abort when the answer is no longer wanted (the user left the page,
//    the service is shutting down). The reason you give comes back as the AbortError's cause.
try {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("the dashboard was closed")), ms);
  await attempt("AbortController", () => client.query(query, { signal: controller.signal }));

  // 2. AbortSignal.timeout(): also an abort, by a timer of yours, so also an AbortError; its cause is
  //    the DOMException named "TimeoutError" that the platform aborts with.
  await attempt("AbortSignal.timeout", () => client.query(query, { signal: AbortSignal.timeout(ms) }));

  // 3. promfleet's own deadline (`timeout`, per call or per client): a TimeoutError. The time left is
  //    also sent as Prometheus' `timeout` parameter, so the server stops evaluating when we stop waiting.
  await attempt("timeout option", () => client.query(query, { timeout: ms }));
} finally {
  await client.close(); // its connections too, so the process can exit
}
