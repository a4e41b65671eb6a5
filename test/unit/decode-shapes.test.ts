import { describe, expect, it } from "vitest";
import { DecodeError } from "../../src/decode/DecodeError.ts";
import { parseEnvelope, validateEnvelope } from "../../src/decode/envelope.ts";
import { decodeQueryData } from "../../src/decode/query.ts";
import { ApiResponse, InstantSample } from "../../src/index.ts";

/** The validated decoding path: what a wrong body is refused for, and the envelope's defaults. */

describe("shapes refused, naming where", () => {
  const vector = (result: unknown) => ({ resultType: "vector", result: [result] });
  const matrix = (series: unknown) => ({ resultType: "matrix", result: [series] });
  it.each([
    [null, "data: expected an object"],
    [{ resultType: "table", result: [] }, "data.resultType: expected"],
    [{ resultType: "matrix", result: {} }, "data.result: expected an array"],
    [vector(1), "data.result[0]: expected an object"],
    [vector({ metric: [], value: [1, "1"] }), "data.result[0].metric: expected an object of labels"],
    [vector({ metric: { a: 1 }, value: [1, "1"] }), "data.result[0].metric.a: expected a string label value"],
    [vector({ value: [1] }), "data.result[0].value: expected a [timestamp, value] pair"],
    [vector({ value: ["1", "1"] }), "data.result[0].value[0]: expected a unix timestamp"],
    [vector({ value: [1, 1] }), "data.result[0].value[1]: expected a sample value string"],
    [vector({ value: [1, "one"] }), "data.result[0].value[1]: expected a sample value string"],
    [vector({ histogram: [1, null] }), "data.result[0].histogram[1]: expected a native histogram object"],
    [vector({ histogram: [1] }), "data.result[0].histogram: expected a [timestamp, histogram] pair"],
    [
      vector({ histogram: [1, { count: "1", sum: "1", buckets: {} }] }),
      "histogram[1].buckets: expected an array",
    ],
    [
      vector({ histogram: [1, { count: "1", sum: "1", buckets: [[0, "1"]] }] }),
      "buckets[0]: expected [rule, lower, upper, count]",
    ],
    [vector({ histogram: [1, { sum: "1" }] }), "histogram[1].count: expected a sample value string"],
    [matrix({ values: {} }), "data.result[0].values: expected an array"],
    [
      matrix({
        values: [
          [1, "1"],
          [2, "x"],
        ],
      }),
      "data.result[0].values[1][1]: expected a sample value string",
    ],
    [matrix({ values: [[Number.NaN, "1"]] }), "data.result[0].values[0][0]: expected a unix timestamp"],
    [matrix({ values: [[1, "1", 2]] }), "data.result[0].values[0]: expected a [timestamp, value] pair"],
    [matrix({ histograms: {} }), "data.result[0].histograms: expected an array"],
    [{ resultType: "scalar", result: [1, 2] }, "data.result[1]: expected a sample value string"],
    [{ resultType: "string", result: [1] }, "data.result: expected a [timestamp, string] pair"],
    [{ resultType: "string", result: ["t", "s"] }, "data.result[0]: expected a unix timestamp"],
  ])("%j → %s", (data, message) => {
    expect(() => decodeQueryData(data)).toThrow(DecodeError);
    expect(() => decodeQueryData(data)).toThrow(message);
  });

  it("a vector keeps its order through the inline and the checked paths, and names the sample that is wrong", () => {
    const histogram = { count: "2", sum: "3", buckets: [] };
    const good = [
      { metric: { a: "1" }, value: [1.5, "+Inf"] },
      { value: [2, "NaN"] }, // no metric: the checked path
      { metric: { b: "2" }, histogram: [3, histogram] },
      { metric: { c: "3" }, value: [4, "-0"] },
    ];
    const v = decodeQueryData({ resultType: "vector", result: good });
    expect(v.result).toEqual([
      new InstantSample({ a: "1" }, 1.5, Number.POSITIVE_INFINITY),
      new InstantSample({}, 2, Number.NaN),
      new InstantSample({ b: "2" }, 3, Number.NaN, { count: 2, sum: 3, buckets: [] }),
      new InstantSample({ c: "3" }, 4, -0),
    ]);
    expect(Object.is((v.result as InstantSample[])[3]!.value, -0)).toBe(true);
    const bad = [...good, { metric: { d: "4", e: null }, value: [5, "1"] }];
    expect(() => decodeQueryData({ resultType: "vector", result: bad })).toThrow(
      "data.result[4].metric.e: expected a string label value",
    );
    const infinite = [...good, { metric: {}, value: [Number.POSITIVE_INFINITY, "1"] }];
    expect(() => decodeQueryData({ resultType: "vector", result: infinite })).toThrow(
      "data.result[4].value[0]: expected a unix timestamp",
    );
  });

  it("missing metric or values are empty, not errors", () => {
    const v = decodeQueryData({ resultType: "vector", result: [{ value: [1, "2"] }] });
    expect(v.result).toEqual([new InstantSample({}, 1, 2)]);
    const m = decodeQueryData({ resultType: "matrix", result: [{ metric: { a: "b" }, histograms: null }] });
    expect(m.resultType === "matrix" && m.result[0]?.length).toBe(0);
    expect(JSON.stringify(m.result)).toBe('[{"metric":{"a":"b"},"values":[]}]');
  });
});

describe("envelope", () => {
  it("defaults warnings and infos to [], also when null", () => {
    expect(validateEnvelope({ status: "success", data: 1, warnings: null, infos: null })).toEqual({
      status: "success",
      data: 1,
      errorType: undefined,
      error: undefined,
      warnings: [],
      infos: [],
    });
  });

  it("refuses other statuses, non-string warnings, and says HTML or not JSON", () => {
    expect(() => parseEnvelope('{"status":"ok"}')).toThrow(/not a Prometheus API envelope \(status:/);
    expect(() => parseEnvelope('{"status":"success","warnings":[1]}')).toThrow(/warnings\.0/);
    expect(() => parseEnvelope("1")).toThrow(/\(body: /);
    expect(() => parseEnvelope("  <html>")).toThrow("the body is an HTML page (a proxy or login page?)");
    // V8 quotes the start of the body; it may be an echoed credential, cut where it cannot be masked.
    expect(() => parseEnvelope("Bearer sek-opaque-token-0123456789")).toThrow(
      /^the body is not JSON \(Unexpected token 'B'\)$/,
    );
    expect(() => parseEnvelope('{"a":1} trailing')).toThrow(/at position 8/);
    expect(() => parseEnvelope(new TextEncoder().encode("nope"))).toThrow(/the body is not JSON \(/);
    expect(new DecodeError("x").name).toBe("DecodeError");
  });

  it("ApiResponse prints warnings and infos only when there are some", () => {
    expect(new ApiResponse(1, [], []).toJSON()).toEqual({ status: "success", data: 1 });
    const cached = new ApiResponse(1, ["w"], [], { ageMs: 5 });
    expect(cached).toMatchObject({ cached: true, ageMs: 5 });
    expect(cached.toJSON()).toEqual({ status: "success", data: 1, warnings: ["w"] });
  });
});
