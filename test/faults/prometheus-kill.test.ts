import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  PrometheusClient,
  type PrometheusClientOptions,
  type RetryEvent,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import { prometheusMissing } from "../support/binaries.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { failure, type Settled, settle, sleep } from "./helpers.ts";

/**
 * A real Prometheus killed (SIGKILL) in the middle of a query and restarted on the same port and
 * data, or frozen (SIGSTOP) and continued: the call in flight is retried within its deadline or
 * fails with a typed error by then, and later calls succeed.
 */

const T = 1_700_000_000;
/** A query Prometheus 2.42 needs a few hundred ms for, with no data at all: 1.8 M subquery steps. */
const SLOW = "count_over_time(vector(1)[30m:1ms])";
const DEADLINE_MS = 8_000;

describe.skipIf(prometheusMissing)("Prometheus killed mid-query", () => {
  let prometheus: PrometheusServer;
  const clients: PrometheusClient[] = [];

  beforeAll(async () => {
    prometheus = await startPrometheus({ backfill: false, scrapeSelf: false });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });
  afterAll(async () => {
    prometheus?.kill("SIGCONT");
    await prometheus?.stop();
  });

  function client(options: Partial<PrometheusClientOptions> = {}) {
    const c = new PrometheusClient({
      url: prometheus.url,
      timeout: DEADLINE_MS,
      retry: { limit: 4, baseDelayMs: 150, maxDelayMs: 600 },
      ...options,
    });
    const retries: RetryEvent[] = [];
    c.on("retry", (event) => retries.push(event));
    clients.push(c);
    return { c, retries };
  }

  /** Succeeded, or failed with UnavailableError; by the deadline either way. */
  function retriedOrUnavailable(r: Settled<unknown>): void {
    if (!r.ok) expect(r.error).toBeInstanceOf(UnavailableError);
    expect(r.ms).toBeLessThan(DEADLINE_MS + 1_000);
  }

  it("killed while evaluating and restarted at once: the call is retried and succeeds", async () => {
    const { c, retries } = client();
    const call = settle(() => c.query(SLOW, { time: T }));
    await sleep(150);
    prometheus.kill("SIGKILL");
    await prometheus.restart();
    const r = await call;
    retriedOrUnavailable(r);
    expect(r.ok).toBe(true);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]?.reason).toMatch(/closed the connection|reset|refused/);
    const later = await c.query("vector(1)", { time: T });
    expect(later.data.resultType).toBe("vector");
  });

  it("killed and left down: UnavailableError once retries are spent, by the deadline; later calls succeed after a restart", async () => {
    const { c, retries } = client({ retry: { limit: 2, baseDelayMs: 50, maxDelayMs: 100 } });
    const call = settle(() => c.query(SLOW, { time: T }));
    await sleep(150);
    prometheus.kill("SIGKILL");
    const r = await call;
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/refused|closed the connection|reset/);
    expect((error as UnavailableError).endpoint).toBe(`${prometheus.url}/api/v1/query`);
    expect(retries).toHaveLength(2);
    expect(r.ms).toBeLessThan(DEADLINE_MS);
    await prometheus.restart();
    expect((await c.query("vector(1)", { time: T })).data.resultType).toBe("vector");
  });

  it("killed under six concurrent queries, restarted after a pause: each retried or UnavailableError by the deadline", async () => {
    const { c } = client();
    const calls = Array.from({ length: 6 }, (_, i) =>
      settle(() => c.query(`count_over_time(vector(${i})[10m:1ms])`, { time: T })),
    );
    await sleep(200);
    prometheus.kill("SIGKILL");
    await sleep(300);
    await prometheus.restart();
    const results = await Promise.all(calls);
    for (const r of results) retriedOrUnavailable(r);
    expect(results.some((r) => r.ok)).toBe(true);
    const later = await Promise.all(
      Array.from({ length: 5 }, (_, i) => c.query(`vector(${i})`, { time: T })),
    );
    expect(later.map((r) => r.data.resultType)).toEqual(Array(5).fill("vector"));
  });

  it("frozen (SIGSTOP) mid-query: TimeoutError by the deadline; continued (SIGCONT), calls succeed again", async () => {
    const { c } = client({ timeout: 1_000 });
    const call = settle(() => c.query(SLOW, { time: T }));
    await sleep(100);
    prometheus.kill("SIGSTOP");
    let r: Settled<unknown>;
    try {
      r = await call;
    } finally {
      prometheus.kill("SIGCONT");
    }
    expect(failure(r)).toBeInstanceOf(TimeoutError);
    expect(r.ms).toBeLessThan(2_000);
    expect((await c.query("vector(1)", { time: T, timeout: 5_000 })).data.resultType).toBe("vector");
  });

  it("a range query through a kill and restart: retried within the deadline, or UnavailableError", async () => {
    const { c } = client();
    const call = settle(() => c.queryRange("vector(1)", { start: T - 3_600, end: T, step: 1 }));
    prometheus.kill("SIGKILL");
    await sleep(100);
    await prometheus.restart();
    const r = await call;
    retriedOrUnavailable(r);
    const later = await c.queryRange("vector(1)", { start: T - 60, end: T, step: 15 });
    expect(later.data.result[0]?.values).toHaveLength(5);
  });
});
