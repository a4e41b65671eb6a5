import { afterEach, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { type FakePrometheus, startFakePrometheus } from "../../src/testing/index.ts";

const T = 1_700_000_000; // 2023-11-14T22:13:20Z
const series = [
  { labels: { __name__: "up", job: "api", instance: "a" }, samples: [[T, 1]] as [number, number][] },
  { labels: { __name__: "temp", zone: "z1" }, samples: [[T, 2]] as [number, number][] },
];

let fake: FakePrometheus | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The fields of Prometheus' JSON envelope these tests read. */
interface Reply {
  error?: string;
  data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

async function get(path: string, params: Record<string, string | string[]>) {
  const u = new URL(path, fake!.url);
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) u.searchParams.append(k, x);
  const r = await fetch(u);
  return { status: r.status, body: (await r.json().catch(() => undefined)) as Reply };
}

describe("promfleet/testing: the fake answers as Prometheus does", () => {
  it("RFC3339 `time` is honoured (Prometheus accepts RFC3339 and unix seconds)", async () => {
    fake = await startFakePrometheus({ series });
    const unix = await get("/api/v1/query", { query: "up", time: String(T) });
    const rfc = await get("/api/v1/query", { query: "up", time: "2023-11-14T22:13:20Z" });
    expect(unix.body.data.result).toHaveLength(1);
    expect(rfc.body.data.result).toEqual(unix.body.data.result);
  });

  it("an unparseable `time` is a 400 bad_data, not silently 'now'", async () => {
    fake = await startFakePrometheus({ series, now: () => T });
    const r = await get("/api/v1/query", { query: "up", time: "yesterday" });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      status: "error",
      errorType: "bad_data",
      error: 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp',
    });
    // A date that does not exist is refused too, as Go's time.Parse does (not moved to March 2).
    expect((await get("/api/v1/query", { query: "up", time: "2023-02-30T00:00:00Z" })).status).toBe(400);
  });

  it("query_range accepts a duration step such as 1m (Prometheus does)", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/query_range", {
      query: "up",
      start: String(T - 60),
      end: String(T),
      step: "1m",
    });
    expect(r.status).toBe(200);
    // The only sample is at T; PromQL's 5m lookback carries it to later steps.
    const mixed = await get("/api/v1/query_range", {
      query: "up",
      start: String(T),
      end: String(T + 270),
      step: "4m30s",
    });
    expect(mixed.body.data.result[0]!.values.map((v) => v[0])).toEqual([T, T + 270]);
    const wrongOrder = await get("/api/v1/query_range", {
      query: "up",
      start: String(T),
      end: String(T),
      step: "1m1h",
    });
    expect(wrongOrder.status).toBe(400);
  });

  it("query_range without start/end is a 400 (Prometheus requires them)", async () => {
    fake = await startFakePrometheus({ series, now: () => T });
    const r = await get("/api/v1/query_range", { query: "up", step: "60" });
    expect(r.status).toBe(400);
  });

  it("query_range over 11,000 points per series is refused, not computed", async () => {
    fake = await startFakePrometheus({ series });
    const started = performance.now();
    const r = await get("/api/v1/query_range", {
      query: "up",
      start: String(T - 86_400),
      end: String(T),
      step: "0.01",
    });
    const ms = performance.now() - started;
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^exceeded maximum resolution of 11,000 points per timeseries/);
    expect(ms).toBeLessThan(500);
  });

  it("an empty selector {} is a 400 bad_data, not every series", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/query", { query: "{}", time: String(T) });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("vector selector must contain at least one non-empty matcher");
    const viaMatch = await get("/api/v1/series", { "match[]": '{job=~".*"}' });
    expect(viaMatch.body.error).toBe("match[] must contain at least one non-empty matcher");
  });

  it("a selector with only empty-matching matchers is a 400 bad_data", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/query", { query: '{job!="x"}', time: String(T) });
    expect(r.status).toBe(400);
  });

  it("/api/v1/series without match[] is a 400 (no match[] parameter provided)", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/series", {});
    expect(r.status).toBe(400);
  });

  it("/api/v1/labels honours match[]", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/labels", { "match[]": "up" });
    expect(r.body.data).toEqual(["__name__", "instance", "job"]);
  });

  it("/api/v1/label/<name>/values honours match[]", async () => {
    fake = await startFakePrometheus({ series });
    const r = await get("/api/v1/label/__name__/values", { "match[]": '{job="api"}' });
    expect(r.body.data).toEqual(["up"]);
  });

  it("a POST whose body is not a form (text/plain, as fetch sends a string) carries no parameters", async () => {
    fake = await startFakePrometheus({ series });
    // fetch() labels a string body text/plain;charset=UTF-8; Go's ParseForm ignores such a body,
    // so Prometheus sees no `query` and answers 400 bad_data.
    const r = await fetch(`${fake.url}/api/v1/query`, { method: "POST", body: `query=up&time=${T}` });
    expect(r.status).toBe(400);
  });

  it("POST to a GET-only endpoint (label values, status) is 405 as on Prometheus", async () => {
    fake = await startFakePrometheus({ series });
    const r = await fetch(`${fake.url}/api/v1/label/job/values`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(r.status).toBe(405);
    expect(await r.text()).toBe("Method Not Allowed\n");
    const status = await fetch(`${fake.url}/api/v1/status/buildinfo`, { method: "POST" });
    await status.text();
    expect(status.status).toBe(405);
  });

  it("the handler can override /-/ready (documented: 'return one to override the canned behaviour')", async () => {
    fake = await startFakePrometheus({
      handler: (req) => (req.path === "/-/ready" ? { status: 503, body: "Service Unavailable" } : undefined),
    });
    const r = await fetch(`${fake.url}/-/ready`);
    await r.text();
    expect(r.status).toBe(503);
  });

  it("answers the probes with Prometheus' own texts", async () => {
    fake = await startFakePrometheus();
    expect(await (await fetch(`${fake.url}/-/healthy`)).text()).toBe("Prometheus Server is Healthy.\n");
    expect(await (await fetch(`${fake.url}/-/ready`)).text()).toBe("Prometheus Server is Ready.\n");
  });

  it("a form POST carries its parameters, the body's before the URL's", async () => {
    fake = await startFakePrometheus({ series });
    const r = await fetch(`${fake.url}/api/v1/query?query=temp`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" },
      body: `query=up&time=${T}`,
    });
    const body = (await r.json()) as Reply;
    expect(body.data.result.map((s) => s.metric.__name__)).toEqual(["up"]);
  });

  it("failNext(0, ...) fails no request", async () => {
    fake = await startFakePrometheus({ series });
    fake.failNext(0, { status: 503, body: "down" });
    const r = await get("/api/v1/query", { query: "up", time: String(T) });
    expect(r.status).toBe(200);
  });

  it("a handler answer without a body does not turn into a 500", async () => {
    fake = await startFakePrometheus({ handler: () => ({ status: 204, body: undefined }) });
    const r = await fetch(`${fake.url}/api/v1/anything`);
    await r.text();
    expect(r.status).toBe(204);
  });

  it("close() does not leave a latency timer running for requests in flight", async () => {
    fake = await startFakePrometheus({ series, latencyMs: 60_000 });
    const pending = fetch(`${fake.url}/api/v1/query?query=up`).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    const handlesBefore = process.getActiveResourcesInfo().filter((x) => x === "Timeout").length;
    await fake.close();
    fake = undefined;
    await pending;
    await new Promise((r) => setTimeout(r, 50));
    const handlesAfter = process.getActiveResourcesInfo().filter((x) => x === "Timeout").length;
    expect(handlesAfter).toBeLessThan(handlesBefore);
  });
});

describe("promfleet/testing: the fake and promfleet's own requests", () => {
  it("labelValues of a UTF-8 label name (sent U__-escaped by promfleet) finds its values", async () => {
    fake = await startFakePrometheus({
      series: [{ labels: { __name__: "req", "http.status": "200" }, samples: [[T, 1]] }],
    });
    const client = new PrometheusClient({ url: fake.url, retry: false });
    const r = await client.labelValues("http.status");
    await client.close();
    expect(fake.requests.at(-1)!.path).toBe("/api/v1/label/U__http_2e_status/values");
    expect(r.data).toEqual(["200"]);
  });

  it("an unknown path fails with the same error class as on real Prometheus (plain-text 404)", async () => {
    fake = await startFakePrometheus();
    const client = new PrometheusClient({ url: fake.url, retry: false });
    const viaFake = await client.targets().catch((e: unknown) => e as Error);
    const real = await startFakePrometheus({
      handler: () => ({ status: 404, body: "404 page not found\n" }),
    });
    const client2 = new PrometheusClient({ url: real.url, retry: false });
    const viaReal = await client2.targets().catch((e: unknown) => e as Error);
    await client.close();
    await client2.close();
    await real.close();
    expect(viaFake.constructor.name).toBe(viaReal.constructor.name);
  });
});
