import fc from "fast-check";
import { anyJson, type J, Obj, oddNumber, Raw, sometimesWrong, write } from "./json.ts";

/**
 * Generated /api/v1/query and /api/v1/query_range bodies: valid ones in every result type, and
 * the same with wrong types, mutations, truncation, deep nesting, huge numbers, unicode and
 * prototype-named labels, `__proto__` keys in every object, and bytes that are not UTF-8.
 */

/** Label names a decoder could trip over, and any text. */
const labelName = fc.oneof(
  fc.constantFrom(
    "__name__",
    "job",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "__defineGetter__",
    "length",
    "",
  ),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);

const labelValue = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 16 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("", "\u0000", "\ufffd", "\ud800", "😀", 'a\\"b', "\u2028"),
);

/** Sample value texts Prometheus writes: Go's float formatting, NaN and the infinities. */
const validSampleValue = fc.oneof(
  fc
    .double()
    .map((n) => (Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n))),
  fc.integer().map(String),
  fc.constantFrom("NaN", "+Inf", "-Inf", "-0", "0", "1e308", "5e-324", "1.5e-07", "1e+06", "0.1"),
);

/** Near misses and garbage. */
const oddSampleValue = fc.oneof(
  fc.constantFrom(
    "Inf",
    "1e309",
    "-1e309",
    "1e-400",
    "0x10",
    "1_0",
    " 1",
    "1 ",
    "",
    ".5",
    "5.",
    "+1",
    "1e",
    "e1",
    "--1",
    "١",
    "Infinity",
    "nan",
  ),
  fc.string({ maxLength: 6 }),
);

const sampleValue = (wrong: boolean) =>
  wrong
    ? fc.oneof({ weight: 4, arbitrary: validSampleValue }, { weight: 1, arbitrary: oddSampleValue })
    : validSampleValue;

const validTimestamp: fc.Arbitrary<J> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000_000_000 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 2_000_000_000_000 }).map((ms) => new Raw(String(ms / 1000))),
  },
);

const timestamp = (wrong: boolean): fc.Arbitrary<J> =>
  wrong
    ? fc.oneof({ weight: 6, arbitrary: validTimestamp }, { weight: 1, arbitrary: oddNumber })
    : validTimestamp;

function labels(wrong: boolean): fc.Arbitrary<J> {
  const entries = fc.array(fc.tuple(labelName, sometimesWrong(labelValue, wrong)), { maxLength: 6 });
  return sometimesWrong(
    entries.map((e) => new Obj(e)),
    wrong,
  );
}

function pair(wrong: boolean): fc.Arbitrary<J> {
  return sometimesWrong(
    fc.tuple(timestamp(wrong), sometimesWrong(sampleValue(wrong), wrong)).map((p) => [...p]),
    wrong,
  );
}

function histogram(wrong: boolean): fc.Arbitrary<J> {
  const bucket = fc
    .tuple(fc.integer({ min: 0, max: 3 }), sampleValue(wrong), sampleValue(wrong), sampleValue(wrong))
    .map((b): J => [...b]);
  return sometimesWrong(
    fc
      .record({
        count: sometimesWrong(sampleValue(wrong), wrong),
        sum: sometimesWrong(sampleValue(wrong), wrong),
        buckets: sometimesWrong(fc.array(sometimesWrong(bucket, wrong), { maxLength: 4 }), wrong),
      })
      .map((h) => new Obj(Object.entries(h))),
    wrong,
  );
}

/** An object's entries in a shuffled order, with sometimes an extra (prototype-named) key. */
function object(entries: fc.Arbitrary<Array<[string, J]>>, wrong: boolean): fc.Arbitrary<J> {
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Array<[string, J]>>([]) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom("__proto__", "constructor", "extra"), anyJson).map((e) => [e]),
    },
  );
  return sometimesWrong(
    fc
      .tuple(entries, extra)
      .chain(([own, more]) => fc.shuffledSubarray([...own, ...more], { minLength: own.length + more.length }))
      .map((e) => new Obj(e)),
    wrong,
  );
}

function vectorSample(wrong: boolean): fc.Arbitrary<J> {
  const kind = fc.oneof(
    { weight: 5, arbitrary: pair(wrong).map((p): [string, J] => ["value", p]) },
    {
      weight: 1,
      arbitrary: sometimesWrong(
        fc.tuple(timestamp(wrong), histogram(wrong)).map((p): J => [...p]),
        wrong,
      ).map((h): [string, J] => ["histogram", h]),
    },
  );
  return object(
    fc.tuple(labels(wrong), kind).map(([metric, value]) => [["metric", metric] as [string, J], value]),
    wrong,
  );
}

function matrixSeries(wrong: boolean): fc.Arbitrary<J> {
  const histograms = fc.array(
    fc.tuple(timestamp(wrong), histogram(wrong)).map((p): J => [...p]),
    { maxLength: 3 },
  );
  return object(
    fc
      .tuple(
        labels(wrong),
        sometimesWrong(fc.array(pair(wrong), { maxLength: 12 }), wrong),
        fc.option(histograms),
      )
      .map(([metric, values, hs]) => {
        const entries: Array<[string, J]> = [
          ["metric", metric],
          ["values", values],
        ];
        if (hs !== null) entries.push(["histograms", hs]);
        return entries;
      }),
    wrong,
  );
}

function data(wrong: boolean): fc.Arbitrary<J> {
  const typed = (type: string, result: fc.Arbitrary<J>) =>
    object(
      fc
        .tuple(sometimesWrong(fc.constant(type), wrong), result)
        .map(([resultType, r]) => [["resultType", resultType] as [string, J], ["result", r] as [string, J]]),
      wrong,
    );
  return fc.oneof(
    typed("vector", sometimesWrong(fc.array(vectorSample(wrong), { maxLength: 6 }), wrong)),
    typed("matrix", sometimesWrong(fc.array(matrixSeries(wrong), { maxLength: 5 }), wrong)),
    typed("scalar", pair(wrong)),
    typed(
      "string",
      sometimesWrong(
        fc.tuple(timestamp(wrong), labelValue).map((p): J => [...p]),
        wrong,
      ),
    ),
  );
}

const messages = (wrong: boolean) =>
  sometimesWrong(fc.array(sometimesWrong(labelValue, wrong), { maxLength: 3 }), wrong);

/** A whole envelope, success or error, keys in any order. */
export function envelope(wrong: boolean): fc.Arbitrary<J> {
  const success = fc
    .tuple(data(wrong), fc.option(messages(wrong)), fc.option(messages(wrong)))
    .map(([d, warnings, infos]) => {
      const entries: Array<[string, J]> = [
        ["status", "success"],
        ["data", d],
      ];
      if (warnings !== null) entries.push(["warnings", warnings]);
      if (infos !== null) entries.push(["infos", infos]);
      return entries;
    });
  const failure = fc
    .tuple(
      fc.constantFrom(
        "bad_data",
        "timeout",
        "canceled",
        "execution",
        "internal",
        "unavailable",
        "not_found",
        "",
      ),
      labelValue,
      fc.option(messages(wrong)),
    )
    .map(([errorType, error, warnings]) => {
      const entries: Array<[string, J]> = [
        ["status", "error"],
        ["errorType", errorType],
        ["error", error],
      ];
      if (warnings !== null) entries.push(["warnings", warnings]);
      return entries;
    });
  const status = (entries: fc.Arbitrary<Array<[string, J]>>) =>
    entries.chain((e) =>
      sometimesWrong(fc.constant(e[0]![1]), wrong).map(
        (s): Array<[string, J]> => [["status", s], ...e.slice(1)],
      ),
    );
  return object(
    fc.oneof({ weight: 5, arbitrary: status(success) }, { weight: 1, arbitrary: status(failure) }),
    wrong,
  );
}

/** Edits a text: deletes, inserts, replaces or duplicates spans. */
const edits = fc.array(
  fc.tuple(
    fc.constantFrom("delete", "insert", "replace", "duplicate"),
    fc.nat(),
    fc.nat({ max: 8 }),
    fc.string({
      unit: fc.constantFrom(...'{}[]":,0123456789.eE+-ntrufasl \\u\u0000é'),
      minLength: 1,
      maxLength: 4,
    }),
  ),
  { minLength: 1, maxLength: 5 },
);

function mutate(text: string, changes: ReadonlyArray<readonly [string, number, number, string]>): string {
  let out = text;
  for (const [kind, at, length, insert] of changes) {
    const p = out.length === 0 ? 0 : at % out.length;
    if (kind === "delete") out = out.slice(0, p) + out.slice(p + length);
    else if (kind === "insert") out = out.slice(0, p) + insert + out.slice(p);
    else if (kind === "replace") out = out.slice(0, p) + insert + out.slice(p + insert.length);
    else out = out.slice(0, p + length) + out.slice(p, p + length) + out.slice(p + length);
  }
  return out;
}

/** Deeply nested text placed where a decoder would walk into it. */
const deep = fc
  .tuple(
    // Mostly shallow; one in five deep enough to overflow any recursive walk.
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 120_000 }) },
    ),
    fc.constantFrom("array", "object", "mixed"),
    fc.constantFrom(
      (n: string) => `{"status":"success","data":${n}}`,
      (n: string) => `{"status":"success","data":{"resultType":"matrix","result":${n}}}`,
      (n: string) =>
        `{"status":"success","data":{"resultType":"vector","result":[{"metric":${n},"value":[1,"1"]}]}}`,
      (n: string) =>
        `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":${n}}]}}`,
      (n: string) =>
        `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]],"x":${n}}]}}`,
      (n: string) => `{"status":"success","warnings":${n},"data":{"resultType":"vector","result":[]}}`,
      (n: string) => n,
    ),
    fc.boolean(),
  )
  .map(([depth, kind, place, closed]) => {
    const open = kind === "array" ? "[" : kind === "object" ? '{"a":' : '[{"a":';
    const close = kind === "array" ? "]" : kind === "object" ? "}" : "}]";
    const unit = kind === "mixed" ? Math.ceil(depth / 2) : depth;
    const nested = open.repeat(unit) + (kind === "array" ? "" : "1") + (closed ? close.repeat(unit) : "");
    return place(nested);
  });

/** A large but well-formed matrix: many series and samples, long label values. */
const large = fc
  .tuple(
    fc.integer({ min: 1, max: 400 }),
    fc.integer({ min: 1, max: 300 }),
    fc.integer({ min: 0, max: 200_000 }),
  )
  .map(([series, samples, labelLength]) => {
    const values = Array.from({ length: samples }, (_, i) => `[${1_700_000_000 + i},"${i * 0.5}"]`).join(",");
    const result = Array.from(
      { length: series },
      (_, s) =>
        `{"metric":{"__name__":"m","s":"${s}","long":"${"x".repeat(s === 0 ? labelLength : 1)}"},"values":[${values}]}`,
    );
    return `{"status":"success","data":{"resultType":"matrix","result":[${result.join(",")}]}}`;
  });

const encoder = new TextEncoder();

/** Every kind of body, weighted so that a 10,000-run sample holds each many times. */
export const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 30, arbitrary: envelope(false).map((e) => encoder.encode(write(e))) },
  { weight: 30, arbitrary: envelope(true).map((e) => encoder.encode(write(e))) },
  {
    weight: 25,
    arbitrary: fc
      .tuple(envelope(false), edits)
      .map(([e, changes]) => encoder.encode(mutate(write(e), changes))),
  },
  {
    weight: 15,
    arbitrary: fc.tuple(envelope(false), fc.nat()).map(([e, cut]) => {
      const text = write(e);
      return encoder.encode(text.slice(0, cut % Math.max(1, text.length)));
    }),
  },
  { weight: 5, arbitrary: deep.map((text) => encoder.encode(text)) },
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(envelope(false), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
      .map(([e, at, bytes]) => {
        // Bytes that are not UTF-8 (or a BOM) spliced into a valid body.
        const text = encoder.encode(write(e));
        const p = at % (text.length + 1);
        const withBom = at % 7 === 0 ? [0xef, 0xbb, 0xbf] : [];
        return Uint8Array.from([
          ...withBom,
          ...text.subarray(0, p),
          ...bytes.map((b) => b | 0x80),
          ...text.subarray(p),
        ]);
      }),
  },
  { weight: 1, arbitrary: large.map((text) => encoder.encode(text)) },
);
