import fc from "fast-check";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
  formatSampleValue,
  InstantSample,
  parseSampleValue,
  RangeSeries,
  ResponseError,
  ScalarSample,
} from "../../src/index.ts";
import { makeClient, mockPrometheus, QUERY_URL, RANGE_URL, rejection } from "./promMock.ts";

const server = mockPrometheus();

/** Serves `body` (an object, sent as JSON text exactly) at `url` for every method. */
function serve(url: string, body: unknown): void {
  const text = JSON.stringify(body);
  server.use(
    http.all(url, () => new HttpResponse(text, { headers: { "content-type": "application/json" } })),
  );
}

/**
 * Compares two wire shapes: sample value strings numerically (Go prints "1.5e-07" and "6.02e+23"
 * where JavaScript prints "1.5e-7" and "6.02e+23"), with NaN equal to NaN and -0 distinct from 0;
 * everything else exactly.
 */
function expectNumericallyEqual(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof expected === "string" && typeof actual === "string") {
    const [a, e] = [parseSampleValue(actual), parseSampleValue(expected)];
    if (a !== undefined && e !== undefined) {
      expect(Object.is(a, e), `${path}: ${actual} vs ${expected}`).toBe(true);
      return;
    }
  }
  if (typeof expected === "object" && expected !== null) {
    expect(typeof actual, path).toBe("object");
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expectNumericallyEqual((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  expect(actual, path).toStrictEqual(expected);
}

const T = 1_700_000_000.123;
/** Values as Prometheus 2.42 writes them, awkward ones first. */
const GO_VALUES = [
  "NaN",
  "+Inf",
  "-Inf",
  "1.5e-07",
  "6.02e+23",
  "-273.15",
  "-0",
  "0",
  "1e-300",
  "-1.7976931348623157e+308",
  "42",
];
const NUMBERS = [
  Number.NaN,
  Infinity,
  -Infinity,
  1.5e-7,
  6.02e23,
  -273.15,
  -0,
  0,
  1e-300,
  -1.7976931348623157e308,
  42,
];

describe("sample values", () => {
  it.each(GO_VALUES.map((text, i) => [text, NUMBERS[i]]))("parses %s exactly", (text, expected) => {
    expect(Object.is(parseSampleValue(text as string), expected)).toBe(true);
  });

  it("accepts the other spellings of infinity Go may print, and refuses non-numbers", () => {
    for (const inf of ["Inf", "+inf", "inf"]) expect(parseSampleValue(inf)).toBe(Infinity);
    expect(parseSampleValue("-inf")).toBe(-Infinity);
    for (const bad of ["", " ", " 1", "1 ", "\u00a01", "1\u2028", "\ufeff1", "\t1\n", "abc", "1,5", "nan"])
      expect(parseSampleValue(bad)).toBeUndefined();
  });

  it("formats as Prometheus does: NaN, +Inf, -Inf, -0, shortest round-trip decimals", () => {
    expect(NUMBERS.map(formatSampleValue)).toEqual([
      "NaN",
      "+Inf",
      "-Inf",
      "1.5e-7",
      "6.02e+23",
      "-273.15",
      "-0",
      "0",
      "1e-300",
      "-1.7976931348623157e+308",
      "42",
    ]);
  });

  it("any float survives format → parse bit for bit", () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(parseSampleValue(formatSampleValue(x)), x)),
      { numRuns: 2_000 },
    );
  });
});

describe("vector", () => {
  const wire = {
    status: "success",
    data: {
      resultType: "vector",
      result: GO_VALUES.map((v, i) => ({
        metric: { __name__: "m", i: String(i), text: 'Grüße ✓ 🚀 "q" \\ \n' },
        value: [T + i / 1000, v],
      })),
    },
  };

  it("decodes NaN, ±Inf, exponents, -0 and fractional timestamps exactly", async () => {
    serve(QUERY_URL, wire);
    const { data } = await makeClient().query("m");
    if (data.resultType !== "vector") throw new Error("expected a vector");
    expect(data.result).toHaveLength(GO_VALUES.length);
    data.result.forEach((s, i) => {
      expect(s).toBeInstanceOf(InstantSample);
      expect(Object.is(s.value, NUMBERS[i]), `sample ${i}`).toBe(true);
      expect(s.timestamp).toBe(T + i / 1000);
      expect(s.metric.text).toBe('Grüße ✓ 🚀 "q" \\ \n');
      expect(s.histogram).toBeUndefined();
    });
  });

  it("JSON.stringify gives back the wire shape, numerically exact", async () => {
    serve(QUERY_URL, wire);
    const r = await makeClient().query("m");
    expectNumericallyEqual(JSON.parse(JSON.stringify(r)), wire);
  });

  it("keeps native histograms, and stats", async () => {
    const histogram = {
      count: "10",
      sum: "33.5",
      buckets: [
        [0, "-0.5", "0.5", "2"],
        [3, "0.5", "+Inf", "8"],
      ],
    };
    const body = {
      status: "success",
      data: {
        resultType: "vector",
        result: [
          { metric: { __name__: "h" }, histogram: [T, histogram] },
          { metric: { __name__: "empty" }, histogram: [T, { count: "0", sum: "0" }] },
          { metric: {}, value: [T, "1"] },
        ],
        stats: { timings: { evalTotalTime: 0.01 } },
      },
    };
    serve(QUERY_URL, body);
    const r = await makeClient().query("h");
    if (r.data.resultType !== "vector") throw new Error("expected a vector");
    const [h, empty] = r.data.result;
    expect(h?.histogram).toEqual({
      count: 10,
      sum: 33.5,
      buckets: [
        [0, -0.5, 0.5, 2],
        [3, 0.5, Infinity, 8],
      ],
    });
    expect(h?.value).toBeNaN();
    expect(empty?.histogram).toEqual({ count: 0, sum: 0, buckets: [] });
    expect(r.data.stats).toEqual(body.data.stats);
    expectNumericallyEqual(JSON.parse(JSON.stringify(r)), body);
  });
});

describe("matrix", () => {
  const wire = {
    status: "success",
    data: {
      resultType: "matrix",
      result: [
        { metric: { __name__: "m", job: "a" }, values: GO_VALUES.map((v, i) => [T + i * 15, v]) },
        { metric: { __name__: "m", job: "b" }, values: [[1_700_000_000.5, "1"]] },
      ],
    },
  };

  it("is columnar: Float64Array timestamps and values per series, exactly", async () => {
    serve(RANGE_URL, wire);
    const { data } = await makeClient().queryRange("m", { start: T, end: T + 150, step: 15 });
    const [a, b] = data.result;
    expect(a).toBeInstanceOf(RangeSeries);
    expect(a?.timestamps).toBeInstanceOf(Float64Array);
    expect(a?.values).toBeInstanceOf(Float64Array);
    expect(a?.length).toBe(GO_VALUES.length);
    expect([...(a?.timestamps ?? [])]).toEqual(GO_VALUES.map((_, i) => T + i * 15));
    [...(a?.values ?? [])].forEach((v, i) => {
      expect(Object.is(v, NUMBERS[i]), `value ${i}`).toBe(true);
    });
    expect(b?.timestamps[0]).toBe(1_700_000_000.5);
    expect(a?.histograms).toBeUndefined();
  });

  it("JSON.stringify gives back the wire shape, numerically exact", async () => {
    serve(RANGE_URL, { ...wire, warnings: ["w"], infos: ["i"] });
    const r = await makeClient().queryRange("m", { start: T, end: T + 150, step: 15 });
    expectNumericallyEqual(JSON.parse(JSON.stringify(r)), { ...wire, warnings: ["w"], infos: ["i"] });
  });

  it("keeps native histograms, alone or beside float samples", async () => {
    const h = (n: number) => ({ count: String(n), sum: "1.5", buckets: [[1, "0", "1", String(n)]] });
    const body = {
      status: "success",
      data: {
        resultType: "matrix",
        result: [
          {
            metric: { __name__: "only" },
            histograms: [
              [T, h(1)],
              [T + 15, h(2)],
            ],
          },
          { metric: { __name__: "mixed" }, values: [[T, "3"]], histograms: [[T + 15, h(4)]] },
        ],
      },
    };
    serve(RANGE_URL, body);
    const r = await makeClient().queryRange("x", { start: T, end: T + 15, step: 15 });
    const [only, mixed] = r.data.result;
    expect(only?.length).toBe(0);
    expect([...(only?.histograms?.timestamps ?? [])]).toEqual([T, T + 15]);
    expect(only?.histograms?.histograms[1]).toEqual({ count: 2, sum: 1.5, buckets: [[1, 0, 1, 2]] });
    expect(mixed?.values[0]).toBe(3);
    expect(mixed?.histograms?.histograms).toHaveLength(1);
    expectNumericallyEqual(JSON.parse(JSON.stringify(r)), body);
  });

  it("query_range answering something else than a matrix is a ResponseError", async () => {
    serve(RANGE_URL, { status: "success", data: { resultType: "vector", result: [] } });
    const error = await rejection(makeClient().queryRange("x", { start: 0, end: 1, step: 1 }));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toContain("query_range answered a vector, not a matrix");
  });
});

describe("scalar and string", () => {
  it("decode and print back", async () => {
    serve(QUERY_URL, { status: "success", data: { resultType: "scalar", result: [T, "-Inf"] } });
    const scalar = await makeClient().query("-1/0");
    expect(scalar.data).toEqual({ resultType: "scalar", result: new ScalarSample(T, -Infinity) });
    expect(JSON.stringify(scalar)).toBe(
      `{"status":"success","data":{"resultType":"scalar","result":[${T},"-Inf"]}}`,
    );
    serve(QUERY_URL, { status: "success", data: { resultType: "string", result: [T, "+Inf is text here"] } });
    const text = await makeClient().query('"x"');
    expect(text.data.result).toEqual(new ScalarSample(T, "+Inf is text here"));
    expect(JSON.stringify(text.data.result)).toBe(`[${T},"+Inf is text here"]`);
  });
});
