/**
 * The hot loop of the scanner: `[[ts, "v"], ...]` arrays read straight from the bytes into
 * `Float64Array`s, without materialising a pair array, a number box or a string per sample.
 */
import { bail, CLOSE_ARRAY, COMMA, OPEN_ARRAY, QUOTE, skipWs } from "./scanBytes.ts";
import { readDecimal } from "./scanNumber.ts";

const INITIAL_CAPACITY = 1024;
/** Scratch columns above this many samples are dropped after a body, not kept for the next. */
const RETAINED_CAPACITY = 1 << 15;

/**
 * Samples of the series being read. Reused across series (decoding is synchronous), then copied
 * out at the exact length: a series holds 16 bytes a sample and no spare capacity.
 */
let scratchTimes = new Float64Array(INITIAL_CAPACITY);
let scratchValues = new Float64Array(INITIAL_CAPACITY);

/** Exactly-sized copies of the columns of the series last read by {@link scanValues}. */
export interface Columns {
  timestamps: Float64Array;
  values: Float64Array;
}

/** Frees scratch columns that grew for one unusually long series. */
export function releaseScratch(): void {
  if (scratchTimes.length > RETAINED_CAPACITY) {
    scratchTimes = new Float64Array(INITIAL_CAPACITY);
    scratchValues = new Float64Array(INITIAL_CAPACITY);
  }
}

function grow(): void {
  const times = new Float64Array(scratchTimes.length * 2);
  times.set(scratchTimes);
  const values = new Float64Array(scratchValues.length * 2);
  values.set(scratchValues);
  scratchTimes = times;
  scratchValues = values;
}

/** `"NaN"`, `"+Inf"`, `"-Inf"` after the opening quote at `p - 1`, or -1. */
function readSpecial(buf: Uint8Array, p: number, out: Float64Array, index: number): number {
  const c = buf[p];
  if (c === 0x4e && buf[p + 1] === 0x61 && buf[p + 2] === 0x4e) {
    out[index] = Number.NaN;
    return p + 3;
  }
  if ((c === 0x2b || c === 0x2d) && buf[p + 1] === 0x49 && buf[p + 2] === 0x6e && buf[p + 3] === 0x66) {
    out[index] = c === 0x2b ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    return p + 4;
  }
  return -1;
}

/**
 * Reads a `values` array whose `[` is at `p` into fresh, exactly-sized columns (in `into`);
 * returns the position after its `]`. Gives up on anything but `[finite JSON number, "Prometheus
 * float"]` pairs, so the reference decoder reports it. One loop with the separators inlined:
 * this runs for every sample. A byte past the end reads as `undefined`, which fails every check.
 */
export function scanValues(buf: Uint8Array, p: number, into: Columns): number {
  // The caller stands on the value; anything but `[` (a string, a damaged byte) is not ours to read.
  if (buf[p] !== OPEN_ARRAY) bail("values is not an array");
  let n = 0;
  let times = scratchTimes;
  let values = scratchValues;
  p = skipWs(buf, p + 1);
  if (buf[p] !== CLOSE_ARRAY) {
    for (;;) {
      if (n === times.length) {
        grow();
        times = scratchTimes;
        values = scratchValues;
      }
      // [ ts , "v" ] with whitespace allowed between tokens.
      if (buf[p] !== OPEN_ARRAY) bail("expected a [timestamp, value] pair");
      let c = buf[++p];
      if (c! <= 0x20) p = skipWs(buf, p); // cheap test first: whitespace is rare
      p = readDecimal(buf, p, times, n, true);
      if (p < 0) bail("timestamp is not a plain number");
      const t = times[n]!;
      if (t - t !== 0) bail("timestamp is not finite");
      c = buf[p];
      if (c! <= 0x20) {
        p = skipWs(buf, p);
        c = buf[p];
      }
      if (c !== COMMA) bail("expected , in a pair");
      c = buf[++p];
      if (c! <= 0x20) {
        p = skipWs(buf, p);
        c = buf[p];
      }
      if (c !== QUOTE) bail("value is not a string");
      c = buf[++p];
      p =
        c === 0x4e || c === 0x2b || (c === 0x2d && buf[p + 1] === 0x49)
          ? readSpecial(buf, p, values, n)
          : readDecimal(buf, p, values, n, false);
      if (p < 0 || buf[p] !== QUOTE) bail("value is not a plain Prometheus float");
      c = buf[++p];
      if (c! <= 0x20) {
        p = skipWs(buf, p);
        c = buf[p];
      }
      if (c !== CLOSE_ARRAY) bail("expected ] after a pair");
      n++;
      c = buf[++p];
      if (c! <= 0x20) {
        p = skipWs(buf, p);
        c = buf[p];
      }
      if (c === COMMA) {
        c = buf[++p];
        if (c! <= 0x20) p = skipWs(buf, p);
        continue;
      }
      if (c === CLOSE_ARRAY) break;
      bail("expected , or ] in values");
    }
  }
  into.timestamps = scratchTimes.slice(0, n);
  into.values = scratchValues.slice(0, n);
  return p + 1;
}
