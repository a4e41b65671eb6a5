import { describe, expect, it } from "vitest";
import { cloneResult } from "../../src/cache/clone.ts";
import { decodeEntry, encodeEntry } from "../../src/cache/entry.ts";
import { InstantSample, RangeSeries, ScalarSample } from "../../src/decode/types.ts";
import { ApiResponse } from "../../src/index.ts";

function bits(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

describe("codec round trips", () => {
  it("round-trips odd values exactly", () => {
    const big = new Float64Array([1, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 7, 8]);
    const dv = new DataView(big.buffer);
    dv.setUint32(2 * 8 + 4, 0x7ff80001, true); // NaN with payload? (little endian high word)
    const ts = big.subarray(1, 5);
    const vs = big.subarray(4, 8);
    const labels: Record<string, string> = JSON.parse('{"__proto__":"p","$n":"NaN","toJSON":"x","":"empty"}');
    const one: Record<string, string> = JSON.parse('{"$f64":"AAAA"}');
    const data = {
      resultType: "matrix",
      result: [
        new RangeSeries(labels, ts, vs, {
          timestamps: new Float64Array([-0, 1]),
          histograms: [
            { count: NaN, sum: -0, buckets: [[0, -Infinity, -0, 1]] },
            { count: 1, sum: Infinity, buckets: [] },
          ],
        }),
        new RangeSeries(one, new Float64Array(0), new Float64Array(0)),
      ],
      stats: JSON.parse('{"$o":{"$u":0},"x":[null,{"$n":"bad"}],"__proto__":{"a":1}}'),
    };
    const text = encodeEntry("k", new ApiResponse(data, [], ["i"]), 1000, 30_000);
    const r = decodeEntry(text, "k", "api/v1/query_range", 1500);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const out = r.response.data as typeof data;
    const s0 = out.result[0]!;
    expect(bits(s0.timestamps)).toBe(bits(ts));
    expect(bits(s0.values)).toBe(bits(vs));
    expect(Object.getOwnPropertyNames(s0.metric).sort()).toEqual(Object.getOwnPropertyNames(labels).sort());
    expect(Object.getOwnPropertyDescriptor(s0.metric, "__proto__")?.value).toBe("p");
    expect(s0.metric.$n).toBe("NaN");
    expect(out.result[1]!.metric).toEqual(one);
    expect(Object.is(s0.histograms!.histograms[0]!.sum, -0)).toBe(true);
    expect(Object.is(s0.histograms!.histograms[0]!.buckets[0]![2], -0)).toBe(true);
    expect(JSON.stringify(out.stats)).toBe(JSON.stringify(data.stats));
    expect(Object.getOwnPropertyDescriptor(out.stats as object, "__proto__")?.value).toEqual({ a: 1 });
    // vector + scalar + string
    for (const [d, p] of [
      [
        {
          resultType: "vector",
          result: [new InstantSample({ a: "b" }, -0, NaN, { count: 1, sum: -0, buckets: [] })],
        },
        "api/v1/query",
      ],
      [{ resultType: "scalar", result: new ScalarSample(1.5, -0) }, "api/v1/query"],
      [{ resultType: "string", result: new ScalarSample(1.5, "NaN") }, "api/v1/query"],
    ] as const) {
      const e = decodeEntry(encodeEntry("k", new ApiResponse(d, [], []), 1, 10), "k", p, 2);
      expect(e.ok).toBe(true);
      if (e.ok) expect(e.response.data).toEqual(d);
    }
  });

  it("clone copies subarrays and keeps classes", () => {
    const base = new Float64Array([1, 2, 3, 4]);
    const s = new RangeSeries({ a: "b" }, base.subarray(0, 2), base.subarray(2, 4));
    const c = cloneResult(new ApiResponse({ resultType: "matrix", result: [s] }, [], []));
    const cs = c.data.result[0]!;
    expect(cs).toBeInstanceOf(RangeSeries);
    cs.values[0] = 99;
    expect(base[2]).toBe(3);
    expect(cs.length).toBe(2);
  });

  it("refuses foreign entries", () => {
    const ok = encodeEntry("k", new ApiResponse(["a"], [], []), 1000, 30_000);
    expect(decodeEntry(ok, "k", "api/v1/labels", 1000).ok).toBe(true);
    expect(decodeEntry(ok, "k2", "api/v1/labels", 1000).ok).toBe(false);
    expect(decodeEntry(ok.replace('"promfleet":1', '"promfleet":2'), "k", "api/v1/labels", 1000).ok).toBe(
      false,
    );
    expect(decodeEntry(ok, "k", "api/v1/labels", 40_000).ok).toBe(false);
    expect(decodeEntry(ok, "k", "api/v1/labels", -10_000).ok).toBe(false);
    expect(decodeEntry(Buffer.from(ok), "k", "api/v1/labels", 1000).ok).toBe(false);
    expect(
      decodeEntry(
        ok.replace('"data":["a"]', '"data":{"resultType":"vector","result":[]}'),
        "k",
        "api/v1/query_range",
        1000,
      ).ok,
    ).toBe(false);
  });
});
