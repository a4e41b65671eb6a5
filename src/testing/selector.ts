/** A label matcher of a selector. */
interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/** Canned data for the fake: one series and its float samples. */
export interface FakeSeries {
  /** Labels, `__name__` included. */
  labels: Record<string, string>;
  /** `[unix seconds, value]` pairs in time order. */
  samples: ReadonlyArray<readonly [number, number]>;
}

const SELECTOR = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$/s;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/gy;

/**
 * Parses the subset of PromQL the fake understands: a plain series selector such as
 * `up`, `up{job="api"}` or `{__name__=~"http_.*", code!="500"}`. Returns undefined otherwise.
 */
export function parseSelector(promql: string): Matcher[] | undefined {
  const match = SELECTOR.exec(promql);
  if (!match || (match[1] === undefined && match[2] === undefined)) return undefined;
  const matchers: Matcher[] = [];
  if (match[1] !== undefined) matchers.push({ name: "__name__", op: "=", value: match[1] });
  const body = match[2]?.trim() ?? "";
  MATCHER.lastIndex = 0;
  let consumed = 0;
  while (consumed < body.length) {
    const m = MATCHER.exec(body);
    if (!m) return undefined;
    matchers.push({ name: m[1]!, op: m[2] as Matcher["op"], value: JSON.parse(`"${m[3]!}"`) as string });
    consumed = MATCHER.lastIndex;
  }
  return matchers;
}

/** Whether a label set satisfies every matcher (regexes anchored, as in PromQL). */
export function matches(labels: Record<string, string>, matchers: readonly Matcher[]): boolean {
  return matchers.every(({ name, op, value }) => {
    const actual = labels[name] ?? "";
    switch (op) {
      case "=":
        return actual === value;
      case "!=":
        return actual !== value;
      case "=~":
        return new RegExp(`^(?:${value})$`).test(actual);
      default:
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

/**
 * Whether some matcher fails on the empty string, i.e. the selector names what it wants.
 * Prometheus refuses selectors without one (`{}`, `{job!="x"}`), which would select everything.
 */
export function hasNonEmptyMatcher(matchers: readonly Matcher[]): boolean {
  return matchers.some((m) => !matches({}, [m]));
}

/** A body of Prometheus 3's escaped names: `__`, `_<1 to 6 hex digits>_` or any other character. */
const ESCAPED = /^(?:[^_]|__|_[0-9a-fA-F]{1,6}_)*$/;

/**
 * Decodes a label name of `/api/v1/label/<name>/values` as Prometheus 3 does: after a `U__`
 * prefix, `__` is `_` and `_<hex>_` is that code point (`U__http_2e_status` → `http.status`).
 * A malformed escape leaves the name as it came, as Prometheus' UnescapeName.
 */
export function unescapeLabelName(name: string): string {
  if (!name.startsWith("U__") || !ESCAPED.test(name.slice(3))) return name;
  let valid = true;
  const decoded = name.slice(3).replace(/__|_([0-9a-fA-F]+)_/g, (_, hex: string | undefined) => {
    if (hex === undefined) return "_";
    const code = Number.parseInt(hex, 16);
    // Not a code point UTF-8 can carry (a surrogate, or past U+10FFFF): Go refuses the name.
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) valid = false;
    return valid ? String.fromCodePoint(code) : "";
  });
  return valid ? decoded : name;
}

/** The latest sample at or before `time` within the lookback window, as PromQL's instant selection. */
export function sampleAt(
  series: FakeSeries,
  time: number,
  lookbackSeconds: number,
): readonly [number, number] | undefined {
  let found: readonly [number, number] | undefined;
  for (const sample of series.samples) {
    if (sample[0] > time) break;
    if (sample[0] > time - lookbackSeconds) found = sample;
  }
  return found;
}
