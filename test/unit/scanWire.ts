/**
 * Writes Prometheus query bodies in all the ways a server (or a proxy re-encoding them) may:
 * keys in any order, whitespace and newlines anywhere, strings escaped or raw, numbers in every
 * notation JSON allows. Used by the scanner tests to compare it with the reference path.
 */
import fc from "fast-check";

/** One series as it goes on the wire: values already as Prometheus strings. */
export interface WireSeries {
  metric: Record<string, string> | null;
  values: Array<[timestamp: string, value: string]>;
}

/** How to lay the body out. */
export interface Layout {
  /** Whitespace put between tokens (cycled); "" for compact. */
  spaces: string[];
  /** Write non-ASCII as \u escapes (surrogate pairs beyond the BMP), and "/" as "\/". */
  escapeUnicode: boolean;
  /** `data` before `status`. */
  dataFirst: boolean;
  /** `result` before `resultType`. */
  resultFirst: boolean;
  /** `values` before `metric` in each series. */
  valuesFirst: boolean;
  /** Where warnings go: not at all, before everything, between status and data, or last. */
  warningsAt: "none" | "first" | "middle" | "last";
  warnings: string[];
  infos: string[];
  /** Keys the decoder ignores, put into the envelope, data and series objects. */
  extraKeys: boolean;
  /** A `stats` object in data. */
  stats: boolean;
}

/** Encodes a string as JSON, optionally escaping everything outside printable ASCII. */
export function jsonString(text: string, escapeUnicode: boolean): string {
  if (!escapeUnicode) return JSON.stringify(text);
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i); // UTF-16 units: astral characters come out as surrogate pairs
    const ch = text[i]!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "/") out += "\\/";
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Writes a whole body with the layout. */
export function writeBody(series: WireSeries[], layout: Layout): string {
  let k = 0;
  const ws = () => (layout.spaces.length === 0 ? "" : layout.spaces[k++ % layout.spaces.length]!);
  const str = (text: string) => jsonString(text, layout.escapeUnicode);
  const obj = (entries: Array<[string, string]>) =>
    `{${ws()}${entries.map(([key, value]) => `${str(key)}${ws()}:${ws()}${value}`).join(`${ws()},${ws()}`)}${ws()}}`;
  const arr = (items: string[]) => `[${ws()}${items.join(`${ws()},${ws()}`)}${ws()}]`;
  const extra = (): Array<[string, string]> =>
    layout.extraKeys ? [["x_extra", arr(['{"nested":[1,2,{"a":"]}"}]}', "null", "true", "-1.5e3"])]] : [];

  const wireSeries = series.map((s) => {
    const metric: [string, string] = [
      "metric",
      s.metric === null ? "null" : obj(Object.entries(s.metric).map(([n, v]) => [n, str(v)])),
    ];
    const values: [string, string] = ["values", arr(s.values.map(([t, v]) => arr([t, str(v)])))];
    return obj(layout.valuesFirst ? [values, ...extra(), metric] : [metric, values, ...extra()]);
  });
  const result: [string, string] = ["result", arr(wireSeries)];
  const resultType: [string, string] = ["resultType", str("matrix")];
  const dataEntries: Array<[string, string]> = layout.resultFirst
    ? [result, resultType]
    : [resultType, result];
  if (layout.stats) dataEntries.push(["stats", obj([["timings", obj([["evalTotalTime", "0.01"]])]])]);
  dataEntries.push(...extra());
  const status: [string, string] = ["status", str("success")];
  const data: [string, string] = ["data", obj(dataEntries)];
  const entries: Array<[string, string]> = layout.dataFirst ? [data, status] : [status, data];
  const warnings: [string, string] = ["warnings", arr(layout.warnings.map(str))];
  if (layout.warningsAt === "first") entries.unshift(warnings);
  if (layout.warningsAt === "middle") entries.splice(1, 0, warnings);
  if (layout.warningsAt === "last") entries.push(warnings);
  if (layout.infos.length > 0) entries.splice(1, 0, ["infos", arr(layout.infos.map(str))]);
  entries.push(...extra());
  return `${ws()}${obj(entries)}${ws()}`;
}

/** Label names and values that stress string handling. */
const labelText = fc.oneof(
  fc.constantFrom(
    "job",
    "__name__",
    "__proto__",
    "constructor",
    "Zürich",
    "東京",
    "emoji 🚀 here",
    'quote " and \\ backslash',
    "tab\tnewline\n",
    "slash /",
    "",
  ),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ maxLength: 8 }),
);

/** Timestamps as JSON numbers: integers, milliseconds, and exponent forms JSON allows. */
const timestamp = fc.oneof(
  fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }).map(String),
  fc.integer({ min: 1_000_000_000_000, max: 2_000_000_000_000 }).map((ms) => String(ms / 1000)),
  fc.constantFrom("1.7e9", "1.7000000001E+9", "17000000000e-1", "0", "-1.5", "1700000000.000", "0.001"),
);

/** Values as Prometheus strings: Go's shortest formats, special floats, and odder spellings. */
const value = fc.oneof(
  fc.double({ noNaN: true }).map(goStyle),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(goStyle),
  fc.integer().map(String),
  fc.constantFrom("NaN", "+Inf", "-Inf", "-0", "0", "1e-07", "1.5E+21", "0.30000000000000004", "007", "1.0"),
);

/** Go writes exponents with at least two digits. */
export function goStyle(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return Object.is(v, -0) ? "-0" : String(v);
}

/** Random series: labels, missing leading points (shorter or empty series), any numbers. */
export const seriesArb: fc.Arbitrary<WireSeries[]> = fc.array(
  fc.record({
    metric: fc.oneof(
      { weight: 9, arbitrary: fc.dictionary(labelText, labelText, { maxKeys: 6 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    values: fc.array(fc.tuple(timestamp, value), { maxLength: 30 }),
  }),
  { maxLength: 6 },
);

/** Random layouts. */
export const layoutArb: fc.Arbitrary<Layout> = fc.record({
  spaces: fc.oneof(
    fc.constant<string[]>([]),
    fc.array<string>(fc.constantFrom(" ", "\n", "\t", "\r\n", "  ", ""), { maxLength: 5 }),
  ),
  escapeUnicode: fc.boolean(),
  dataFirst: fc.boolean(),
  resultFirst: fc.boolean(),
  valuesFirst: fc.boolean(),
  warningsAt: fc.constantFrom("none", "first", "middle", "last"),
  warnings: fc.array(labelText, { maxLength: 2 }),
  infos: fc.array(labelText, { maxLength: 2 }),
  extraKeys: fc.boolean(),
  stats: fc.boolean(),
});

/** The plainest layout. */
export const COMPACT: Layout = {
  spaces: [],
  escapeUnicode: false,
  dataFirst: false,
  resultFirst: false,
  valuesFirst: false,
  warningsAt: "none",
  warnings: [],
  infos: [],
  extraKeys: false,
  stats: false,
};
