import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BadQueryError, ResponseError } from "../../src/index.ts";
import { mockDecoding } from "./endpointsDecodeHelpers.ts";
import { BASE, json, makeClient, rejection } from "./promMock.ts";

/**
 * Decoding of series, labels, metadata and exemplars, with answers Prometheus 2.42 cannot give:
 * `limit` truncation warnings (2.51+), infos (2.54+), exemplars and native-histogram metadata,
 * UTF-8 label names.
 */

const { server, answer } = mockDecoding();

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
