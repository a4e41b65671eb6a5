import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cloneResult } from "../../src/cache/clone.ts";
import { CorruptEntryError, decodeTree, encodeTree, UnencodableError } from "../../src/cache/codec.ts";
import { decodeEntry, ENTRY_PREFIX, encodeEntry } from "../../src/cache/entry.ts";
import { ApiResponse, InstantSample, RangeSeries, ScalarSample } from "../../src/index.ts";

const roundTrip = (value: unknown) => decodeTree(JSON.parse(JSON.stringify(encodeTree(value))));

describe("codec", () => {
  it("keeps every float exactly, bare or in Float64Array columns (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (numbers) => {
        const column = new Float64Array(numbers);
        const back = roundTrip({ numbers, column }) as { numbers: number[]; column: Float64Array };
        expect(back.numbers).toStrictEqual(numbers);
        expect(Buffer.from(back.column.buffer)).toStrictEqual(Buffer.from(column.buffer));
      }),
    );
  });

  it("keeps samples' classes, undefined properties, and objects that look like tags", () => {
    const value = {
      vector: [
        new InstantSample({ a: "1" }, 1.5, -0),
        new InstantSample({}, 2, Number.NaN, { count: 1, sum: Infinity, buckets: [[0, -Infinity, 0, 1]] }),
      ],
      range: new RangeSeries({ $x: "y" }, new Float64Array([1, 2]), new Float64Array([NaN, -Infinity])),
      scalar: new ScalarSample(1, Infinity),
      string: new ScalarSample(1, "s"),
      tagLike: { $n: "NaN" },
      nested: { $o: { $u: 0 } },
      missing: undefined,
      nothing: null,
      flag: true,
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toStrictEqual(value);
    expect(back.vector[0]).toBeInstanceOf(InstantSample);
    expect(Object.is(back.vector[0]!.value, -0)).toBe(true);
    expect(back.range).toBeInstanceOf(RangeSeries);
    expect(back.scalar).toBeInstanceOf(ScalarSample);
    expect(Object.hasOwn(back, "missing")).toBe(true);
  });

  it("keeps a label named __proto__ as an own property", () => {
    const labels = JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>;
    const back = roundTrip({ labels, sample: new InstantSample(labels, 1, 1) }) as {
      labels: Record<string, string>;
      sample: InstantSample;
    };
    expect(Object.getPrototypeOf(back.labels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.labels, "__proto__")?.value).toBe("x");
    expect(Object.keys(back.sample.metric)).toEqual(["__proto__", "a"]);
  });

  it("refuses what it cannot keep", () => {
    for (const value of [new Map(), new Date(), () => 1, Symbol("s"), 1n, new Uint8Array(2)]) {
      expect(() => encodeTree({ value })).toThrow(UnencodableError);
    }
  });

  it("refuses corrupt trees", () => {
    const bad: unknown[] = [
      { $n: "Infinity" },
      { $f64: 3 },
      { $f64: "AAAA" },
      { $f64: "not base64!" },
      { $o: [1] },
      { $o: null },
      { $zz: 1 },
      { $is: [{ a: 1 }, 1, 1] },
      { $rs: [{}, { $f64: "" }, { $f64: "AAAAAAAAAAA=" }] },
      {
        $rs: [
          {},
          { $f64: "" },
          { $f64: "" },
          { timestamps: { $f64: "" }, histograms: [{ count: 1, sum: 1, buckets: [] }] },
        ],
      },
      { $ss: ["1", 1] },
      Number.POSITIVE_INFINITY,
      { a: () => 1 },
    ];
    for (const tree of bad) expect(() => decodeTree(tree), JSON.stringify(tree)).toThrow(CorruptEntryError);
  });
});

describe("clone", () => {
  it("copies deeply, keeping prototypes, so nothing is shared", () => {
    const original = {
      response: new ApiResponse(
        {
          resultType: "matrix",
          result: [new RangeSeries({ a: "b" }, new Float64Array([1]), new Float64Array([2]))],
        },
        ["w"],
        [],
      ),
      when: new Date(5),
      map: new Map([["k", { v: 1 }]]),
      set: new Set([[1]]),
      view: new DataView(new Uint8Array([1, 2, 3]).buffer, 1, 2),
    };
    const copy = cloneResult(original);
    expect(copy).toStrictEqual(original);
    expect(copy.response).toBeInstanceOf(ApiResponse);
    expect(copy.response.data.result[0]).toBeInstanceOf(RangeSeries);
    expect(copy.response.data.result[0]!.values).not.toBe(original.response.data.result[0]!.values);
    expect(copy.map.get("k")).not.toBe(original.map.get("k"));
    expect(copy.when).not.toBe(original.when);
    expect(copy.view.getUint8(0)).toBe(2);
    copy.view.setUint8(0, 9);
    expect(original.view.getUint8(0)).toBe(2);
  });
});

describe("entry", () => {
  const response = new ApiResponse({ resultType: "scalar", result: new ScalarSample(1, 2) }, [], ["i"]);
  const now = 1_000_000;

  it("reads back what it wrote, with its age", () => {
    const text = encodeEntry("k", response, now - 10, 100);
    expect(text.startsWith(ENTRY_PREFIX)).toBe(true);
    const read = decodeEntry(text, "k", "api/v1/query", now);
    expect(read).toMatchObject({ ok: true, ageMs: 10 });
    if (!read.ok) throw new Error("unreachable");
    expect(read.response.cached).toBe(true);
    expect(read.response.infos).toEqual(["i"]);
  });

  it("says why a value is not a usable entry", () => {
    const text = encodeEntry("k", response, now, 100);
    expect(decodeEntry(undefined, "k", "api/v1/query", now)).toEqual({ ok: false, reason: "absent" });
    expect(decodeEntry(text, "k", "api/v1/query", now + 101)).toEqual({ ok: false, reason: "expired" });
    const corrupt = (raw: unknown, path = "api/v1/query") => decodeEntry(raw, "k", path, now);
    expect(corrupt(42)).toMatchObject({ reason: "corrupt", detail: "not a promfleet entry" });
    expect(corrupt(`${ENTRY_PREFIX}1}`)).toMatchObject({
      reason: "corrupt",
      detail: expect.stringMatching(/envelope/),
    });
    expect(corrupt(text, "api/v1/query_range")).toMatchObject({ reason: "corrupt" });
    const vector = new ApiResponse({ resultType: "vector", result: [new ScalarSample(1, 1)] }, [], []);
    expect(corrupt(encodeEntry("k", vector, now, 100))).toMatchObject({ reason: "corrupt" });
    const text2 = new ApiResponse({ resultType: "string", result: new ScalarSample(1, 2) }, [], []);
    expect(corrupt(encodeEntry("k", text2, now, 100))).toMatchObject({ reason: "corrupt" });
    expect(corrupt(encodeEntry("k", new ApiResponse(null, [], []), now, 100))).toMatchObject({
      reason: "corrupt",
    });
    // Other endpoints' data is plain: any valid tree goes.
    expect(
      decodeEntry(encodeEntry("k", new ApiResponse(["a"], [], []), now, 100), "k", "api/v1/labels", now),
    ).toMatchObject({
      ok: true,
    });
  });
});
