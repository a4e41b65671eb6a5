import * as v from "valibot";
import { type BodyDecoder, envelopeDecoder } from "../../transport/decoder.ts";
import { DecodeError } from "../DecodeError.ts";
import { formatSampleValue, parseSampleValue } from "../numbers.ts";
import type { Labels } from "../types.ts";

/*
 * Building blocks of the schemas of the non-query endpoints. Objects are `looseObject`s: servers
 * add fields (Thanos' `partialResponseStrategy`, VictoriaMetrics' `totalSeries`, newer Prometheus
 * versions' own), and those are kept in the output rather than refused or dropped.
 */

function isLabels(input: unknown): input is Labels {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return false;
  for (const key in input) {
    if (typeof (input as Record<string, unknown>)[key] !== "string") return false;
  }
  return true;
}

/**
 * A label set: any own key (Prometheus 3 allows any UTF-8 label name, and `constructor` or
 * `__proto__` are valid ones) mapped to a string. The parsed object is kept as it is:
 * `v.record` would drop `__proto__`, `prototype` and `constructor`.
 */
export const LabelsSchema = v.custom<Labels>(isLabels, "expected an object of string label values");

/** A label set that a server may leave out or send as `null` (Go's nil map): then `{}`. */
export const OptionalLabelsSchema = v.nullish(LabelsSchema, (): Labels => ({}));

/**
 * A number a server sends as a JSON number or as a string (Prometheus writes sample values as
 * strings such as `"1e+00"`, `"NaN"` or `"+Inf"`; some servers quote 64-bit counts). Go's
 * special values are mapped: `Number("+Inf")` would be NaN.
 */
export const NumberSchema = v.pipe(
  v.union([v.number(), v.string()], "expected a number or a numeric string"),
  // v.number() refuses NaN, which is a legitimate value here: check by hand.
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const value = dataset.value;
    const n = typeof value === "number" ? value : parseSampleValue(value);
    if (n !== undefined) return n;
    // A long value is not quoted at all: cut short, a credential a server echoed into it could
    // no longer be recognised and masked (a short one is quoted whole, and masked whole).
    const text = String(value);
    const got = text.length <= 40 ? JSON.stringify(text) : `a string of ${text.length} characters`;
    addIssue({ message: `expected a number or a numeric string, got ${got}` });
    return NEVER;
  }),
);

/**
 * Gives a decoded object whose `value` Prometheus writes as a string (an alert's, an exemplar's)
 * a `toJSON` that writes it so again — "+Inf", "NaN", "0.5" — so `JSON.stringify` keeps
 * Prometheus' shape and loses nothing: JSON has no NaN or Infinity, which would print as `null`.
 * Non-enumerable, so spreads, `Object.keys` and equality checks see only the data.
 */
export function withWireValue<T extends { value: number }>(item: T): T {
  Object.defineProperty(item, "toJSON", {
    value(this: T) {
      return { ...this, value: formatSampleValue(this.value) };
    },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return item;
}

/** An array a server may send as `null` (Go's nil slice) or leave out: then `[]`. */
export function list<T>(item: v.GenericSchema<unknown, T>) {
  return v.nullish(v.array(item), (): T[] => []);
}

/**
 * An object used as a map (metric name → metadata, flag → value), keeping every own key,
 * `__proto__` and `constructor` included (defined as own properties, never as the prototype).
 */
export function map<T>(value: v.GenericSchema<unknown, T>) {
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (input) => typeof input === "object" && input !== null && !Array.isArray(input),
      "expected an object",
    ),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const out: Record<string, T> = {};
      for (const key of Object.keys(dataset.value)) {
        const parsed = v.safeParse(value, dataset.value[key]);
        if (!parsed.success) {
          addIssue({ message: `${JSON.stringify(key)}: ${describeIssue(parsed.issues[0])}` });
          return NEVER;
        }
        Object.defineProperty(out, key, {
          value: parsed.output,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }),
  );
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Validates `data` against `schema`, or throws a DecodeError naming where the shape went wrong. */
export function parseData<T>(schema: v.GenericSchema<unknown, T>, data: unknown): T {
  const parsed = v.safeParse(schema, data);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = v.getDotPath(issue);
  throw new DecodeError(`data${path ? `.${path}` : ""}: ${issue.message}`);
}

/** A body decoder: the shared envelope, then `data` validated by `schema`. */
export function schemaDecoder<T>(schema: v.GenericSchema<unknown, T>): BodyDecoder<T> {
  return envelopeDecoder((data) => parseData(schema, data));
}
