import { describe, expect, it } from "vitest";
import { readDecimal } from "../../src/decode/scanNumber.ts";

/**
 * The hardest inputs of a decimal reader: decimals just at, above or below the midpoint between
 * two neighbouring doubles, cut to 16–19 significant digits, where rounding decides the last bit.
 */
const out = new Float64Array(1);
function read(text: string): number | undefined {
  const bytes = new TextEncoder().encode(`${text}"`);
  const end = readDecimal(bytes, 0, out, 0, false);
  return end < 0 ? undefined : out[0];
}

/** The exact decimal digits of `m * 2^e`, and how many of them are decimals. */
function exactDecimal(m: bigint, e: number): [digits: string, decimals: number] {
  if (e >= 0) return [(m << BigInt(e)).toString(), 0];
  return [(m * 5n ** BigInt(-e)).toString(), -e];
}

/** A normal double as its 53-bit significand and binary exponent. */
function decompose(x: number): [significand: bigint, exponent: number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  return [(BigInt(hi & 0xfffff) << 32n) | BigInt(lo) | (1n << 52n), biased - 1075];
}

let seed = 12345;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

describe("readDecimal near ties", () => {
  it("agrees with Number() on midpoints cut to 16-19 digits, plain and with an exponent", () => {
    const wrong: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const x = (1 + random() * 9) * 10 ** (Math.floor(random() * 40) - 22);
      const [m, e] = decompose(x);
      const [digits, decimals] = exactDecimal(2n * m + 1n, e - 1); // the midpoint above x
      const significant = digits.replace(/^0+/, "");
      const keep = 16 + Math.floor(random() * 4);
      const nudge = random() < 0.2 ? -1n : random() < 0.5 ? 1n : 0n;
      const kept = (BigInt(significant.slice(0, keep)) + nudge).toString().padStart(keep, "0");
      const shift = significant.length - keep - decimals; // the power of ten of kept's last digit
      let plain: string;
      if (shift >= 0) plain = kept + "0".repeat(shift);
      else {
        const padded = kept.padStart(-shift + 1, "0");
        plain = `${padded.slice(0, padded.length + shift)}.${padded.slice(padded.length + shift)}`;
      }
      for (const text of [plain, `${kept}e${shift}`]) {
        if (!Object.is(read(text), Number(text))) wrong.push(`${text}: ${read(text)} vs ${Number(text)}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});
