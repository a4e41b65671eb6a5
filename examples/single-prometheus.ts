/**
 * One Prometheus: an instant query, a range query and a week asked in pieces, with typed results
 * and typed errors.
 * Run with Node ≥ 22.18 (type stripping):
 *   node examples/single-prometheus.ts
 *   PROMETHEUS_URL=https://prometheus.example:9090 PROMETHEUS_TOKEN=... node examples/single-prometheus.ts
 *   QUERY='sum by (job) (up)' RANGE_QUERY='rate(prometheus_http_requests_total[5m])' node examples/single-prometheus.ts
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import { bearerAuth, formatSampleValue, PrometheusClient, PrometheusError } from "../src/index.ts";

const url = process.env.PROMETHEUS_URL ?? "http://127.0.0.1:9090";
const token = process.env.PROMETHEUS_TOKEN;

// One client per server, reused for every call: it keeps a connection pool, so close it at the end
// (`await using client = ...` does that too, on Node 24 or in code compiled by TypeScript).
// `timeout` bounds each call as a whole: connecting, retries, and reading the body.
const client = new PrometheusClient({
  url,
  ...(token ? { auth: bearerAuth({ token }) } : {}),
  timeout: 10_000,
});

try {
  // Instant query, evaluated "now" (pass `time` to evaluate at another instant).
  const instant = await client.query(process.env.QUERY ?? "up");
  const { data } = instant;
  if (data.resultType === "vector") {
    console.log(`instant: ${data.result.length} series`);
    for (const sample of data.result) {
      // formatSampleValue writes NaN and ±Inf as Prometheus does ("NaN", "+Inf", "-Inf").
      console.log(`  ${JSON.stringify(sample.metric)} = ${formatSampleValue(sample.value)}`);
    }
  } else {
    console.log(`instant: a ${data.resultType}: ${JSON.stringify(data.result)}`);
  }
  // Never dropped: what the server warned about (e.g. a partial answer from Thanos).
  for (const warning of instant.warnings) console.warn(`warning: ${warning}`);

  // Range query over the last 15 minutes, one point every 30 seconds. Times are a Date, unix seconds
  // or RFC 3339 text; the step is seconds or a duration such as "30s" or "1m".
  const end = new Date();
  const start = new Date(end.getTime() - 15 * 60 * 1000);
  const range = await client.queryRange(process.env.RANGE_QUERY ?? "up", { start, end, step: "30s" });
  if (range.data.resultType === "matrix") {
    console.log(`range: ${range.data.result.length} series, step 30s`);
    for (const series of range.data.result) {
      // Columnar samples: timestamps[i] (unix seconds) goes with values[i], both Float64Arrays.
      const last = series.values.length - 1;
      const lastValue = last >= 0 ? formatSampleValue(series.values[last] ?? Number.NaN) : "-";
      console.log(`  ${JSON.stringify(series.metric)}: ${series.values.length} points, last ${lastValue}`);
    }
  }

  // A week at 15 s is 40,321 points a series, more than Prometheus answers at once (11,001):
  // `split` asks it in day-long pieces (4 at a time, under the one deadline) and joins them.
  const week = await client.queryRange(process.env.RANGE_QUERY ?? "up", {
    start: new Date(end.getTime() - 7 * 86_400_000),
    end,
    step: "15s",
    split: "1d",
  });
  const points = week.data.result.reduce((n, series) => n + series.values.length, 0);
  console.log(`week: ${week.data.result.length} series, ${points} points, in day-long pieces`);
} catch (error) {
  // Every failure is a PrometheusError subclass: BadQueryError, AuthenticationError, TimeoutError,
  // UnavailableError, ... with the HTTP status and Prometheus' errorType when there was an answer.
  if (!(error instanceof PrometheusError)) throw error;
  console.error(`${error.name}: ${error.message} (status ${error.status ?? "-"})`);
  process.exitCode = 1;
} finally {
  await client.close();
}
