/**
 * The fast decoder of /api/v1/query_range (and matrix /api/v1/query) bodies: one pass over the
 * bytes, samples written straight into `Float64Array`s, labels through `JSON.parse` on their slice.
 *
 * It handles the shapes Prometheus-compatible servers write (keys in any order, whitespace,
 * warnings and infos anywhere) and gives up on anything else (error envelopes, vectors, scalars,
 * strings, native histograms, escaped keys, odd numbers, invalid JSON): the caller then decodes
 * the body with the valibot-validated reference path, which also produces the error a person can
 * act on. So it never returns what the reference path would not.
 *
 * Vectors go to the reference path on purpose: an instant vector is mostly labels, one sample a
 * series, and one `JSON.parse` of the whole body builds label objects faster than one call per
 * slice (measured: 11 ms against 21–32 ms for 5,000 samples of 25 labels).
 */
import type { DecodedBody } from "../transport/decoder.ts";
import { withPartial } from "./envelope.ts";
import {
  bail,
  CLOSE_ARRAY,
  COMMA,
  lastAscii,
  OPEN_ARRAY,
  parseSlice,
  QUOTE,
  ScanBail,
  skipString,
  skipValue,
  skipWs,
} from "./scanBytes.ts";
import { bytesEqual, Key, KeyReader } from "./scanKeys.ts";
import { type Columns, releaseScratch, scanValues } from "./scanSamples.ts";
import { type Labels, type QueryData, RangeSeries } from "./types.ts";

/** What the scanner made of a body: the decoded body, or why it gave up. */
export type ScanOutcome<T> = { ok: true; decoded: DecodedBody<T> } | { ok: false; reason: string };

class QueryScanner {
  readonly #buf: Buffer;
  readonly #envelope: KeyReader;
  readonly #data: KeyReader;
  readonly #element: KeyReader;
  readonly #columns: Columns = { timestamps: new Float64Array(0), values: new Float64Array(0) };

  constructor(body: Uint8Array) {
    this.#buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.#envelope = new KeyReader(this.#buf);
    this.#data = new KeyReader(this.#buf);
    this.#element = new KeyReader(this.#buf);
  }

  /** Reads the envelope; `status` must be "success" (error envelopes go to the reference path). */
  run(): DecodedBody<QueryData> {
    const buf = this.#buf;
    const envelope = this.#envelope;
    let success = false;
    let data: QueryData | undefined;
    let warnings: string[] = [];
    let infos: string[] = [];
    let partial = false;
    envelope.open(skipWs(buf, 0));
    while (envelope.next()) {
      const p = envelope.pos;
      switch (envelope.key) {
        case Key.status:
          if (buf[p] !== QUOTE) bail("status is not a string");
          envelope.pos = skipString(buf, p);
          success = bytesEqual(buf, p + 1, envelope.pos - 1, "success");
          if (!success) bail("status is not success");
          break;
        case Key.data:
          data = this.#readData(p);
          envelope.pos = this.#data.pos;
          break;
        case Key.warnings:
          warnings = this.#readMessages(p);
          envelope.pos = this.#end;
          break;
        case Key.infos:
          infos = this.#readMessages(p);
          envelope.pos = this.#end;
          break;
        case Key.errorType:
        case Key.error:
          // The reference path checks these are strings even on success.
          if (typeof this.#readAny(p) !== "string") bail(`${envelope.key} is not a string`);
          envelope.pos = this.#end;
          break;
        case Key.isPartial:
          partial = this.#readAny(p) === true;
          envelope.pos = this.#end;
          break;
        default:
          this.#readAny(p);
          envelope.pos = this.#end;
      }
    }
    if (skipWs(buf, envelope.pos) !== buf.length) bail("bytes after the envelope");
    if (!success || data === undefined) bail("no status or no data");
    return { ok: true, data, warnings: withPartial(warnings, partial), infos };
  }

  /** End of the value last read by {@link QueryScanner.readAny}. */
  #end = 0;

  /** Any JSON value at `p`, validated and parsed; `#end` is set after it. */
  #readAny(p: number): unknown {
    this.#end = skipValue(this.#buf, p);
    return parseSlice(this.#buf, p, this.#end, lastAscii);
  }

  /** `warnings` or `infos`: null or an array of strings. */
  #readMessages(p: number): string[] {
    const value = this.#readAny(p);
    if (value === null) return [];
    if (!Array.isArray(value) || !value.every((m) => typeof m === "string")) bail("bad warnings or infos");
    return value as string[];
  }

  #readData(p: number): QueryData {
    const buf = this.#buf;
    const reader = this.#data;
    let matrix = false;
    let result: RangeSeries[] | undefined;
    let stats: unknown;
    let hasStats = false;
    reader.open(p);
    while (reader.next()) {
      const at = reader.pos;
      switch (reader.key) {
        case Key.resultType: {
          if (buf[at] !== QUOTE) bail("resultType is not a string");
          reader.pos = skipString(buf, at);
          matrix = bytesEqual(buf, at + 1, reader.pos - 1, "matrix");
          if (!matrix) bail("resultType is not matrix");
          break;
        }
        case Key.result:
          result = this.#readResult(at);
          reader.pos = this.#end;
          break;
        case Key.stats:
          stats = this.#readAny(at);
          hasStats = true;
          reader.pos = this.#end;
          break;
        default:
          this.#readAny(at);
          reader.pos = this.#end;
      }
    }
    if (result === undefined || !matrix) bail("no result or no resultType");
    const data: QueryData = { resultType: "matrix", result };
    if (hasStats) data.stats = stats;
    return data;
  }

  /** The `result` array; `#end` is set after it. */
  #readResult(p: number): RangeSeries[] {
    const buf = this.#buf;
    if (buf[p] !== OPEN_ARRAY) bail("result is not an array");
    const result: RangeSeries[] = [];
    p = skipWs(buf, p + 1);
    if (buf[p] !== CLOSE_ARRAY) {
      for (;;) {
        result.push(this.#readElement(p));
        p = skipWs(buf, this.#element.pos);
        if (buf[p] === CLOSE_ARRAY) break;
        if (buf[p] !== COMMA) bail("expected , or ] in result");
        p = skipWs(buf, p + 1);
      }
    }
    this.#end = p + 1;
    return result;
  }

  /** One series; a vector sample (`value`) or a native histogram makes it give up. */
  #readElement(p: number): RangeSeries {
    const buf = this.#buf;
    const reader = this.#element;
    let metric: Labels = {};
    let columns: Columns | undefined;
    reader.open(p);
    while (reader.next()) {
      const at = reader.pos;
      switch (reader.key) {
        case Key.metric:
          metric = labels(this.#readAny(at));
          reader.pos = this.#end;
          break;
        case Key.values:
          reader.pos = scanValues(buf, at, this.#columns);
          columns = { timestamps: this.#columns.timestamps, values: this.#columns.values };
          break;
        case Key.value:
          bail("a vector sample");
          break;
        case Key.histogram:
        case Key.histograms:
          bail("native histograms");
          break;
        default:
          this.#readAny(at);
          reader.pos = this.#end;
      }
    }
    columns ??= { timestamps: new Float64Array(0), values: new Float64Array(0) };
    return new RangeSeries(metric, columns.timestamps, columns.values);
  }
}

/** A label set as the reference path accepts it: `null` means none; else an object of strings. */
function labels(value: unknown): Labels {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) bail("metric is not an object");
  for (const name in value) {
    if (typeof (value as Record<string, unknown>)[name] !== "string") bail("label value is not a string");
  }
  return value as Labels;
}

/**
 * Decodes a query or query_range body on the fast path, or says why it gave up (the caller then
 * uses the reference decoder). Never throws.
 */
export function scanQuery(body: Uint8Array): ScanOutcome<QueryData> {
  try {
    return { ok: true, decoded: new QueryScanner(body).run() };
  } catch (error) {
    // A bail is expected; anything else would be a scanner bug, and the reference path still decodes.
    return {
      ok: false,
      reason: error instanceof ScanBail ? error.reason : `scanner error: ${String(error)}`,
    };
  } finally {
    releaseScratch();
  }
}
