import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { vectorBody } from "../../bench/bodies.ts";
import { prepareQuery, prepareQueryRange } from "../../src/client/query.ts";
import { DecodeError } from "../../src/decode/DecodeError.ts";
import { decodeQueryData } from "../../src/decode/query.ts";
import { scanQuery } from "../../src/decode/scanQuery.ts";
import type { QueryData, RangeSeries } from "../../src/decode/types.ts";
import { type DecodedBody, envelopeDecoder } from "../../src/transport/decoder.ts";
import { layoutArb, seriesArb, writeBody } from "./scanWire.ts";

const reference = envelopeDecoder(decodeQueryData);
const referenceMatrix = envelopeDecoder((data) => {
  const decoded = decodeQueryData(data);
  if (decoded.resultType !== "matrix") {
    throw new DecodeError(`query_range answered a ${decoded.resultType}, not a matrix`);
  }
  return decoded;
});
const rangeDecoder = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000).decode;
const queryDecoder = prepareQuery("up", undefined).decode;
const encode = (text: string) => new TextEncoder().encode(text);

/** A decoder's outcome in comparable form: numbers as exact strings (NaN, -0 kept), or the error. */
function outcome(decode: (body: Uint8Array) => DecodedBody<QueryData>, body: Uint8Array): string {
  const exact = (n: number) => (Object.is(n, -0) ? "-0" : String(n));
  try {
    const decoded = decode(body);
    if (!decoded.ok) return `not ok: ${JSON.stringify(decoded.envelope)}`;
    const { data } = decoded;
    const result =
      data.resultType === "matrix"
        ? data.result.map((s: RangeSeries) => [
            Object.entries(s.metric),
            Array.from(s.timestamps, exact),
            Array.from(s.values, exact),
            s.histograms === undefined ? null : JSON.stringify(s.histograms),
          ])
        : data;
    return JSON.stringify([decoded.warnings, decoded.infos, data.resultType, result, data.stats ?? null]);
  } catch (error) {
    return error instanceof DecodeError ? `DecodeError: ${error.message}` : `other error: ${String(error)}`;
  }
}

const wrap = (result: string) => `{"status":"success","data":{"resultType":"matrix","result":[${result}]}}`;

/** Bodies the scanner must hand over, with what the reference path makes of them. */
const handedOver: Array<[what: string, body: string]> = [
  ["an error envelope", '{"status":"error","errorType":"bad_data","error":"parse error","warnings":["w"]}'],
  ["a vector", vectorBody(20, 1).text],
  ["a scalar", '{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}'],
  ["a string", '{"status":"success","data":{"resultType":"string","result":[1,"two"]}}'],
  [
    "native histograms",
    wrap('{"metric":{},"histograms":[[1,{"count":"2","sum":"3","buckets":[[0,"0","1","2"]]}]]}'),
  ],
  ["an escaped key", wrap('{"metric":{},"valu\\u0065s":[[1,"2"]]}')],
  ["an escaped value", wrap('{"metric":{},"values":[[1,"\\u0031"]]}')],
  [
    "values spelled as Number() reads them",
    wrap('{"values":[[1,"Inf"],[2,"+inf"],[3,"0x10"],[4,".5"],[5,"+1"]]}'),
  ],
  ["an empty value", wrap('{"values":[[1,""]]}')],
  ["a value with spaces", wrap('{"values":[[1," 1"]]}')],
  ["a duplicate key", wrap('{"values":[[1,"1"]],"values":[[2,"2"]]}')],
  ["a duplicate status", '{"status":"error","status":"success","data":{"resultType":"matrix","result":[]}}'],
  ["a byte order mark", `\ufeff${wrap("")}`],
  ["a vector sample in a matrix", wrap('{"metric":{},"value":[1,"1"]}')],
  [
    "resultType after a vector result",
    '{"status":"success","data":{"result":[{"metric":{},"value":[1,"1"]}],"resultType":"vector"}}',
  ],
  ["an infinite timestamp", wrap('{"values":[[1e999,"1"]]}')],
  ["a string timestamp", wrap('{"values":[["1","1"]]}')],
  ["a leading-zero timestamp", wrap('{"values":[[01,"1"]]}')],
  ["a pair of three", wrap('{"values":[[1,"1","x"]]}')],
  ["trailing bytes", `${wrap("")}x`],
  ["a truncated body", wrap('{"values":[[1,"1"]]}').slice(0, -7)],
  ["labels in an array", wrap('{"metric":[],"values":[]}')],
  ["a number label", wrap('{"metric":{"a":1},"values":[]}')],
  ["warnings of numbers", '{"status":"success","warnings":[1],"data":{"resultType":"matrix","result":[]}}'],
  [
    "an errorType of null",
    '{"status":"success","errorType":null,"data":{"resultType":"matrix","result":[]}}',
  ],
  ["no data", '{"status":"success"}'],
  ["no result", '{"status":"success","data":{"resultType":"matrix"}}'],
  ["a raw control character", wrap('{"metric":{"a":"x\ty"},"values":[]}')],
  ["invalid JSON in an ignored key", wrap('{"values":[],"extra":[1,]}')],
  ["HTML", "<html><body>Sign in</body></html>"],
  ["nothing", ""],
];

describe("scanner fallbacks", () => {
  it.each(handedOver)("hands %s to the reference path, with the same outcome", (_what, text) => {
    const body = encode(text);
    expect(scanQuery(body).ok).toBe(false);
    expect(outcome(queryDecoder, body)).toBe(outcome(reference, body));
    expect(outcome(rangeDecoder, body)).toBe(outcome(referenceMatrix, body));
  });

  it("refuses a values array whose [ was damaged into a quote (found by the damaged-bodies property)", () => {
    // The outer [ became ", so "values" is a string followed by garbage: invalid JSON that reads
    // like pairs if the scanner skips the first byte without looking at it.
    const body = encode(
      '{"status":"success","data":{"resultType":"matrix","result":[{"values":" [ 1 , "2" ] ] ,"metric":{}}]}}',
    );
    expect(scanQuery(body)).toEqual({ ok: false, reason: "values is not an array" });
    expect(outcome(rangeDecoder, body)).toBe(outcome(referenceMatrix, body));
    expect(outcome(rangeDecoder, body)).toMatch(/^DecodeError/);
  });

  it("reports why it gave up", () => {
    const outcome = scanQuery(encode(wrap('{"metric":{},"histograms":[]}')));
    expect(outcome).toEqual({ ok: false, reason: "native histograms" });
  });

  it("lets queryRange refuse a vector with the reference path's message", () => {
    expect(() => rangeDecoder(encode(vectorBody(2, 1).text))).toThrow(/query_range answered a vector/);
  });

  it("decodes vectors through the reference path for query()", () => {
    const body = encode(vectorBody(30, 2).text);
    const decoded = queryDecoder(body);
    expect(decoded.ok && decoded.data.resultType).toBe("vector");
    expect(outcome(queryDecoder, body)).toBe(outcome(reference, body));
  });

  it("never differs from the reference path on damaged bodies (a byte inserted, deleted, replaced, or cut)", () => {
    const damage = fc.record({
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      op: fc.constantFrom("insert", "delete", "replace", "cut"),
      byte: fc.constantFrom(...'"[]{},:-+.eE019 \\\u0000xNI'.split("").map((c) => c.charCodeAt(0))),
    });
    fc.assert(
      fc.property(seriesArb, layoutArb, damage, (series, layout, { at, op, byte }) => {
        const original = encode(writeBody(series, layout));
        const i = Math.floor(at * original.length);
        const bytes = Array.from(original);
        if (op === "insert") bytes.splice(i, 0, byte);
        if (op === "delete") bytes.splice(i, 1);
        if (op === "replace") bytes[i] = byte;
        if (op === "cut") bytes.length = i;
        const body = Uint8Array.from(bytes);
        expect(outcome(rangeDecoder, body)).toBe(outcome(referenceMatrix, body));
        expect(outcome(queryDecoder, body)).toBe(outcome(reference, body));
      }),
      { numRuns: 1500 },
    );
  });
});
