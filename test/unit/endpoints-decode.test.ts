import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BadQueryError, ResponseError } from "../../src/index.ts";
import { BASE, json, makeClient, mockPrometheus, rejection } from "./promMock.ts";

/**
 * Decoding of the non-query endpoints, with answers Prometheus 2.42 cannot give: `limit`
 * truncation warnings (2.51+), infos (2.54+), exemplars and native-histogram metadata, UTF-8
 * label names, and the small differences of Thanos and VictoriaMetrics.
 */

const server = mockPrometheus();

/** Answers `path` (below /api/v1/) with a success envelope around `data`, plus extra envelope fields. */
function answer(path: string, data: unknown, extra: Record<string, unknown> = {}) {
  server.use(
    http.all(`${BASE}/api/v1/${path}`, () => HttpResponse.json({ status: "success", data, ...extra })),
  );
}

describe("series and labels", () => {
  it("keeps the truncation warning of `limit` (Prometheus 2.51+) and infos", async () => {
    answer("series", [{ __name__: "up", job: "a" }], {
      warnings: ["results truncated due to limit"],
      infos: ["some info"],
    });
    const r = await makeClient().series(["up"], { limit: 1 });
    expect(r.data).toEqual([{ __name__: "up", job: "a" }]);
    expect(r.warnings).toEqual(["results truncated due to limit"]);
    expect(r.infos).toEqual(["some info"]);
    expect(JSON.parse(JSON.stringify(r))).toEqual({
      status: "success",
      data: [{ __name__: "up", job: "a" }],
      warnings: ["results truncated due to limit"],
      infos: ["some info"],
    });
  });

  it("keeps label names that are not identifiers, `constructor` and `__proto__` included, as own keys", async () => {
    server.use(
      http.all(
        `${BASE}/api/v1/series`,
        () =>
          new HttpResponse(
            '{"status":"success","data":[{"__name__":"my.metric","service.name":"a","constructor":"b","__proto__":"c","日本":"d"}]}',
            { headers: { "content-type": "application/json" } },
          ),
      ),
    );
    const [series] = (await makeClient().series(['{"my.metric"}'])).data;
    expect(Object.keys(series ?? {})).toEqual([
      "__name__",
      "service.name",
      "constructor",
      "__proto__",
      "日本",
    ]);
    expect(Object.getOwnPropertyDescriptor(series, "__proto__")?.value).toBe("c");
    expect(series?.constructor).toBe("b");
    expect(Object.getPrototypeOf(series)).toBe(Object.prototype);
  });

  it("label names and values are string lists; null is an empty list", async () => {
    answer("labels", ["__name__", "service.name"]);
    expect((await makeClient().labelNames()).data).toEqual(["__name__", "service.name"]);
    answer("label/job/values", null);
    expect((await makeClient().labelValues("job")).data).toEqual([]);
  });

  it("a body of the wrong shape is a ResponseError saying where", async () => {
    answer("label/job/values", ["a", 2]);
    const error = await rejection(makeClient().labelValues("job"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toMatch(/data\.1/);
    answer("series", [{ job: 5 }]);
    expect((await rejection(makeClient().series(["up"]))).message).toMatch(
      /data\.0: expected an object of string label values/,
    );
    answer("series", [["job", "a"]]);
    expect(await rejection(makeClient().series(["up"]))).toBeInstanceOf(ResponseError);
    answer("series", { not: "a list" });
    expect(await rejection(makeClient().series(["up"]))).toBeInstanceOf(ResponseError);
  });

  it("an error envelope is the matching error class, its warnings kept", async () => {
    server.use(
      http.all(`${BASE}/api/v1/series`, () =>
        json(400, { status: "error", errorType: "bad_data", error: "parse error", warnings: ["w"] }),
      ),
    );
    const error = await rejection(makeClient().series(["up{"]));
    expect(error).toBeInstanceOf(BadQueryError);
    expect(error).toMatchObject({ status: 400, errorType: "bad_data", warnings: ["w"] });
  });
});

describe("metadata", () => {
  it("decodes metric → metadata, keeping every metric name and native histogram types", async () => {
    server.use(
      http.all(
        `${BASE}/api/v1/metadata`,
        () =>
          new HttpResponse(
            JSON.stringify({
              status: "success",
              data: {
                http_request_duration_seconds: [{ type: "histogram", help: "Latency.", unit: "seconds" }],
                "my.metric": [{ type: "gaugehistogram", help: "H" }],
                toString: [{ type: "counter", help: "odd name", unit: "" }],
              },
            }).replace('"toString"', '"__proto__"'),
            { headers: { "content-type": "application/json" } },
          ),
      ),
    );
    const { data } = await makeClient().metadata();
    expect(Object.keys(data)).toEqual(["http_request_duration_seconds", "my.metric", "__proto__"]);
    expect(data.http_request_duration_seconds).toEqual([
      { type: "histogram", help: "Latency.", unit: "seconds" },
    ]);
    // A server that leaves `unit` out (older ones) gets "".
    expect(data["my.metric"]).toEqual([{ type: "gaugehistogram", help: "H", unit: "" }]);
    expect(Object.getOwnPropertyDescriptor(data, "__proto__")?.value).toEqual([
      { type: "counter", help: "odd name", unit: "" },
    ]);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it("refuses metadata of the wrong shape, naming the metric", async () => {
    answer("metadata", { up: [{ type: 1, help: "" }] });
    expect((await rejection(makeClient().metadata())).message).toMatch(/"up"/);
    answer("metadata", ["not", "a", "map"]);
    expect((await rejection(makeClient().metadata())).message).toMatch(/expected an object/);
  });

  it("decodes target metadata, with and without the metric name", async () => {
    answer("targets/metadata", [
      { target: { instance: "a:9090", job: "p" }, metric: "up", type: "gauge", help: "Up.", unit: "" },
      { target: { job: "p" }, type: "counter", help: "C." },
    ]);
    const { data } = await makeClient().targetsMetadata();
    expect(data).toEqual([
      { target: { instance: "a:9090", job: "p" }, metric: "up", type: "gauge", help: "Up.", unit: "" },
      { target: { job: "p" }, type: "counter", help: "C.", unit: "" },
    ]);
  });
});

describe("exemplars", () => {
  it("decodes values from strings (NaN and ±Inf too) and keeps labels and timestamps", async () => {
    answer("query_exemplars", [
      {
        seriesLabels: { __name__: "http_request_duration_seconds_bucket", le: "0.5", "service.name": "api" },
        exemplars: [
          { labels: { trace_id: "EpTxMJ40fUus7aGY" }, value: "6", timestamp: 1600096945.479 },
          { labels: { trace_id: "b" }, value: "+Inf", timestamp: 1600096955 },
          { labels: { trace_id: "c" }, value: "NaN", timestamp: 1600096965.489 },
          { labels: null, value: "1.5e-07", timestamp: 1600096966 },
        ],
      },
      // A native histogram series carries exemplars the same way.
      {
        seriesLabels: { __name__: "rpc_duration_seconds" },
        exemplars: [{ labels: {}, value: 0.25, timestamp: 1 }],
      },
    ]);
    const { data } = await makeClient().queryExemplars("http_request_duration_seconds_bucket", {
      start: 0,
      end: 2e9,
    });
    expect(data[0]?.seriesLabels["service.name"]).toBe("api");
    expect(data[0]?.exemplars.map((e) => e.value)).toEqual([6, Number.POSITIVE_INFINITY, Number.NaN, 1.5e-7]);
    expect(data[0]?.exemplars[0]).toEqual({
      labels: { trace_id: "EpTxMJ40fUus7aGY" },
      value: 6,
      timestamp: 1600096945.479,
    });
    expect(data[0]?.exemplars[3]?.labels).toEqual({});
    expect(data[1]?.exemplars).toEqual([{ labels: {}, value: 0.25, timestamp: 1 }]);
  });

  it("refuses a value that is not a number", async () => {
    answer("query_exemplars", [
      { seriesLabels: {}, exemplars: [{ labels: {}, value: "six", timestamp: 1 }] },
    ]);
    const error = await rejection(makeClient().queryExemplars("x", { start: 0, end: 1 }));
    expect(error.message).toMatch(
      /data\.0\.exemplars\.0\.value: expected a number or a numeric string, got "six"/,
    );
  });
});

describe("targets and alertmanagers", () => {
  it("decodes Prometheus' targets, keeping fields it does not know", async () => {
    const active = {
      discoveredLabels: { __address__: "a:9100", job: "node" },
      labels: { instance: "a:9100", job: "node" },
      scrapePool: "node",
      scrapeUrl: "http://a:9100/metrics",
      globalUrl: "http://a:9100/metrics",
      lastError: "",
      lastScrape: "2017-01-17T15:07:44.723715405+01:00",
      lastScrapeDuration: 0.050688943,
      health: "up",
      scrapeInterval: "1m",
      scrapeTimeout: "10s",
      futureField: { x: 1 },
    };
    answer("targets", {
      activeTargets: [active],
      droppedTargets: [{ discoveredLabels: { __address__: "b:9100" }, scrapePool: "node" }],
      droppedTargetCounts: { node: 1 },
    });
    const { data } = await makeClient().targets();
    expect(data.activeTargets).toEqual([active]);
    expect(data.droppedTargets).toEqual([
      { discoveredLabels: { __address__: "b:9100" }, scrapePool: "node" },
    ]);
    expect(data.droppedTargetCounts).toEqual({ node: 1 });
  });

  it("accepts the leaner answers of other servers (null lists, no discoveredLabels, no lastError)", async () => {
    answer("targets", {
      activeTargets: [
        {
          labels: { job: "x" },
          scrapePool: "x",
          scrapeUrl: "http://x/metrics",
          lastScrape: "2024-01-01T00:00:00Z",
          lastScrapeDuration: "0.5",
          health: "unknown",
        },
      ],
      droppedTargets: null,
    });
    const { data } = await makeClient().targets();
    expect(data.activeTargets[0]).toMatchObject({
      discoveredLabels: {},
      lastError: "",
      lastScrapeDuration: 0.5,
    });
    expect(data.droppedTargets).toEqual([]);
  });

  it("decodes alertmanagers", async () => {
    answer("alertmanagers", {
      activeAlertmanagers: [{ url: "http://am:9093/api/v2/alerts" }],
      droppedAlertmanagers: null,
    });
    expect((await makeClient().alertmanagers()).data).toEqual({
      activeAlertmanagers: [{ url: "http://am:9093/api/v2/alerts" }],
      droppedAlertmanagers: [],
    });
  });
});

describe("rules and alerts", () => {
  const alert = {
    labels: { alertname: "HighLatency", severity: "page" },
    annotations: { summary: "High request latency" },
    state: "firing",
    activeAt: "2018-07-04T20:27:12.60602144+02:00",
    keepFiringSince: "2018-07-04T20:37:12Z",
    value: "1e+00",
  };

  it("decodes alerting and recording rules, alert values as numbers, Thanos' extra fields kept", async () => {
    answer("rules", {
      groups: [
        {
          name: "example",
          file: "/rules.yaml",
          interval: 60,
          limit: 0,
          evaluationTime: 0.0003,
          lastEvaluation: "2024-01-01T00:00:00Z",
          partialResponseStrategy: "ABORT",
          rules: [
            {
              type: "alerting",
              name: "HighLatency",
              query: "job:latency:mean5m > 0.5",
              duration: 600,
              keepFiringFor: 60,
              labels: { severity: "page" },
              annotations: { summary: "High request latency" },
              alerts: [alert],
              health: "ok",
              state: "firing",
              evaluationTime: 0.0001,
              lastEvaluation: "2024-01-01T00:00:00Z",
            },
            {
              type: "recording",
              name: "job:x:sum",
              query: "sum by (job) (x)",
              health: "err",
              lastError: "boom",
            },
          ],
        },
      ],
      groupNextToken: "next",
    });
    const { data } = await makeClient().rules();
    const [group] = data.groups;
    expect(group).toMatchObject({
      name: "example",
      interval: 60,
      limit: 0,
      partialResponseStrategy: "ABORT",
    });
    expect(data.groupNextToken).toBe("next");
    const [alerting, recording] = group?.rules ?? [];
    expect(alerting).toMatchObject({ type: "alerting", duration: 600, keepFiringFor: 60, state: "firing" });
    expect(alerting?.type === "alerting" && alerting.alerts[0]).toEqual({ ...alert, value: 1 });
    expect(recording).toEqual({
      type: "recording",
      name: "job:x:sum",
      query: "sum by (job) (x)",
      health: "err",
      lastError: "boom",
      labels: {},
    });
  });

  it("takes null alerts (exclude_alerts) and missing labels/annotations as empty", async () => {
    answer("rules", {
      groups: [
        {
          name: "g",
          file: "f",
          interval: "30",
          rules: [{ type: "alerting", name: "A", query: "vector(1)", alerts: null, health: "unknown" }],
        },
      ],
    });
    const rule = (await makeClient().rules({ excludeAlerts: true })).data.groups[0]?.rules[0];
    expect(rule).toEqual({
      type: "alerting",
      name: "A",
      query: "vector(1)",
      duration: 0,
      labels: {},
      annotations: {},
      alerts: [],
      health: "unknown",
    });
  });

  it("refuses a rule of an unknown type", async () => {
    answer("rules", {
      groups: [{ name: "g", file: "f", interval: 1, rules: [{ type: "magic", name: "x" }] }],
    });
    const error = await rejection(makeClient().rules());
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toMatch(/data\.groups\.0\.rules\.0/);
  });

  it("decodes alerts with special values", async () => {
    answer("alerts", {
      alerts: [alert, { ...alert, value: "+Inf" }, { ...alert, value: "NaN", activeAt: undefined }],
    });
    const { data } = await makeClient().alerts();
    expect(data.alerts.map((a) => a.value)).toEqual([1, Number.POSITIVE_INFINITY, Number.NaN]);
    expect(data.alerts[2]?.activeAt).toBeUndefined();
  });
});

describe("status", () => {
  it("buildinfo: Prometheus' full answer, or only a version (VictoriaMetrics)", async () => {
    const full = {
      version: "3.1.0",
      revision: "abc",
      branch: "HEAD",
      buildUser: "root@x",
      buildDate: "20250101-00:00:00",
      goVersion: "go1.23.4",
    };
    answer("status/buildinfo", full);
    expect((await makeClient().buildInfo()).data).toEqual(full);
    answer("status/buildinfo", { version: "1.101.0" });
    expect((await makeClient().buildInfo()).data).toEqual({ version: "1.101.0" });
    answer("status/buildinfo", { revision: "no version" });
    expect((await rejection(makeClient().buildInfo())).message).toMatch(/version/);
  });

  it("runtimeinfo: typed where known, unknown fields kept", async () => {
    const info = {
      startTime: "2019-11-02T17:23:59.301361365+01:00",
      CWD: "/",
      hostname: "h",
      serverTime: "2025-01-05T18:27:33Z",
      reloadConfigSuccess: true,
      lastConfigTime: "2019-11-02T17:23:59+01:00",
      corruptionCount: 0,
      goroutineCount: 48,
      GOMAXPROCS: 4,
      GOMEMLIMIT: 2 ** 63,
      GOGC: "",
      GODEBUG: "",
      storageRetention: "15d",
      somethingNew: [1],
    };
    answer("status/runtimeinfo", info);
    expect((await makeClient().runtimeInfo()).data).toEqual(info);
  });

  it("flags and config", async () => {
    answer("status/flags", { "query.timeout": "2m", "log.level": "info" });
    expect((await makeClient().flags()).data).toEqual({ "query.timeout": "2m", "log.level": "info" });
    answer("status/flags", { "query.timeout": 120 });
    expect(await rejection(makeClient().flags())).toBeInstanceOf(ResponseError);
    answer("status/config", { yaml: "global: {}\n" });
    expect((await makeClient().config()).data).toEqual({ yaml: "global: {}\n" });
  });

  it("tsdb: numbers as numbers also when a server quotes them; VictoriaMetrics' extra fields kept", async () => {
    answer("status/tsdb", {
      headStats: {
        numSeries: "508",
        numLabelPairs: 10,
        chunkCount: 937,
        minTime: 1591516800000,
        maxTime: "1598896800143",
      },
      seriesCountByMetricName: [{ name: "up", value: "20" }],
      labelValueCountByLabelName: [{ name: "__name__", value: 211 }],
      memoryInBytesByLabelName: null,
      seriesCountByLabelValuePair: [{ name: "job=prometheus", value: 425 }],
      totalSeries: 508,
    });
    const { data } = await makeClient().tsdbStatus();
    expect(data.headStats).toEqual({
      numSeries: 508,
      numLabelPairs: 10,
      chunkCount: 937,
      minTime: 1591516800000,
      maxTime: 1598896800143,
    });
    expect(data.seriesCountByMetricName).toEqual([{ name: "up", value: 20 }]);
    expect(data.memoryInBytesByLabelName).toEqual([]);
    expect((data as unknown as { totalSeries: number }).totalSeries).toBe(508);
  });

  it("walreplay, with and without state", async () => {
    answer("status/walreplay", { min: 2, max: 5, current: 40, state: "in progress" });
    expect((await makeClient().walReplay()).data).toEqual({
      min: 2,
      max: 5,
      current: 40,
      state: "in progress",
    });
    answer("status/walreplay", { min: 0, max: 0, current: 0 });
    expect((await makeClient().walReplay()).data).toEqual({ min: 0, max: 0, current: 0 });
  });
});
