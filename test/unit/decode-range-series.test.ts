import { describe, expect, it } from "vitest";
import { prepareQuery, prepareQueryRange } from "../../src/client/query.ts";

const encode = (t: string) => new TextEncoder().encode(t);
const instantInMatrix =
  '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"value":[1700000000,"42"]}]}}';

describe("a matrix series holding an instant sample", () => {
  it("is refused by name, not decoded as a series with no samples (the 42 would vanish)", () => {
    const decodeRange = () =>
      prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000).decode(encode(instantInMatrix));
    expect(decodeRange).toThrow(/data\.result\[0\]: expected a range series with "values" or "histograms"/);
    expect(() => prepareQuery("up", undefined).decode(encode(instantInMatrix))).toThrow(/data\.result\[0\]/);
  });

  it("a series with neither (no samples at all) is still an empty series", () => {
    const body = '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"}}]}}';
    const decoded = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000).decode(encode(body));
    expect(decoded.ok && decoded.data.result[0]?.length).toBe(0);
  });
});
