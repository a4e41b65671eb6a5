import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import {
  BadQueryError,
  InvalidArgumentError,
  type PrometheusClient,
  ResponseError,
} from "../../src/index.ts";
import {
  BASE,
  goText,
  json,
  makeClient,
  mockPrometheus,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

/**
 * The endpoints Prometheus added after 2.42 (parse_query, scrape pool config, relabel steps, TSDB
 * blocks, self metrics, notifications, features), which the real 2.42 of the integration tests
 * cannot serve: requests and argument checks, and answers shaped as Prometheus' source and
 * documentation show them (web/api/v1/api.go, docs/querying/api.md).
 */

const server = mockPrometheus();

/** Answers `path` (below /api/v1/) with a success envelope around `data`, recording requests into `log`. */
function answer(path: string, data: unknown, log: SeenRequest[] = []): SeenRequest[] {
  server.use(record(`${BASE}/api/v1/${path}`, log, () => HttpResponse.json({ status: "success", data })));
  return log;
}

/** `METHOD /path?query` of a recorded request. */
const line = (r: SeenRequest | undefined) => `${r?.method} ${r?.url.pathname}${r?.url.search}`;

describe("parseQuery", () => {
  const tree = {
    bool: false,
    lhs: {
      matchers: [{ name: "__name__", type: "=", value: "foo" }],
      name: "foo",
      offset: 0,
      startOrEnd: null,
      timestamp: null,
      type: "vectorSelector",
    },
    matching: { card: "one-to-one", include: [], labels: [], on: false },
    op: "/",
    rhs: {
      matchers: [{ name: "__name__", type: "=", value: "bar" }],
      name: "bar",
      offset: 0,
      startOrEnd: null,
      timestamp: null,
      type: "vectorSelector",
    },
    type: "binaryExpr",
  };

  it("sends the query by form POST and returns the tree as sent", async () => {
    const log = answer("parse_query", tree);
    const { data } = await makeClient().parseQuery("foo/bar");
    expect(data).toEqual(tree);
    expect(data.type).toBe("binaryExpr");
    expect(log[0]?.method).toBe("POST");
    expect([...(log[0]?.form ?? [])]).toEqual([["query", "foo/bar"]]);
  });

  it("falls back to GET when POST is refused", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(`${BASE}/api/v1/parse_query`, log, (r) =>
        r.method === "POST"
          ? goText(405, "Method Not Allowed")
          : HttpResponse.json({ status: "success", data: { type: "numberLiteral", val: "1" } }),
      ),
    );
    expect((await makeClient().parseQuery("1")).data).toEqual({ type: "numberLiteral", val: "1" });
    expect(log.map(line)).toEqual(["POST /api/v1/parse_query", "GET /api/v1/parse_query?query=1"]);
  });

  it("a syntax error is a BadQueryError; a node without a type is a ResponseError", async () => {
    server.use(
      record(`${BASE}/api/v1/parse_query`, [], () =>
        json(400, {
          status: "error",
          errorType: "bad_data",
          error: "1:5: parse error: unexpected end of input",
        }),
      ),
    );
    const error = await rejection(makeClient().parseQuery("sum("));
    expect(error).toBeInstanceOf(BadQueryError);
    expect((error as BadQueryError).errorType).toBe("bad_data");
    answer("parse_query", "foo / bar");
    expect(await rejection(makeClient().parseQuery("foo/bar"))).toBeInstanceOf(ResponseError);
  });
});

describe("scrape pools and relabelling", () => {
  it("scrapePools(): GET, the list as sent", async () => {
    const log = answer("scrape_pools", { scrapePools: ["blackbox", "node_exporter", "prometheus"] });
    expect((await makeClient().scrapePools()).data).toEqual({
      scrapePools: ["blackbox", "node_exporter", "prometheus"],
    });
    expect(line(log[0])).toBe("GET /api/v1/scrape_pools");
  });

  it("scrapePoolConfig(): GET with scrapePool, the YAML as sent", async () => {
    const yaml = "job_name: prometheus\nscrape_interval: 15s\nscrape_timeout: 10s\nmetrics_path: /metrics\n";
    const log = answer("scrape_pools/config", { yaml });
    expect((await makeClient().scrapePoolConfig("prometheus", { params: { x: "1" } })).data).toEqual({
      yaml,
    });
    expect(line(log[0])).toBe("GET /api/v1/scrape_pools/config?scrapePool=prometheus&x=1");
  });

  it("relabelSteps(): GET with scrapePool and the labels as JSON; rules keep the config's names", async () => {
    const steps = [
      {
        keep: true,
        output: { __address__: "localhost:9090", env: "development", job: "prometheus" },
        rule: {
          action: "replace",
          regex: "(.*)",
          replacement: "development",
          separator: ";",
          target_label: "env",
        },
      },
      {
        keep: false,
        output: {},
        rule: {
          action: "drop",
          regex: "localhost:.*",
          replacement: "$1",
          separator: ";",
          source_labels: ["__address__"],
        },
      },
      {
        keep: false,
        output: null,
        rule: { action: "hashmod", modulus: 8, separator: ";", replacement: "$1" },
      },
    ];
    const log = answer("targets/relabel_steps", { steps });
    const labels = { __address__: "localhost:9090", job: "prometheus" };
    const { data } = await makeClient().relabelSteps("prometheus", labels);
    expect(data.steps.slice(0, 2)).toEqual(steps.slice(0, 2));
    expect(data.steps[1]?.rule.source_labels).toEqual(["__address__"]);
    expect(data.steps[2]).toEqual({ ...steps[2], output: {} });
    expect(log[0]?.method).toBe("GET");
    expect(log[0]?.url.pathname).toBe("/api/v1/targets/relabel_steps");
    expect([...(log[0]?.url.searchParams ?? [])]).toEqual([
      ["scrapePool", "prometheus"],
      ["labels", JSON.stringify(labels)],
    ]);
  });
});

describe("the server itself", () => {
  it("tsdbBlocks(): Prometheus' answer as documented; left-out zeros and lists filled in", async () => {
    const head = {
      ulid: "01JZ8JKZY6XSK3PTDP9ZKRWT60",
      minTime: 1750860620060,
      maxTime: 1750867200000,
      stats: { numSamples: 13701, numSeries: 716, numChunks: 716 },
      compaction: { level: 1, sources: ["01JZ8JKZY6XSK3PTDP9ZKRWT60"] },
      version: 1,
    };
    const compacted = {
      ulid: "01JZ9000000000000000000000",
      minTime: 1750860000000,
      maxTime: 1750881600000,
      stats: { numSamples: 5, numFloatSamples: 3, numHistogramSamples: 2, numTombstones: 1 },
      compaction: {
        level: 2,
        sources: ["01A", "01B"],
        parents: [{ ulid: "01A", minTime: 1, maxTime: 2 }],
        hints: ["from-out-of-order"],
        failed: true,
      },
      version: 1,
      futureField: "kept",
    };
    const log = answer("status/tsdb/blocks", { blocks: [head, compacted] });
    const { data } = await makeClient().tsdbBlocks();
    expect(line(log[0])).toBe("GET /api/v1/status/tsdb/blocks");
    expect(data.blocks[0]).toEqual({
      ...head,
      stats: { ...head.stats, numTombstones: 0 },
      compaction: { ...head.compaction, parents: [], hints: [], deletable: false, failed: false },
    });
    expect(data.blocks[1]?.stats).toEqual({ ...compacted.stats, numSeries: 0, numChunks: 0 });
    expect(data.blocks[1]?.compaction).toEqual({ ...compacted.compaction, deletable: false });
    expect((data.blocks[1] as unknown as { futureField: string }).futureField).toBe("kept");
    answer("status/tsdb/blocks", { blocks: null });
    expect((await makeClient().tsdbBlocks()).data).toEqual({ blocks: [] });
  });

  it("selfMetrics(): GET with metric_name_pattern; ProtoJSON values decoded, the rest as sent", async () => {
    const build = {
      name: "prometheus_build_info",
      help: "A metric with a constant '1' value labeled by version, revision, branch, goversion.",
      type: "GAUGE",
      metric: [
        {
          label: [
            { name: "branch", value: "main" },
            { name: "version", value: "3.11.0-rc.0" },
          ],
          gauge: { value: 1 },
        },
      ],
    };
    const summary = { sampleCount: "3", sampleSum: 0.5, quantile: [{ quantile: 0.5, value: "NaN" }] };
    const families = [
      build,
      {
        name: "x_total",
        type: "COUNTER",
        metric: [{ counter: { value: "Infinity" }, timestampMs: "1700000000000" }],
      },
      { name: "x_seconds", type: "SUMMARY", help: "h", metric: [{ label: [], summary }] },
    ];
    const log = answer("status/self_metrics", families);
    const { data } = await makeClient().selfMetrics({ metricNamePattern: "prometheus_.*|x_.*" });
    expect(line(log[0])).toBe("GET /api/v1/status/self_metrics?metric_name_pattern=prometheus_.*%7Cx_.*");
    expect(data[0]).toEqual(build);
    expect(data[1]).toEqual({
      name: "x_total",
      help: "",
      type: "COUNTER",
      metric: [{ label: [], counter: { value: Number.POSITIVE_INFINITY }, timestampMs: "1700000000000" }],
    });
    expect(data[2]?.metric[0]?.summary).toEqual(summary);
    await makeClient().selfMetrics();
    expect(line(log[1])).toBe("GET /api/v1/status/self_metrics");
  });

  it("notifications(): the list as documented", async () => {
    const note = {
      text: "Prometheus is shutting down and gracefully stopping all operations.",
      date: "2024-10-07T12:33:08.551376578+02:00",
      active: true,
    };
    const log = answer("notifications", [note]);
    expect((await makeClient().notifications()).data).toEqual([note]);
    expect(line(log[0])).toBe("GET /api/v1/notifications");
    answer("notifications", [{ text: "x", date: "2024-10-07T12:33:08Z", active: "yes" }]);
    expect(await rejection(makeClient().notifications())).toBeInstanceOf(ResponseError);
  });

  it("features(): category → feature → enabled, any category kept", async () => {
    const features = {
      api: { admin: false, exclude_alerts: true },
      promql_operators: { "!=": true, ">=": true },
      something_new: { constructor: true },
    };
    const log = answer("features", features);
    const { data } = await makeClient().features();
    expect(data).toEqual(features);
    expect(Object.hasOwn(data.something_new ?? {}, "constructor")).toBe(true);
    expect(line(log[0])).toBe("GET /api/v1/features");
    answer("features", { api: { admin: "false" } });
    expect(await rejection(makeClient().features())).toBeInstanceOf(ResponseError);
  });
});

describe("argument checks of these endpoints, before any request", () => {
  const cases: Array<[string, (c: PrometheusClient) => Promise<unknown>, string]> = [
    ["an empty query to parse", (c) => c.parseQuery(""), "query"],
    ["an empty scrape pool", (c) => c.scrapePoolConfig(""), "scrapePool"],
    ["a scrape pool not a string", (c) => c.relabelSteps(1 as unknown as string, {}), "scrapePool"],
    ["labels not an object", (c) => c.relabelSteps("p", "job=x" as never), "labels"],
    ["labels as a list", (c) => c.relabelSteps("p", [] as never), "labels"],
    ["a label value not a string", (c) => c.relabelSteps("p", { port: 9100 } as never), "labels"],
    ["an empty metric name pattern", (c) => c.selfMetrics({ metricNamePattern: "" }), "metricNamePattern"],
    ["options not an object", (c) => c.features("x" as never), "options"],
    ["a bad timeout", (c) => c.tsdbBlocks({ timeout: -1 }), "timeout"],
    ["bad extra params", (c) => c.notifications({ params: 3 as never }), "params"],
    ["a tsdb limit of 0 (Prometheus refuses it)", (c) => c.tsdbStatus({ limit: 0 }), "limit"],
    ["a tsdb limit over 10,000", (c) => c.tsdbStatus({ limit: 10_001 }), "limit"],
  ];

  it.each(cases)("%s is refused, naming the argument", async (_, call, argument) => {
    const log: SeenRequest[] = [];
    server.use(record(`${BASE}/*`, log));
    const error = await rejection(call(makeClient()));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(log).toEqual([]);
  });

  it("tsdbStatus() sends the limits Prometheus accepts", async () => {
    const log = answer("status/tsdb", {});
    await makeClient().tsdbStatus({ limit: 1 });
    await makeClient().tsdbStatus({ limit: 10_000 });
    expect(log.map(line)).toEqual(["GET /api/v1/status/tsdb?limit=1", "GET /api/v1/status/tsdb?limit=10000"]);
  });
});
