import { describe, expect, it } from "vitest";
import { joinPieces } from "../../src/client/split/merge.ts";
import { ApiResponse } from "../../src/decode/response.ts";
import {
  type Labels,
  type MatrixData,
  type NativeHistogram,
  type QueryData,
  RangeSeries,
} from "../../src/decode/types.ts";

const series = (
  metric: Labels,
  points: Array<[number, number]>,
  histograms?: Array<[number, NativeHistogram]>,
) =>
  new RangeSeries(
    metric,
    Float64Array.from(points.map(([t]) => t)),
    Float64Array.from(points.map(([, v]) => v)),
    histograms && {
      timestamps: Float64Array.from(histograms.map(([t]) => t)),
      histograms: histograms.map(([, h]) => h),
    },
  );

const answer = (
  result: RangeSeries[],
  notes: { warnings?: string[]; infos?: string[]; ageMs?: number } = {},
) =>
  new ApiResponse<MatrixData>(
    { resultType: "matrix", result },
    notes.warnings ?? [],
    notes.infos ?? [],
    notes.ageMs === undefined ? undefined : { ageMs: notes.ageMs },
  );

const wire = (r: ApiResponse<MatrixData>) => JSON.parse(JSON.stringify(r.data.result));

describe("joinPieces", () => {
  it("puts each series' columns end to end, whatever order its labels came in", () => {
    const joined = joinPieces([
      answer([
        series({ job: "a", instance: "x" }, [
          [0, 1],
          [15, Number.NaN],
        ]),
      ]),
      answer([
        series({ instance: "x", job: "a" }, [
          [30, Number.POSITIVE_INFINITY],
          [45, -0],
        ]),
      ]),
    ]);
    expect(joined.data.result).toHaveLength(1);
    const [s] = joined.data.result;
    expect([...s!.timestamps]).toEqual([0, 15, 30, 45]);
    expect([...s!.values].map((v) => (Object.is(v, -0) ? "-0" : String(v)))).toEqual([
      "1",
      "NaN",
      "Infinity",
      "-0",
    ]);
    expect(s!.metric).toEqual({ job: "a", instance: "x" });
  });

  it("keeps the server's order when the first piece has every series", () => {
    const joined = joinPieces([
      answer([series({ job: "b" }, [[0, 1]]), series({ job: "a" }, [[0, 2]])]),
      answer([series({ job: "a" }, [[15, 3]])]),
    ]);
    expect(joined.data.result.map((s) => s.metric.job)).toEqual(["b", "a"]);
    expect(wire(joined)).toEqual([
      { metric: { job: "b" }, values: [[0, "1"]] },
      {
        metric: { job: "a" },
        values: [
          [0, "2"],
          [15, "3"],
        ],
      },
    ]);
  });

  it("sorts as Prometheus does (label sets, code points) when a later piece brings a series", () => {
    const joined = joinPieces([
      answer([series({ job: "a", z: "1" }, [[0, 1]]), series({ job: "c" }, [[0, 1]])]),
      answer([
        series({ job: "a" }, [[15, 1]]),
        series({ job: "b" }, [[15, 1]]),
        series({ job: "\uffff" }, [[15, 1]]),
      ]),
      answer([series({ job: "\u{1f680}" }, [[30, 1]])]),
    ]);
    // {job="a"} is a prefix of {job="a", z="1"}; U+FFFF sorts before U+1F680 (UTF-8 order, not UTF-16).
    expect(joined.data.result.map((s) => s.metric)).toEqual([
      { job: "a" },
      { job: "a", z: "1" },
      { job: "b" },
      { job: "c" },
      { job: "\uffff" },
      { job: "\u{1f680}" },
    ]);
  });

  it("joins native histograms beside the floats", () => {
    const h = (count: number): NativeHistogram => ({ count, sum: count * 2, buckets: [[0, 0, 1, count]] });
    const joined = joinPieces([
      answer([series({ job: "h" }, [], [[0, h(1)]])]),
      answer([series({ job: "h" }, [[15, 5]], [[30, h(2)]])]),
    ]);
    const [s] = joined.data.result;
    expect([...s!.histograms!.timestamps]).toEqual([0, 30]);
    expect(s!.histograms!.histograms.map((x) => x.count)).toEqual([1, 2]);
    expect([...s!.timestamps]).toEqual([15]);
  });

  it("keeps every warning and info once, drops stats, and is cached only when every piece was", () => {
    const first = answer([], { warnings: ["partial: store down"], infos: ["i"], ageMs: 4000 });
    (first.data as QueryData).stats = { timings: {} };
    const joined = joinPieces([
      first,
      answer([], { warnings: ["partial: store down", "other"], ageMs: 9000 }),
    ]);
    expect(joined.warnings).toEqual(["partial: store down", "other"]);
    expect(joined.infos).toEqual(["i"]);
    expect((joined.data as QueryData).stats).toBeUndefined();
    expect([joined.cached, joined.ageMs]).toEqual([true, 9000]);
    const mixed = joinPieces([answer([], { ageMs: 1000 }), answer([])]);
    expect([mixed.cached, mixed.ageMs]).toEqual([false, undefined]);
  });

  it("keeps a label set a server sends twice in one answer as two series, each in time order", () => {
    const a = { job: "a" };
    const joined = joinPieces([
      answer([
        series(a, [
          [0, 1],
          [60, 1],
        ]),
        series(a, [
          [0, 2],
          [60, 2],
        ]),
      ]),
      answer([series(a, [[120, 1]]), series(a, [[120, 2]])]),
    ]);
    expect(wire(joined)).toEqual([
      {
        metric: a,
        values: [
          [0, "1"],
          [60, "1"],
          [120, "1"],
        ],
      },
      {
        metric: a,
        values: [
          [0, "2"],
          [60, "2"],
          [120, "2"],
        ],
      },
    ]);
  });

  it("hands a series found in one piece over without copying its columns", () => {
    const only = series({ job: "a" }, [[0, 1]]);
    const joined = joinPieces([answer([only]), answer([])]);
    expect(joined.data.result[0]!.values).toBe(only.values);
  });
});
