import { ApiResponse } from "../../../src/decode/response.ts";
import { InstantSample, type NativeHistogram, RangeSeries, ScalarSample } from "../../../src/decode/types.ts";

/**
 * Checks shared by the fuzz properties: nothing polluted a built-in prototype, and a decoded
 * result has exactly the shape its types promise.
 */

const PROTOTYPES: Array<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
  ["Number.prototype", Number.prototype],
  ["Float64Array.prototype", Float64Array.prototype],
];
const baseline = new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).length]));

/** Throws when a built-in prototype gained or lost a property, or `({}).polluted` exists. */
export function assertNoPollution(): void {
  for (const [name, proto] of PROTOTYPES) {
    if (Reflect.ownKeys(proto).length !== baseline.get(name)) throw new Error(`${name} was changed`);
  }
  const probe = {} as Record<string, unknown>;
  if (probe.polluted !== undefined || ([] as unknown as Record<string, unknown>).polluted !== undefined) {
    throw new Error("a plain object inherits 'polluted'");
  }
  if (Object.getPrototypeOf(probe) !== Object.prototype) throw new Error("the prototype of {} changed");
}

function fail(what: string): never {
  throw new Error(`bad decoded value: ${what}`);
}

function checkLabels(metric: unknown, where: string): void {
  if (typeof metric !== "object" || metric === null || Array.isArray(metric))
    fail(`${where}.metric is not an object`);
  const proto = Object.getPrototypeOf(metric);
  if (proto !== Object.prototype && proto !== null) fail(`${where}.metric has a foreign prototype`);
  for (const key of Object.keys(metric)) {
    if (typeof (metric as Record<string, unknown>)[key] !== "string")
      fail(`${where}.metric.${key} is not a string`);
  }
}

function checkHistogram(h: NativeHistogram | undefined, where: string): void {
  if (h === undefined) return;
  if (typeof h.count !== "number" || typeof h.sum !== "number") fail(`${where} count/sum`);
  if (!Array.isArray(h.buckets)) fail(`${where}.buckets`);
  for (const b of h.buckets)
    if (!Array.isArray(b) || b.length !== 4 || b.some((x) => typeof x !== "number")) fail(where);
}

/** Checks a decoded query result; `matrixOnly` for query_range. */
export function checkQueryData(data: unknown, matrixOnly: boolean): void {
  const d = data as { resultType?: unknown; result?: unknown };
  if (matrixOnly && d.resultType !== "matrix") fail(`query_range gave a ${String(d.resultType)}`);
  switch (d.resultType) {
    case "vector":
      if (!Array.isArray(d.result)) fail("vector result");
      for (const s of d.result) {
        if (!(s instanceof InstantSample)) fail("vector element");
        checkLabels(s.metric, "vector");
        if (!Number.isFinite(s.timestamp)) fail("vector timestamp");
        if (typeof s.value !== "number") fail("vector value");
        checkHistogram(s.histogram, "vector histogram");
      }
      break;
    case "matrix":
      if (!Array.isArray(d.result)) fail("matrix result");
      for (const s of d.result) {
        if (!(s instanceof RangeSeries)) fail("matrix element");
        checkLabels(s.metric, "matrix");
        if (!(s.timestamps instanceof Float64Array) || !(s.values instanceof Float64Array))
          fail("matrix columns");
        if (s.timestamps.length !== s.values.length) fail("matrix column lengths");
        if (!s.timestamps.every(Number.isFinite)) fail("matrix timestamps");
        if (s.histograms) {
          if (s.histograms.timestamps.length !== s.histograms.histograms.length) fail("histogram columns");
          for (const h of s.histograms.histograms) checkHistogram(h, "matrix histogram");
        }
      }
      break;
    case "scalar":
      if (!(d.result instanceof ScalarSample) || typeof d.result.value !== "number") fail("scalar");
      if (!Number.isFinite(d.result.timestamp)) fail("scalar timestamp");
      break;
    case "string":
      if (!(d.result instanceof ScalarSample) || typeof d.result.value !== "string") fail("string");
      break;
    default:
      fail(`resultType ${String(d.resultType)}`);
  }
  // The wire shape can always be written back.
  JSON.stringify(new ApiResponse(data, [], []));
}

/** Checks warnings or infos: an array of strings. */
export function checkMessages(messages: unknown, what: string): void {
  if (!Array.isArray(messages) || messages.some((m) => typeof m !== "string")) fail(what);
}
