import { endianness } from "node:os";
import * as v from "valibot";
import { InstantSample, type NativeHistogram, RangeSeries, ScalarSample } from "../decode/types.ts";

/**
 * Turns a decoded result into a JSON-safe tree and back, exactly.
 *
 * Plain JSON loses what a Prometheus result is made of: NaN and ±Inf become `null`, -0 becomes 0,
 * a `Float64Array` becomes an object with numeric keys, and class instances lose their
 * prototype (so `toJSON()` and `length` vanish). The tree keeps them as single-key objects
 * whose key starts with `$` (tags):
 *
 * - `{"$n":"NaN"|"+Inf"|"-Inf"|"-0"}` a float JSON cannot hold;
 * - `{"$u":0}` undefined (kept so a property's presence survives);
 * - `{"$f64":"<base64>"}` a Float64Array, its bytes little-endian: exact to the bit, and 8 bytes a
 *   sample before base64 instead of a decimal string;
 * - `{"$is":[...]}`, `{"$rs":[...]}`, `{"$ss":[...]}` InstantSample, RangeSeries, ScalarSample;
 * - `{"$o":{...}}` a plain object that would itself look like a tag (one key starting with `$`).
 *
 * Anything else that is not plain data (a Map, a Date, another class) cannot be encoded: such a
 * result is simply not cached.
 */

/** The value is not plain data this codec knows; the result is served but not cached. */
export class UnencodableError extends Error {
  override name = "UnencodableError";
}

/** The stored tree is not one this codec writes: the entry is corrupt or foreign (a miss). */
export class CorruptEntryError extends Error {
  override name = "CorruptEntryError";
}

const LITTLE_ENDIAN = endianness() === "LE";

/** A Float64Array's bytes as little-endian base64. */
function float64ToBase64(array: Float64Array): string {
  const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  if (LITTLE_ENDIAN) return bytes.toString("base64");
  const copy = Buffer.from(bytes);
  copy.swap64();
  return copy.toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads little-endian base64 back into a fresh (8-byte aligned) Float64Array. */
function base64ToFloat64(text: string): Float64Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new CorruptEntryError("bad base64 in $f64");
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 8 !== 0) throw new CorruptEntryError("$f64 length is not a multiple of 8");
  if (!LITTLE_ENDIAN) bytes.swap64();
  const array = new Float64Array(bytes.length / 8);
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

/** Encodes a number, tagging those JSON cannot hold. */
function encodeNumber(n: number): unknown {
  if (Number.isFinite(n)) return Object.is(n, -0) ? { $n: "-0" } : n;
  if (Number.isNaN(n)) return { $n: "NaN" };
  return { $n: n > 0 ? "+Inf" : "-Inf" };
}

const SPECIAL_FLOATS: Record<string, number> = {
  NaN: Number.NaN,
  "+Inf": Number.POSITIVE_INFINITY,
  "-Inf": Number.NEGATIVE_INFINITY,
  "-0": -0,
};

/** Whether `value` is an object with a prototype of Object (or none): plain data. */
function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Encodes a value into the tagged JSON-safe tree; throws UnencodableError for what it cannot keep. */
export function encodeTree(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return encodeNumber(value);
    case "undefined":
      return { $u: 0 };
    case "object":
      break;
    default:
      throw new UnencodableError(`a ${typeof value} cannot be cached`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(encodeTree);
  if (value instanceof Float64Array) return { $f64: float64ToBase64(value) };
  if (value instanceof InstantSample) {
    return { $is: [value.metric, value.timestamp, value.value, value.histogram].map(encodeTree) };
  }
  if (value instanceof RangeSeries) {
    return { $rs: [value.metric, value.timestamps, value.values, value.histograms].map(encodeTree) };
  }
  if (value instanceof ScalarSample) return { $ss: [value.timestamp, value.value].map(encodeTree) };
  if (!isPlainObject(value)) {
    throw new UnencodableError(`a ${value.constructor?.name ?? "non-plain object"} cannot be cached`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(out, key, encodeTree(value[key]));
  const keys = Object.keys(out);
  return keys.length === 1 && keys[0]!.startsWith("$") ? { $o: out } : out;
}

// valibot's v.number() refuses NaN, which is a legitimate sample value here.
const Float = v.custom<number>((x) => typeof x === "number", "a number");
// Not v.record: it skips the keys `__proto__`, `prototype` and `constructor`, which are valid
// label names, so a stored entry could smuggle a non-string value in under them.
const Labels = v.custom<Record<string, string>>(
  (x) =>
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    Object.values(x).every((value) => typeof value === "string"),
  "labels",
);
const Float64 = v.instance(Float64Array);
const Histogram = v.strictObject({
  count: Float,
  sum: Float,
  buckets: v.array(v.tuple([Float, Float, Float, Float])),
});
const InstantParts = v.tuple([Labels, Float, Float, v.optional(Histogram)]);
const RangeParts = v.tuple([
  Labels,
  Float64,
  Float64,
  v.optional(v.strictObject({ timestamps: Float64, histograms: v.array(Histogram) })),
]);
const ScalarParts = v.tuple([Float, v.union([Float, v.string()])]);

/**
 * Checks `input` against `schema` or throws CorruptEntryError naming the tag. The input itself is
 * returned, not valibot's copy, so unusual label names (valibot skips `__proto__`) survive exactly.
 */
function parts<S extends v.GenericSchema>(schema: S, input: unknown, tag: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success) throw new CorruptEntryError(`malformed ${tag}: ${parsed.issues[0].message}`);
  return input as v.InferOutput<S>;
}

/** Sets an own property, also for the key `__proto__` (a valid label name), which `=` would not. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Rebuilds a tagged value. */
function decodeTag(tag: string, payload: unknown): unknown {
  switch (tag) {
    case "$n": {
      const n = typeof payload === "string" ? SPECIAL_FLOATS[payload] : undefined;
      if (n === undefined) throw new CorruptEntryError("unknown special float");
      return n;
    }
    case "$u":
      return undefined;
    case "$f64":
      if (typeof payload !== "string") throw new CorruptEntryError("$f64 is not a string");
      return base64ToFloat64(payload);
    case "$o":
      if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
        throw new CorruptEntryError("$o is not an object");
      }
      return decodeObject(payload as Record<string, unknown>);
    case "$is": {
      const [metric, timestamp, value, histogram] = parts(InstantParts, decodeTree(payload), tag);
      return new InstantSample(metric, timestamp, value, histogram as NativeHistogram | undefined);
    }
    case "$rs": {
      const [metric, timestamps, values, histograms] = parts(RangeParts, decodeTree(payload), tag);
      if (timestamps.length !== values.length) throw new CorruptEntryError("$rs columns differ in length");
      if (histograms && histograms.timestamps.length !== histograms.histograms.length) {
        throw new CorruptEntryError("$rs histogram columns differ in length");
      }
      return new RangeSeries(metric, timestamps, values, histograms as RangeSeries["histograms"]);
    }
    case "$ss": {
      const [timestamp, value] = parts(ScalarParts, decodeTree(payload), tag);
      return new ScalarSample(timestamp, value);
    }
    default:
      throw new CorruptEntryError(`unknown tag ${JSON.stringify(tag.slice(0, 20))}`);
  }
}

function decodeObject(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) setOwn(out, key, decodeTree(object[key]));
  return out;
}

/** Decodes a tree written by {@link encodeTree}; throws CorruptEntryError for anything else. */
export function decodeTree(tree: unknown): unknown {
  if (tree === null || typeof tree === "string" || typeof tree === "boolean") return tree;
  if (typeof tree === "number") {
    if (!Number.isFinite(tree)) throw new CorruptEntryError("a non-finite bare number");
    return tree;
  }
  if (Array.isArray(tree)) return tree.map(decodeTree);
  if (typeof tree !== "object") throw new CorruptEntryError(`a ${typeof tree} in the tree`);
  const keys = Object.keys(tree);
  if (keys.length === 1 && keys[0]!.startsWith("$")) {
    return decodeTag(keys[0]!, (tree as Record<string, unknown>)[keys[0]!]);
  }
  return decodeObject(tree as Record<string, unknown>);
}
