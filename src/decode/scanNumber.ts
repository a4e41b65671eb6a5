/**
 * Exact decimal-to-float conversion straight from body bytes, for the sample scanner.
 *
 * Prometheus prints timestamps and values as the shortest decimal that reads back as the same
 * float: up to 17 significant digits, plain notation between 1e-6 and 1e21. Building a string for
 * each of millions of numbers just to call `Number()` is most of what decoding would cost, so the
 * digits are accumulated here and converted with arithmetic that is provably correctly rounded:
 *
 * - up to 15 digits (leading zeros included) and at most 22 decimals: the mantissa and 10^k are
 *   exact doubles, so one division is correctly rounded (Clinger's fast path);
 * - 16 to 19 digits: the mantissa is held exactly as a double-double, divided with an exact
 *   remainder, and the result is accepted only when the error bound cannot reach a rounding
 *   boundary (a margin of 2^-30 ulp around an error below 2^-47 ulp);
 * - exponents fold into the power of ten and take the same two paths (or a multiplication, for
 *   up to 15 digits and a positive power up to 22);
 * - anything else (more digits, far exponents, the rare near-tie): `Number()` on the slice, which
 *   is what `JSON.parse` does too.
 */

/** 10^k for k = 0..22: every one is an exact double. */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Dekker's splitter for exact products without a fused multiply-add. */
const SPLIT = 134217729; // 2^27 + 1

/** The rounding error of `p = a * b`: a * b === p + error exactly (no overflow in our ranges). */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** A view on one double's bits, to read its exponent. */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word is [1]
const LOW = 1 - HIGH;

/**
 * Correctly rounded (hi * 10^extra + lo) / 10^k for a non-zero mantissa of 16 to 19 digits
 * (`hi` holds the first 15, `lo` the other `extra`), or NaN when the result is too close to a
 * rounding boundary to be sure (the caller then asks `Number()`).
 */
function extendedQuotient(hi: number, lo: number, extra: number, k: number): number {
  // The mantissa w = hi * 10^extra + lo, exactly, as h + l.
  const scale = POW10[extra]!;
  const p = hi * scale;
  const pe = productError(hi, scale, p);
  const h = p + lo;
  const hb = h - p;
  const l = p - (h - hb) + (lo - hb) + pe; // integers below 2^12: exact
  // w / 10^k = q1 + r / 10^k with r the (nearly exact) remainder.
  const d = POW10[k]!;
  const q1 = h / d;
  const qp = q1 * d;
  const r = h - qp - productError(q1, d, qp) + l;
  const q2 = r / d;
  const sum = q1 + q2;
  const t = q1 - (sum - (sum - q1)) + (q2 - (sum - q1)); // exactly q1 + q2 - sum
  bits[0] = sum;
  const high = words[HIGH]!;
  const low = words[LOW]!;
  // sum ≥ 1e-22 (a non-zero integer over at most 10^22), positive: a normal double whose
  // exponent field is far above 52, so its ulp is a normal double too.
  const exponent = high >>> 20;
  words[HIGH] = (exponent - 52) << 20;
  words[LOW] = 0;
  const ulp = bits[0]!; // the gap to the next double up
  const margin = ulp * 9.313225746154785e-10; // 2^-30 ulp
  // Below a power of two the gap down is half as wide.
  const below = (high & 0xfffff) === 0 && low === 0 ? ulp / 4 : ulp / 2;
  if (t >= ulp / 2 - margin || t <= margin - below) return Number.NaN;
  return sum;
}

/** `Number()` of an ASCII slice of the body: the slow path, exact by definition. */
export function numberOfSlice(buf: Uint8Array, start: number, end: number): number {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i]!);
  return Number(text);
}

/**
 * Reads a decimal `-?digits(.digits)?([eE][+-]?digits)?` at `start`, writes it to `out[index]`,
 * and returns the position after it; -1 when the bytes are not such a number. With `strict`
 * (a JSON number), leading zeros are refused as `JSON.parse` refuses them.
 */
export function readDecimal(
  buf: Uint8Array,
  start: number,
  out: Float64Array,
  index: number,
  strict: boolean,
): number {
  let p = start;
  let c = buf[p];
  const negative = c === 0x2d;
  if (negative) c = buf[++p];
  if (c === undefined || c < 0x30 || c > 0x39) return -1;
  if (strict && c === 0x30) {
    const next = buf[p + 1];
    if (next !== undefined && next >= 0x30 && next <= 0x39) return -1;
  }
  // Digits by position: the first 15 into hi, the next ones into lo (both exact integers).
  let hi = c - 0x30;
  let lo = 0;
  let digits = 1; // digit positions, leading zeros included
  let decimals = 0;
  c = buf[++p];
  while (c !== undefined && c >= 0x30 && c <= 0x39) {
    if (digits < 15) hi = hi * 10 + (c - 0x30);
    else lo = lo * 10 + (c - 0x30);
    digits++;
    c = buf[++p];
  }
  if (c === 0x2e) {
    c = buf[++p];
    if (c === undefined || c < 0x30 || c > 0x39) return -1;
    const first = p;
    do {
      if (digits < 15) hi = hi * 10 + (c - 0x30);
      else lo = lo * 10 + (c - 0x30);
      digits++;
      c = buf[++p];
    } while (c !== undefined && c >= 0x30 && c <= 0x39);
    decimals = p - first;
  }
  let k = decimals; // the value is w / 10^k, w the digits read as an integer
  if (c === 0x65 || c === 0x45) {
    c = buf[++p];
    const negativeExponent = c === 0x2d;
    if (c === 0x2b || c === 0x2d) c = buf[++p];
    if (c === undefined || c < 0x30 || c > 0x39) return -1;
    let exponent = 0;
    do {
      if (exponent < 10_000) exponent = exponent * 10 + (c - 0x30);
      c = buf[++p];
    } while (c !== undefined && c >= 0x30 && c <= 0x39);
    k = negativeExponent ? k + exponent : k - exponent;
  }
  let value = Number.NaN;
  if (digits <= 15) {
    // Clinger's fast path: exact operands, one correctly rounded operation.
    if (k >= 0 && k <= 22) value = k === 0 ? hi : hi / POW10[k]!;
    else if (k < 0 && k >= -22) value = hi * POW10[-k]!;
  } else if (digits <= 19 && k >= 0 && k <= 22 && (hi !== 0 || lo !== 0)) {
    // (All zeros over 16+ positions, e.g. "0.0000000000000000", go to Number() below.)
    value = extendedQuotient(hi, lo, digits - 15, k);
  }
  // Anything else (more digits, far exponents, a near-tie): what JSON.parse does.
  if (Number.isNaN(value)) value = numberOfSlice(buf, negative ? start + 1 : start, p);
  out[index] = negative ? -value : value;
  return p;
}
