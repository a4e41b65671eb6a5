import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matrixBody } from "../../bench/bodies.ts";
import { prepareQueryRange } from "../../src/client/query.ts";
import { decodeQueryData } from "../../src/decode/query.ts";
import { scanQuery } from "../../src/decode/scanQuery.ts";
import type { QueryData, RangeSeries } from "../../src/decode/types.ts";
import { type DecodedBody, envelopeDecoder } from "../../src/transport/decoder.ts";
import { COMPACT, type Layout, layoutArb, seriesArb, type WireSeries, writeBody } from "./scanWire.ts";

const reference = envelopeDecoder(decodeQueryData);
const encode = (text: string) => new TextEncoder().encode(text);
/** The decoder queryRange uses: the scanner first, the reference path after. */
const rangeDecoder = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000).decode;

/** Every difference between two decoded bodies, numbers compared bit for bit (Object.is). */
function differences(got: DecodedBody<QueryData>, want: DecodedBody<QueryData>): string[] {
  const out: string[] = [];
  if (!got.ok || !want.ok) return got.ok === want.ok ? [] : ["ok differs"];
  if (JSON.stringify([got.warnings, got.infos]) !== JSON.stringify([want.warnings, want.infos])) {
    out.push("warnings or infos differ");
  }
  if (JSON.stringify(got.data.stats) !== JSON.stringify(want.data.stats)) out.push("stats differ");
  if (got.data.resultType !== want.data.resultType) return [...out, "resultType differs"];
  const a = got.data.result as RangeSeries[];
  const b = want.data.result as RangeSeries[];
  if (a.length !== b.length) return [...out, `${a.length} series, want ${b.length}`];
  a.forEach((s, i) => {
    const t = b[i]!;
    if (Object.getPrototypeOf(s.metric) !== Object.getPrototypeOf(t.metric)) out.push(`${i}: prototype`);
    if (JSON.stringify(Object.entries(s.metric)) !== JSON.stringify(Object.entries(t.metric))) {
      out.push(`${i}: labels ${JSON.stringify(s.metric)} ≠ ${JSON.stringify(t.metric)}`);
    }
    if (s.timestamps.length !== t.timestamps.length || s.values.length !== t.values.length) {
      out.push(`${i}: length`);
      return;
    }
    for (let j = 0; j < s.values.length; j++) {
      if (!Object.is(s.timestamps[j], t.timestamps[j]) || !Object.is(s.values[j], t.values[j])) {
        out.push(`${i}[${j}]: [${s.timestamps[j]}, ${s.values[j]}] ≠ [${t.timestamps[j]}, ${t.values[j]}]`);
      }
    }
  });
  return out;
}

/** The series of a decoded matrix body. */
function seriesOf(decoded: DecodedBody<QueryData>): RangeSeries[] {
  return decoded.ok && decoded.data.resultType === "matrix" ? decoded.data.result : [];
}

/** Decodes with the scanner, which must not give up, and compares with the reference path. */
function expectScannedExactly(text: string): DecodedBody<QueryData> {
  const body = encode(text);
  const scanned = scanQuery(body);
  if (!scanned.ok) throw new Error(`the scanner gave up: ${scanned.reason}\n${text.slice(0, 300)}`);
  const want = reference(body);
  expect(differences(scanned.decoded, want)).toEqual([]);
  expect(differences(rangeDecoder(body), want)).toEqual([]);
  return scanned.decoded;
}

describe("scanner exactness over generated bodies", () => {
  it("equals the reference path on any series in any layout", () => {
    fc.assert(
      fc.property(seriesArb, layoutArb, (series, layout) => {
        expectScannedExactly(writeBody(series, layout));
      }),
      { numRuns: 400 },
    );
  });

  it("equals the reference on the benchmark's bodies (fractional timestamps, exponents, specials, late starts)", () => {
    const { text, samples } = matrixBody({ series: 60, points: 200, seed: 11 });
    const decoded = expectScannedExactly(text);
    expect(seriesOf(decoded).reduce((n, s) => n + s.length, 0)).toBe(samples);
    const missing = ['"NaN"', '"+Inf"', '"-Inf"', 'e-07"', '.123,"'].filter((s) => !text.includes(s));
    expect(missing).toEqual([]);
  });

  it("decodes the special floats and number notations exactly", () => {
    const values: WireSeries["values"] = [
      ["1700000000.123", "NaN"],
      ["1700000000.5", "+Inf"],
      ["1.7e9", "-Inf"],
      ["17000000001E-1", "-0"],
      ["0", "1e-07"],
      ["-1.5", "1.5E+21"],
      ["1700000000", "0.30000000000000004"],
      ["1700000001", "123456789012345678901234567890"],
      ["1700000002", "9007199254740993"],
      ["1700000003", "1.7976931348623157e308"],
      ["1700000004", "4.9e-324"],
      ["1700000005", "0.000001"],
      ["1700000006", "00012.50"],
    ];
    const decoded = expectScannedExactly(writeBody([{ metric: { job: "x" }, values }], COMPACT));
    const series = seriesOf(decoded)[0]!;
    expect(Array.from(series.values.slice(0, 5))).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      1e-7,
    ]);
    expect(Object.is(series.values[3], -0)).toBe(true);
    expect(series.timestamps[0]).toBe(1700000000.123);
  });

  it("keeps labels named __proto__ as own labels, as JSON.parse does", () => {
    const decoded = expectScannedExactly(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__proto__":"p","a":"b"},"values":[[1,"2"]]}]}}',
    );
    const metric = seriesOf(decoded)[0]!;
    expect(Object.hasOwn(metric.metric, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(metric.metric, "__proto__")?.value).toBe("p");
    expect(Object.getPrototypeOf(metric.metric)).toBe(Object.prototype);
  });

  it("decodes \\u escapes, surrogate pairs and raw UTF-8 in labels like JSON.parse", () => {
    const metric = { "\u00e9t\u00e9": "東京 🚀", quote: 'a"b\\c/d', tab: "x\ty" };
    for (const escapeUnicode of [false, true]) {
      const decoded = expectScannedExactly(
        writeBody([{ metric, values: [["1", "1"]] }], { ...COMPACT, escapeUnicode }),
      );
      expect(seriesOf(decoded)[0]?.metric).toEqual(metric);
    }
  });

  it("keeps warnings and infos wherever they are", () => {
    for (const warningsAt of ["first", "middle", "last"] as const) {
      const layout: Layout = { ...COMPACT, warningsAt, warnings: ["partial response"], infos: ["info"] };
      const decoded = expectScannedExactly(writeBody([{ metric: {}, values: [["1", "1"]] }], layout));
      expect(decoded.ok && [decoded.warnings, decoded.infos]).toEqual([["partial response"], ["info"]]);
    }
    const nulls = expectScannedExactly(
      '{"warnings":null,"infos":null,"status":"success","data":{"result":[],"resultType":"matrix"}}',
    );
    expect(nulls.ok && [nulls.warnings, nulls.infos, nulls.data.result]).toEqual([[], [], []]);
  });

  it("reads empty results, empty series and metric-less series", () => {
    expectScannedExactly('{"status":"success","data":{"resultType":"matrix","result":[]}}');
    expectScannedExactly(
      ' {\n "data" : { "result" : [ { "values" : [ ] } , { "metric" : null , "values" : [] } ] , "resultType" : "matrix" } , "status" : "success" }\n',
    );
  });

  it("holds exactly-sized columns, also for series longer than its scratch space", () => {
    for (const points of [5000, 40_000]) {
      const values: WireSeries["values"] = Array.from({ length: points }, (_, i) => [String(i), `${i}.5`]);
      const decoded = expectScannedExactly(writeBody([{ metric: {}, values }], COMPACT));
      const series = seriesOf(decoded)[0]!;
      expect(series.values.buffer.byteLength).toBe(points * 8);
      expect(series.timestamps.buffer.byteLength).toBe(points * 8);
    }
  });
});
