import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/**
 * Building series selectors from variables without PromQL injection: label values are escaped,
 * names that are not legacy identifiers are quoted as Prometheus 3 reads them
 * (`{"my.metric", "label.name"="v"}`).
 */

/** A regular expression for `=~`/`!~`: RE2 source text or a RegExp (anchored by Prometheus). */
export type MatcherPattern = string | RegExp;

/**
 * How one label is matched: a string is `=`, a RegExp is `=~`; the object forms give the
 * operator explicitly. `undefined` leaves the label out (handy for optional filters).
 */
export type MatcherValue =
  | string
  | RegExp
  | {
      /** `=`: equal to this value. */
      eq: string;
    }
  | {
      /** `!=`: not equal to this value. */
      ne: string;
    }
  | {
      /** `=~`: fully matching this regular expression. */
      re: MatcherPattern;
    }
  | {
      /** `!~`: not fully matching this regular expression. */
      nre: MatcherPattern;
    }
  | undefined;

/** Label name → how it is matched, in insertion order. */
export type Matchers = Readonly<Record<string, MatcherValue>>;

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Words the PromQL lexer reads as keywords (case-insensitively) in any Prometheus version, and
 * the number literals `inf`/`nan`: a metric with such a name is written `{__name__="sum"}`.
 * `constructor` and `__proto__` are no keywords, but lezer-promql (the local syntax check)
 * looks words up in a plain object and trips over them.
 */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "atan2",
  "sum",
  "avg",
  "count",
  "min",
  "max",
  "group",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "count_values",
  "quantile",
  "limitk",
  "limit_ratio",
  "offset",
  "smoothed",
  "anchored",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "fill",
  "fill_left",
  "fill_right",
  "bool",
  "start",
  "end",
  "step",
  "range",
  "max_of",
  "min_of",
  "inf",
  "nan",
  "constructor",
  "__proto__",
]);

/**
 * Escapes text for a PromQL double-quoted string (without the quotes): backslash, double quote,
 * newline, carriage return and tab as `\\ \" \n \r \t`, other control characters as `\uXXXX`.
 * U+FFFD is written `\ufffd` because Prometheus' lexer takes a raw one for invalid UTF-8, and a
 * lone UTF-16 surrogate (which cannot be sent as UTF-8) becomes `\ufffd` too, as any URL encoding
 * of it would.
 *
 * @example
 * ```ts
 * const q = `kube_pod_info{namespace="${escapeLabelValue(ns)}"}`;
 * ```
 */
export function escapeLabelValue(value: string): string {
  if (typeof value !== "string") throw new InvalidArgumentError("value", "a label value must be a string");
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
        else if (code === 0xfffd || (code >= 0xd800 && code <= 0xdfff)) out += "\\ufffd";
        else out += char;
    }
  }
  return out;
}

/** `"text"`, escaped. */
function quote(text: string): string {
  return `"${escapeLabelValue(text)}"`;
}

/** A label name as a matcher's left side: bare when a legacy identifier, quoted otherwise. */
function formatLabelName(name: string): string {
  return LEGACY_LABEL_NAME.test(name) ? name : quote(name);
}

/**
 * A RegExp's source for PromQL. JavaScript's `i`, `m` and `s` flags become RE2's inline
 * `(?ims)`; without `s`, a source with a `.` gets `(?-s)`: Prometheus 3 and Mimir 2.15 let `.`
 * match a newline unless told otherwise, where the RegExp does not (on Prometheus 2 it changes
 * nothing). `g`, `y`, `d`, `u` and `v` change nothing for a matcher and are ignored.
 */
function regexSource(pattern: MatcherPattern, label: string): string {
  if (typeof pattern === "string") return pattern;
  if (!(pattern instanceof RegExp)) {
    throw new InvalidArgumentError(
      "matchers",
      `the pattern for ${JSON.stringify(label)} must be a string or a RegExp`,
    );
  }
  const flags = [...pattern.flags].filter((f) => f === "i" || f === "m" || f === "s").join("");
  const off = flags.includes("s") || !hasDot(pattern.source) ? "" : "-s";
  return flags || off ? `(?${flags}${off})${pattern.source}` : pattern.source;
}

/** Whether a RegExp source has a `.` wildcard (not escaped, not in a character class). */
function hasDot(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === ".") return true;
  }
  return false;
}

/** One `name op "value"` matcher. */
function formatMatcher(name: string, value: Exclude<MatcherValue, undefined>): string {
  const left = formatLabelName(name);
  if (typeof value === "string") return `${left}=${quote(value)}`;
  if (value instanceof RegExp) return `${left}=~${quote(regexSource(value, name))}`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      if ("eq" in value && typeof value.eq === "string") return `${left}=${quote(value.eq)}`;
      if ("ne" in value && typeof value.ne === "string") return `${left}!=${quote(value.ne)}`;
      if ("re" in value) return `${left}=~${quote(regexSource(value.re, name))}`;
      if ("nre" in value) return `${left}!~${quote(regexSource(value.nre, name))}`;
    }
  }
  throw new InvalidArgumentError(
    "matchers",
    `the matcher for ${JSON.stringify(name)} must be a string, a RegExp, or one of { eq }, { ne }, { re }, { nre }`,
  );
}

/**
 * Builds a series selector. The metric name is optional; label values are escaped and names
 * that are not legacy identifiers are quoted (Prometheus 3's UTF-8 syntax). Keys whose value is
 * `undefined` are left out. Throws an InvalidArgumentError when nothing would be selected.
 *
 * @example
 * ```ts
 * selector("http_requests_total", { namespace: 'a"b', job: new RegExp("api-.*"), code: { ne: "500" } });
 * // http_requests_total{namespace="a\"b",job=~"api-.*",code!="500"}
 * selector({ "service.name": "checkout" }); // {"service.name"="checkout"}
 * selector("my.metric");                    // {"my.metric"}
 * ```
 */
export function selector(metric: string | undefined, matchers?: Matchers): string;
/** Builds a selector from label matchers only. */
export function selector(matchers: Matchers): string;
export function selector(first: string | Matchers | undefined, second?: Matchers): string {
  const metric = typeof first === "string" || first === undefined ? first : undefined;
  const matchers = typeof first === "object" && first !== null ? first : second;
  if (
    matchers !== undefined &&
    (typeof matchers !== "object" || matchers === null || Array.isArray(matchers))
  ) {
    throw new InvalidArgumentError("matchers", "matchers must be an object of label name → value");
  }
  const parts: string[] = [];
  let prefix = "";
  if (metric !== undefined) {
    if (metric.length === 0) throw new InvalidArgumentError("metric", "the metric name must not be empty");
    if (!LEGACY_METRIC_NAME.test(metric)) parts.push(quote(metric));
    else if (KEYWORDS.has(metric.toLowerCase())) parts.push(`__name__=${quote(metric)}`);
    else prefix = metric;
  }
  for (const [name, value] of Object.entries(matchers ?? {})) {
    if (value === undefined) continue;
    if (name.length === 0) throw new InvalidArgumentError("matchers", "a label name must not be empty");
    parts.push(formatMatcher(name, value));
  }
  if (prefix === "" && parts.length === 0) {
    throw new InvalidArgumentError("matchers", "a selector needs a metric name or at least one matcher");
  }
  if (parts.length === 0) return prefix;
  return `${prefix}{${parts.join(",")}}`;
}
