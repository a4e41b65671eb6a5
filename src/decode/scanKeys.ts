/**
 * Object keys the scanner knows, matched on the bytes (no string is made for a key), and a
 * reader that walks an object's keys one by one with JSON's separators checked.
 */
import {
  bail,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  lastEscaped,
  OPEN_OBJECT,
  QUOTE,
  skipString,
  skipWs,
} from "./scanBytes.ts";

/** Names the scanner acts on, by id; any other key is skipped (after a validity check). */
export const KEY_NAMES = [
  "status",
  "data",
  "warnings",
  "infos",
  "errorType",
  "error",
  "resultType",
  "result",
  "stats",
  "metric",
  "values",
  "value",
  "histogram",
  "histograms",
  "isPartial",
] as const;

/** The id of a key the scanner does not act on. */
export const OTHER_KEY = -1;

/** Ids by name, for readable switches. */
export const Key = Object.fromEntries(KEY_NAMES.map((name, id) => [name, id])) as {
  readonly [K in (typeof KEY_NAMES)[number]]: number;
};

const KEY_BYTES = KEY_NAMES.map((name) => Uint8Array.from(name, (ch) => ch.charCodeAt(0)));

/** The id of the key in `buf[start..end)` (without quotes), or {@link OTHER_KEY}. */
function keyId(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  for (let id = 0; id < KEY_BYTES.length; id++) {
    const name = KEY_BYTES[id]!;
    if (name.length !== length || name[0] !== buf[start]) continue;
    let i = 1;
    while (i < length && name[i] === buf[start + i]) i++;
    if (i === length) return id;
  }
  return OTHER_KEY;
}

/**
 * Walks the keys of one object. `open()` at its `{`, then `next()` until it returns false; after
 * a true `next()`, `pos` is at the key's value and `key` holds its id. Duplicate known keys make
 * the scanner give up: `JSON.parse` keeps the last one, and a body that has them is not plain.
 */
export class KeyReader {
  /** Position in the body: at the value after `next()` returned true, after `}` at the end. */
  pos = 0;
  /** Id of the current key. */
  key = OTHER_KEY;
  #buf: Uint8Array;
  #seen = 0;
  #first = true;

  /** A reader over `buf`. */
  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  /** Starts an object whose `{` is at `p` (after whitespace). */
  open(p: number): void {
    if (this.#buf[p] !== OPEN_OBJECT) bail("expected an object");
    this.pos = p + 1;
    this.#seen = 0;
    this.#first = true;
  }

  /** Moves to the next key; false (with `pos` after the `}`) at the end of the object. */
  next(): boolean {
    const buf = this.#buf;
    let p = skipWs(buf, this.pos);
    let c = buf[p];
    if (c === CLOSE_OBJECT) {
      this.pos = p + 1;
      return false;
    }
    if (!this.#first) {
      if (c !== COMMA) bail("expected , or } in an object");
      p = skipWs(buf, p + 1);
      c = buf[p];
    }
    this.#first = false;
    if (c !== QUOTE) bail("expected a key");
    const end = skipString(buf, p);
    // An escaped key could spell a known name: only JSON.parse can tell.
    if (lastEscaped) bail("escaped key");
    const id = keyId(buf, p + 1, end - 1);
    if (id !== OTHER_KEY) {
      const bit = 1 << id;
      if (this.#seen & bit) bail("duplicate key");
      this.#seen |= bit;
    }
    this.key = id;
    p = skipWs(buf, end);
    if (buf[p] !== COLON) bail("expected : after a key");
    this.pos = skipWs(buf, p + 1);
    return true;
  }
}

/** Whether `buf[start..end)` (a string without its quotes) is exactly `text` (ASCII). */
export function bytesEqual(buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text.charCodeAt(i)) return false;
  return true;
}
