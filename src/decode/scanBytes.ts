/**
 * Byte-level helpers of the sample scanner: JSON whitespace, strings, and finding where a value
 * ends. The scanner only handles the plain shapes Prometheus-compatible servers write; anything
 * else makes it give up (`bail`), and the caller decodes the body with the reference path.
 */

/** Thrown inside the scanner to give up; never escapes {@link scanQueryBody}. */
export class ScanBail {
  /** Why the scanner gave up (for tests and debugging; never shown to users). */
  reason: string;
  /** Records the reason. */
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** Gives up on the fast path: the body goes to the reference decoder. */
export function bail(reason: string): never {
  throw new ScanBail(reason);
}

/** `"` */
export const QUOTE = 0x22;
/** `,` */
export const COMMA = 0x2c;
/** `:` */
export const COLON = 0x3a;
/** `[` */
export const OPEN_ARRAY = 0x5b;
/** `]` */
export const CLOSE_ARRAY = 0x5d;
/** `{` */
export const OPEN_OBJECT = 0x7b;
/** `}` */
export const CLOSE_OBJECT = 0x7d;
const BACKSLASH = 0x5c;

/** Skips JSON whitespace (space, tab, newline, carriage return) from `p`; returns the next position. */
export function skipWs(buf: Uint8Array, p: number): number {
  let c = buf[p];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++p];
  return p;
}

/** Set by {@link skipString} and {@link skipValue}: whether the bytes they passed were all ASCII. */
export let lastAscii = true;
/** Set by {@link skipString}: whether the string held an escape sequence. */
export let lastEscaped = false;

/**
 * Skips a string whose opening quote is at `p`; returns the position after the closing quote.
 * Escapes are stepped over (`JSON.parse` checks them later where the text matters); raw control
 * characters, which JSON forbids, make the scanner give up.
 */
export function skipString(buf: Uint8Array, p: number): number {
  let ascii = 0;
  let escaped = false;
  const n = buf.length;
  for (p++; p < n; p++) {
    const c = buf[p]!;
    if (c === QUOTE) {
      lastAscii = ascii < 0x80;
      lastEscaped = escaped;
      return p + 1;
    }
    if (c === BACKSLASH) {
      escaped = true;
      p++;
    } else if (c < 0x20) bail("control character in a string");
    ascii |= c;
  }
  return bail("unterminated string");
}

/**
 * Finds the end of the JSON value starting at `p` (after whitespace) by matching brackets and
 * stepping over strings. It does not check grammar: callers hand the slice to `JSON.parse`.
 * Returns the position after the value.
 */
export function skipValue(buf: Uint8Array, p: number): number {
  const n = buf.length;
  let ascii = true;
  let c = buf[p];
  if (c === QUOTE) return skipString(buf, p);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    // A literal or a number: runs until a delimiter.
    while (p < n) {
      c = buf[p]!;
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c <= 0x20) break;
      p++;
    }
    lastAscii = true;
    return p;
  }
  let depth = 0;
  while (p < n) {
    c = buf[p]!;
    if (c === QUOTE) {
      p = skipString(buf, p);
      ascii &&= lastAscii;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) {
        lastAscii = ascii;
        return p + 1;
      }
    } else if (c >= 0x80) ascii = false;
    p++;
  }
  return bail("unterminated value");
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * The text of `buf[start..end)`. ASCII goes through Buffer's latin1 decoder (a one-byte string,
 * the cheapest); anything else through the same non-fatal UTF-8 decoder the reference path uses,
 * so invalid bytes become the same U+FFFD. Slices start and end at ASCII delimiters, so no
 * character is cut.
 */
export function sliceText(buf: Buffer, start: number, end: number, ascii: boolean): string {
  return ascii ? buf.toString("latin1", start, end) : utf8.decode(buf.subarray(start, end));
}

/** `JSON.parse` of a slice; gives up (rather than throw) when the slice is not valid JSON. */
export function parseSlice(buf: Buffer, start: number, end: number, ascii: boolean): unknown {
  try {
    return JSON.parse(sliceText(buf, start, end, ascii));
  } catch {
    return bail("invalid JSON in a slice");
  }
}
