import { describe, expect, it } from "vitest";
import { prepareQueryRange } from "../../src/client/query.ts";
import { DecodeError } from "../../src/decode/DecodeError.ts";
import { decodeQueryData } from "../../src/decode/query.ts";
import { scanQuery } from "../../src/decode/scanQuery.ts";
import type { QueryData, RangeSeries } from "../../src/decode/types.ts";
import { type DecodedBody, envelopeDecoder } from "../../src/transport/decoder.ts";

const reference = envelopeDecoder(decodeQueryData);
const rangeDecoder = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000).decode;
const encode = (text: string) => new TextEncoder().encode(text);

function outcome(decode: (body: Uint8Array) => DecodedBody<QueryData>, body: Uint8Array): string {
  const exact = (n: number) => (Object.is(n, -0) ? "-0" : String(n));
  try {
    const decoded = decode(body);
    if (!decoded.ok) return `not ok`;
    const { data } = decoded;
    const result =
      data.resultType === "matrix"
        ? data.result.map((s: RangeSeries) => [
            Object.entries(s.metric),
            Object.getPrototypeOf(s.metric) === Object.prototype,
            Array.from(s.timestamps, exact),
            Array.from(s.values, exact),
          ])
        : data;
    return JSON.stringify([decoded.warnings, decoded.infos, data.resultType, result, data.stats ?? null]);
  } catch (error) {
    return error instanceof DecodeError ? `DecodeError: ${error.message}` : `other error: ${String(error)}`;
  }
}
const wrap = (result: string, extra = "") =>
  `{"status":"success"${extra},"data":{"resultType":"matrix","result":[${result}]}}`;

const cases: string[] = [
  wrap('{"metric":{"a":"\\ud83d\\ude00","b":"\\u00e9\\n\\"\\\\\\/","c":"日本"},"values":[[1,"1"]]}'),
  wrap('{"metric":{"a":"\\ud800"},"values":[[1,"1"]]}'),
  wrap('{"metric":{"a":"x","a":"y"},"values":[[1,"1"]]}'),
  wrap('{"metric":{"__proto__":"x","constructor":"y"},"values":[[1,"1"]]}'),
  wrap('{"metric":{},"values":[[-0,"-0"],[0.0,"0e0"],[1e2,"1E2"],[1.5e-7,"1.5e-07"]]}'),
  wrap('{"metric":{},"values":[[1,"1e309"],[2,"-1e309"],[3,"4.9e-324"],[4,"2.4703282292062328e-324"]]}'),
  wrap(
    '{"metric":{},"values":[[1,"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791"]]}',
  ),
  wrap('{"metric":{},"values":[[1,"0.1000000000000000055511151231257827021181583404541015625"]]}'),
  wrap(' \r\n\t{ "metric" : { } , "values" : [ [ 1 , "1" ] , [ 2 , "2" ] ] } \r\n'),
  wrap('{"metric":{},"values":[[1700000000.123,"NaN"],[1700000000.124,"+Inf"],[1700000000.125,"-Inf"]]}'),
  wrap('{"values":[[1,"1"]],"metric":null}'),
  wrap("", ',"warnings":null,"infos":null'),
  wrap("", ',"warnings":["a\\u0000b"],"infos":["é"]'),
  `{"data":{"result":[],"resultType":"matrix","stats":{"timings":{"evalTotalTime":1.5e-7}}},"status":"success"}`,
  wrap('{"metric":{},"values":[[1,"1"]]}', ',"isPartial":false,"trace":{"a":[1,2,{"b":"c"}]}'),
  wrap('{"metric":{},"values":[[12345678901234567890,"123456789012345678901234567890"]]}'),
  wrap(
    '{"metric":{},"values":[[1,"00001"],[2,"-00.5"],[3,"9007199254740993"],[4,"9007199254740993.0000000000001"]]}',
  ),
  wrap(
    '{"metric":{},"values":[[1,"1.7976931348623157e308"],[2,"1.7976931348623158e308"],[3,"1.7976931348623159e308"]]}',
  ),
];

describe("scanner vs reference on edge inputs", () => {
  it.each(cases.map((c, i) => [i, c]))("case %i", (_i, text) => {
    const body = encode(text as string);
    expect(outcome(rangeDecoder, body)).toBe(outcome(reference, body));
  });
  it("scanner handles the simple ones itself", () => {
    expect(scanQuery(encode(cases[0]!)).ok).toBe(true);
    expect(scanQuery(encode(cases[4]!)).ok).toBe(true);
  });
});
