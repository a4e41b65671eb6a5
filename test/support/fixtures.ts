/**
 * The deterministic dataset backfilled into test Prometheus servers (`promtool tsdb create-blocks-from
 * openmetrics`). The series are data first; the OpenMetrics text is generated from them, so tests compare
 * decoded query results against the very numbers that were written.
 *
 * Timestamps lie years in the past (servers run with --storage.tsdb.retention.time=100y) because
 * Prometheus only accepts backfilled blocks older than what it scrapes itself. Always pass `time` (or
 * start/end) inside the fixture window when querying: the default 5-minute lookback from "now" sees nothing.
 */

/** Unix seconds of the first fixture sample (2023-11-14T22:13:20Z). */
export const FIXTURE_T0 = 1_700_000_000;

/** Spacing of the regular samples, in seconds. */
export const FIXTURE_STEP_SECONDS = 15;

/** Number of regular sample slots per series (some series leave slots empty). */
export const FIXTURE_POINTS = 40;

/** Unix seconds of the last fixture sample: FIXTURE_T0 + 39 × 15 = 1_700_000_585. */
export const FIXTURE_END = FIXTURE_T0 + (FIXTURE_POINTS - 1) * FIXTURE_STEP_SECONDS;

/** One sample: [unix seconds (may be fractional, millisecond precision), value]. */
export type FixtureSample = readonly [timestamp: number, value: number];

/** A backfilled series: its full label set (with `__name__`) and its samples in time order. */
export interface FixtureSeries {
  /** OpenMetrics family type, which decides the `# TYPE` line. */
  readonly type: "counter" | "gauge";
  /** All labels as Prometheus returns them in `metric`, `__name__` included. */
  readonly labels: Readonly<Record<string, string>>;
  /** Samples in increasing timestamp order. */
  readonly samples: readonly FixtureSample[];
}

/** Timestamp of regular slot `i`. */
function slot(i: number): number {
  return FIXTURE_T0 + i * FIXTURE_STEP_SECONDS;
}

/** Samples for every slot from `first` to the last one, valued by `value(i)`. */
function regular(value: (i: number) => number, first = 0): FixtureSample[] {
  const out: FixtureSample[] = [];
  for (let i = first; i < FIXTURE_POINTS; i++) out.push([slot(i), value(i)]);
  return out;
}

/** Counter, instance a / team-a: 100 + 15·i, i.e. exactly +1 per second. */
export const REQUESTS_A: FixtureSeries = {
  type: "counter",
  labels: { __name__: "fixture_requests_total", job: "api", instance: "a", namespace: "team-a" },
  samples: regular((i) => 100 + 15 * i),
};

/** Counter, instance b / team-b: 30·i, i.e. exactly +2 per second. */
export const REQUESTS_B: FixtureSeries = {
  type: "counter",
  labels: { __name__: "fixture_requests_total", job: "api", instance: "b", namespace: "team-b" },
  samples: regular((i) => 30 * i),
};

/**
 * Values of the temperature gauge that are hard to decode or print: the slot index → value. Prometheus 2.42
 * prints plain decimals except below 1e-6 or from 1e21 (as JavaScript does) but pads the exponent to two
 * digits: "1.5e-07" where JavaScript prints "1.5e-7". "+Inf" is NaN for parseFloat. This NaN is an
 * ordinary NaN, not the staleness marker.
 */
export const TEMPERATURE_SPECIAL_VALUES: ReadonlyMap<number, number> = new Map([
  [3, Number.NaN],
  [5, Number.POSITIVE_INFINITY],
  [7, Number.NEGATIVE_INFINITY],
  [9, 1.5e-7],
  [11, 6.02e23],
  [13, -273.15],
  [15, -0.5],
  [17, 1e-300],
  [19, -1.7976931348623157e308],
]);

/**
 * Gauge with awkward values, plus one sample at a fractional timestamp (T0 + 0.5 s, between slots 0 and
 * 1): 41 samples. Ordinary slots hold 20 + 0.25·i (exact in binary).
 */
export const TEMPERATURE: FixtureSeries = {
  type: "gauge",
  labels: { __name__: "fixture_temperature", sensor: "s1" },
  samples: [
    [FIXTURE_T0, 20],
    [FIXTURE_T0 + 0.5, 20.125],
    ...regular((i) => TEMPERATURE_SPECIAL_VALUES.get(i) ?? 20 + 0.25 * i, 1),
  ],
};

/** A label value with a quote, a backslash, a newline, and non-ASCII text, each escaped per OpenMetrics. */
export const ESCAPED_LABEL_VALUE = 'quote " backslash \\ newline \n end; unicode: Grüße, 日本, ✓, 🚀';

/** Gauge whose `text` label is ESCAPED_LABEL_VALUE; value i at slot i. */
export const ESCAPES: FixtureSeries = {
  type: "gauge",
  labels: { __name__: "fixture_label_escapes", text: ESCAPED_LABEL_VALUE },
  samples: regular((i) => i),
};

/** First slot that holds a sample in LATE_START (slots 0–9 are missing). */
export const LATE_START_FIRST_SLOT = 10;

/** Gauge with missing leading points: slots 10..39 only, value 1.5·i. */
export const LATE_START: FixtureSeries = {
  type: "gauge",
  labels: { __name__: "fixture_late_start", kind: "late" },
  samples: regular((i) => 1.5 * i, LATE_START_FIRST_SLOT),
};

/** Every fixture series, in the order they are written. */
export const FIXTURE_SERIES: readonly FixtureSeries[] = [
  REQUESTS_A,
  REQUESTS_B,
  TEMPERATURE,
  ESCAPES,
  LATE_START,
];

/** The series whose `__name__` is `name`, e.g. for comparing a query result. */
export function fixtureSeries(name: string): FixtureSeries[] {
  return FIXTURE_SERIES.filter((s) => s.labels.__name__ === name);
}

/** Prometheus' text form of a float, which is what promtool parses and the HTTP API returns for these. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** Escapes a label value for the OpenMetrics text format: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** The OpenMetrics family name: counters are declared without the `_total` suffix their samples carry. */
function familyName(series: FixtureSeries): string {
  const name = series.labels.__name__ ?? "";
  return series.type === "counter" ? name.replace(/_total$/, "") : name;
}

/** Renders `series` as OpenMetrics text: families kept contiguous, each series' samples in time order. */
export function toOpenMetrics(series: readonly FixtureSeries[] = FIXTURE_SERIES): string {
  const lines: string[] = [];
  const families = new Map<string, FixtureSeries[]>();
  for (const s of series) {
    const family = familyName(s);
    families.set(family, [...(families.get(family) ?? []), s]);
  }
  for (const [family, members] of families) {
    lines.push(`# TYPE ${family} ${members[0]?.type ?? "gauge"}`);
    for (const s of members) {
      const labels = Object.entries(s.labels)
        .filter(([name]) => name !== "__name__")
        .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
        .join(",");
      for (const [timestamp, value] of s.samples) {
        lines.push(`${s.labels.__name__}{${labels}} ${formatSampleValue(value)} ${timestamp}`);
      }
    }
  }
  lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

/** Name of the rule group in FIXTURE_RULES. */
export const FIXTURE_RULE_GROUP = "fixture";

/**
 * Default rule file: a recording rule (evaluated at "now", so it records nothing over the old fixture
 * data, but it is listed by /api/v1/rules) and an alert that fires from its first evaluation.
 */
export const FIXTURE_RULES = `groups:
  - name: ${FIXTURE_RULE_GROUP}
    interval: 1s
    rules:
      - record: job:fixture_requests:sum
        expr: sum by (job) (fixture_requests_total)
      - alert: FixtureAlwaysFiring
        expr: vector(1)
        labels:
          severity: warning
        annotations:
          summary: Always firing, so tests of /api/v1/alerts have something to read.
`;
