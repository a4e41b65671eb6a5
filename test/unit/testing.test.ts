import { afterEach, describe, expect, it } from "vitest";
import { BadQueryError, PrometheusClient, UnavailableError } from "../../src/index.ts";
import { type FakePrometheus, startFakePrometheus } from "../../src/testing/index.ts";

const T = 1_700_000_000;
const series = [
  {
    labels: { __name__: "up", job: "api", instance: "a" },
    samples: [
      [T - 30, 1],
      [T, 0],
    ] as [number, number][],
  },
  {
    labels: { __name__: "up", job: "db", instance: "b" },
    samples: [[T - 15, Number.NaN]] as [number, number][],
  },
  {
    labels: { __name__: "temp", job: "api" },
    samples: [[T, Number.POSITIVE_INFINITY]] as [number, number][],
  },
];

describe("promfleet/testing: startFakePrometheus", () => {
  let fake: FakePrometheus | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close();
    await fake?.close();
  });

  async function start(options: Parameters<typeof startFakePrometheus>[0] = { series }) {
    fake = await startFakePrometheus(options);
    client = new PrometheusClient({ url: fake.url, retry: false });
    return { fake, client };
  }

  it("answers instant selectors from canned series, special floats included", async () => {
    const { client, fake } = await start();
    const r = await client.query('up{job=~"a.*|db"}', { time: T });
    expect(r.data.resultType).toBe("vector");
    const result = r.data.resultType === "vector" ? r.data.result : [];
    expect(result.map((s) => [s.metric.job, s.value])).toEqual([
      ["api", 0],
      ["db", Number.NaN],
    ]);
    expect(fake.requests[0]?.method).toBe("POST");
    expect(fake.requests[0]?.params.get("query")).toBe('up{job=~"a.*|db"}');
    const inf = await client.query("temp", { time: T });
    expect(inf.data.resultType === "vector" && inf.data.result[0]?.value).toBe(Number.POSITIVE_INFINITY);
  });

  it("answers range queries on the step grid with PromQL's lookback", async () => {
    const { client } = await start();
    const r = await client.queryRange('up{instance="a"}', { start: T - 30, end: T, step: 15 });
    expect(r.data.result).toHaveLength(1);
    expect([...r.data.result[0]!.timestamps]).toEqual([T - 30, T - 15, T]);
    expect([...r.data.result[0]!.values]).toEqual([1, 1, 0]);
  });

  it("refuses what it cannot evaluate with Prometheus' bad_data", async () => {
    const { client } = await start();
    await expect(client.query("sum(up)")).rejects.toBeInstanceOf(BadQueryError);
  });

  it("takes a handler and injected failures", async () => {
    const { client, fake } = await start({
      series,
      handler: (req) =>
        req.params.get("query") === "answer"
          ? { status: 200, body: { status: "success", data: { resultType: "scalar", result: [T, "42"] } } }
          : undefined,
    });
    const r = await client.query("answer");
    expect(r.data.resultType === "scalar" && r.data.result.value).toBe(42);
    fake.failNext(1, { status: 503, body: "Service Unavailable" });
    await expect(client.query("up")).rejects.toBeInstanceOf(UnavailableError);
    const after = await client.query("up", { time: T });
    expect(after.data.resultType === "vector" && after.data.result).toHaveLength(2);
  });

  it("adds latency and serves health and build info paths", async () => {
    const { fake } = await start({ series, latencyMs: 20 });
    const started = performance.now();
    const health = await fetch(`${fake.url}/-/healthy`);
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const labels = await (await fetch(`${fake.url}/api/v1/label/job/values`)).json();
    expect(labels).toEqual({ status: "success", data: ["api", "db"] });
    const names = await (await fetch(`${fake.url}/api/v1/labels`)).json();
    expect(names.data).toEqual(["__name__", "instance", "job"]);
    const found = await (await fetch(`${fake.url}/api/v1/series?match[]=up&match[]=temp`)).json();
    expect(found.data).toHaveLength(3);
    const build = await (await fetch(`${fake.url}/api/v1/status/buildinfo`)).json();
    expect(build.data.version).toBe("0.0.0-fake");
    const missing = await fetch(`${fake.url}/api/v1/nothing`);
    expect(missing.status).toBe(404);
  });
});
