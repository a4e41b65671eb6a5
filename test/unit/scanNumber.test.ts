import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numberOfSlice, readDecimal } from "../../src/decode/scanNumber.ts";

const out = new Float64Array(1);

/** readDecimal over `text` followed by a quote; the value, or undefined when it refused. */
function read(text: string, strict = false): number | undefined {
  const bytes = new TextEncoder().encode(`${text}"`);
  const end = readDecimal(bytes, 0, out, 0, strict);
  if (end < 0) return undefined;
  expect(end).toBe(text.length);
  return out[0];
}

/** Asserts readDecimal gives exactly what Number() gives (bit for bit). */
function expectExact(text: string): void {
  const got = read(text);
  if (!Object.is(got, Number(text))) throw new Error(`${text}: got ${got}, want ${Number(text)}`);
}

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(""));

describe("readDecimal", () => {
  it("equals Number() on shortest float representations (what Prometheus writes)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const text = String(v);
        if (!text.includes("e")) expectExact(text);
        expectExact(v.toExponential());
      }),
      { numRuns: 20_000 },
    );
  });

  it("equals Number() on any digit string of up to 25 digits with the point anywhere", () => {
    fc.assert(
      fc.property(digits(1, 25), fc.nat(), fc.boolean(), (d, point, negative) => {
        const at = point % (d.length + 1);
        const body = at === 0 || at === d.length ? d : `${d.slice(0, at)}.${d.slice(at)}`;
        expectExact(`${negative ? "-" : ""}${body}`);
      }),
      { numRuns: 30_000 },
    );
  });

  it("equals Number() with exponents of any sign and size", () => {
    fc.assert(
      fc.property(
        digits(1, 21),
        fc.nat(),
        fc.integer({ min: -340, max: 340 }),
        fc.constantFrom("e", "E", "e+", "E+"),
        (d, point, exponent, marker) => {
          const at = 1 + (point % d.length);
          const mantissa = at === d.length ? d : `${d.slice(0, at)}.${d.slice(at)}`;
          const exp = exponent < 0 ? `${marker[0]}${exponent}` : `${marker}${exponent}`;
          expectExact(`${mantissa}${exp}`);
        },
      ),
      { numRuns: 30_000 },
    );
    for (const text of [
      "1e-07",
      "1E+21",
      "12.5e3",
      "1.2345678901234567e-07",
      "5e-324",
      "1e400",
      "1e00000000000000001",
    ]) {
      expectExact(text);
    }
  });

  it("is exact on 16 to 19 digit decimals next to rounding boundaries", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e15, noNaN: true }),
        fc.integer({ min: 16, max: 19 }),
        (v, p) => {
          const text = v.toPrecision(p);
          if (!text.includes("e")) expectExact(text);
        },
      ),
      { numRuns: 20_000 },
    );
    // Exact midpoints between two doubles: must round half to even, as Number() does.
    for (const text of [
      "9007199254740993",
      "9007199254740995",
      "0.1000000000000000055511151231257827",
      "1.00000000000000011102230246251565",
    ]) {
      expectExact(text);
    }
  });

  it("reads timestamps, signs, zeros and exponents", () => {
    for (const text of [
      "0",
      "-0",
      "0.000",
      "1700000000",
      "1700000000.123",
      "-1.5",
      "1e-07",
      "1.5E+21",
      "2e308",
      "12e-3",
      "0.0000000000000000",
      "0000000000000001.5",
      "0.0000001234567890123",
    ]) {
      expectExact(text);
    }
    expect(Object.is(read("-0"), -0)).toBe(true);
    expect(read("2e308")).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses what is not a plain decimal, and leading zeros in strict (JSON) mode", () => {
    for (const text of ["", "-", "+1", ".5", "1.", "1e", "1e+", "x", "Inf", "- 1"])
      expect(read(text)).toBeUndefined();
    expect(read("01", true)).toBeUndefined();
    expect(read("-00.5", true)).toBeUndefined();
    expect(read("0.5", true)).toBe(0.5);
    expect(read("007")).toBe(7);
  });

  it("stops at the first byte after the number", () => {
    const bytes = new TextEncoder().encode("[12.5,3]");
    expect(readDecimal(bytes, 1, out, 0, true)).toBe(5);
    expect(out[0]).toBe(12.5);
    expect(readDecimal(bytes, 6, out, 0, true)).toBe(7);
    expect(out[0]).toBe(3);
  });

  it("converts slices with Number()", () => {
    expect(numberOfSlice(new TextEncoder().encode("x1.25e2x"), 1, 7)).toBe(125);
  });
});
