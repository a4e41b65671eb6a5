import fc from "fast-check";
import { callCache, callTimeout } from "../../../src/client/callOptions.ts";
import { selector } from "../../../src/client/matchers.ts";
import { prepareQuery, prepareQueryRange } from "../../../src/client/query.ts";
import { prepareLabelValues, prepareSeries } from "../../../src/client/series.ts";
import { firstSyntaxError } from "../../../src/collector/syntax.ts";
import { InvalidArgumentError } from "../../../src/errors/InvalidArgumentError.ts";
import type { RequestSpec } from "../../../src/transport/Transport.ts";
import { assertNoPollution } from "./guards.ts";
import { type FuzzReport, report, Tally } from "./properties.ts";

/**
 * Call arguments (times, steps, durations, limits, timeouts, matchers, the selector helper): each
 * call is prepared, with everything it sends checked, or refused with an InvalidArgumentError —
 * never another exception, never "Infinity" or "NaN" sent to a server.
 */

/** Values of every JavaScript type, and strings close to what the arguments accept. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    true,
    false,
    [],
    {},
    Symbol("s"),
    10n,
    new Date(Number.NaN),
    new Date(8.64e15),
    new Date(-8.64e15),
    Object.create(null),
    /re/,
    2 ** 31,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.double(),
  fc.integer(),
  fc.date({ noInvalidDate: false }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom(
    "2024-01-01T00:00:00Z",
    "2024-01-01 00:00:00+02:00",
    "2024-13-45T99:99:99Z",
    "1700000000",
    "1700000000.123",
    "-1",
    "1e3",
    "9".repeat(400),
    `0.${"0".repeat(400)}1`,
    "1h30m",
    "0s",
    "250ms",
    "1.5m",
    "-1m",
    `${"9".repeat(400)}y`,
    "99999999999999999999999y",
    "1y1y",
    "now",
    "",
    " ",
  ),
);

/** Mostly values of the accepted kinds, sometimes anything: so both outcomes are common. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: weird });

const promql = mostly(fc.constantFrom("up", "rate(x[5m])", 'sum by (job) (up{job="a"})'));
const time = mostly(
  fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000 }),
    fc.double({ min: 0, max: 2e9, noNaN: true }),
    fc.date({ min: new Date(0), max: new Date(4e12) }),
    fc.integer({ min: 0, max: 2e9 }).map((s) => new Date(s * 1000).toISOString()),
    fc.integer({ min: 0, max: 2e9 }).map(String),
  ),
);
const duration = mostly(
  fc.oneof(
    fc.integer({ min: 1, max: 86_400 }),
    fc.double({ min: 0.001, max: 86_400, noNaN: true }),
    fc.constantFrom("15s", "1m", "1h30m", "250ms", "5m", "1d"),
  ),
);
const options = fc.record(
  {
    time,
    start: time,
    end: time,
    step: duration,
    lookbackDelta: duration,
    limit: mostly(fc.nat({ max: 10_000 })),
    timeout: mostly(fc.integer({ min: 1, max: 60_000 })),
    cache: mostly(fc.oneof(fc.boolean(), fc.integer({ min: 1, max: 60_000 }))),
  },
  { requiredKeys: [] },
);

/** Every parameter value sent is a string; the numeric ones are finite numbers. */
function checkSpec(spec: RequestSpec): void {
  const numeric = new Set(["time", "start", "end", "step", "lookback_delta", "limit"]);
  for (const [name, value] of spec.params) {
    if (typeof value !== "string") throw new Error(`parameter ${name} is a ${typeof value}`);
    if (numeric.has(name) && !Number.isFinite(Number(value)))
      throw new Error(`parameter ${name}=${value} is not a finite number`);
  }
  if (/Infinity|NaN/.test(spec.path)) throw new Error(`path ${spec.path}`);
}

/** Runs `prepare`: a checked spec or an InvalidArgumentError. */
function prepared(tally: Tally, what: string, prepare: () => RequestSpec | string): void {
  let out: RequestSpec | string;
  try {
    out = tally.time(prepare);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      if (typeof error.argument !== "string" || error.argument === "")
        throw new Error("an InvalidArgumentError names no argument");
      tally.count(`${what}: refused`);
      return;
    }
    const e = error as Error;
    throw new Error(`${what} threw ${e?.name}: ${e?.message}`);
  }
  if (typeof out !== "string") checkSpec(out);
  tally.count(`${what}: accepted`);
  assertNoPollution();
}

const matcherValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom(
    /a.*b/i,
    /x/gmsuy,
    undefined,
    { eq: "x" },
    { ne: "" },
    { re: "a|b" },
    { nre: /c/ },
    { re: 5 },
    { eq: 1 },
    { eq: "a", ne: "b" },
  ),
  weird,
);
const labelName = fc.oneof(
  fc.constantFrom(
    "job",
    "__name__",
    "service.name",
    "__proto__",
    "constructor",
    "a b",
    "",
    "U__x",
    "0abc",
    "le",
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 4 }),
);
const matchers = fc.array(fc.tuple(labelName, matcherValue), { maxLength: 4 }).map((entries) => {
  const out: Record<string, unknown> = {};
  for (const [name, value] of entries)
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  return out;
});
const metricName = fc.oneof(
  fc.constantFrom(
    "up",
    "sum",
    "SUM",
    "inf",
    "nan",
    "my.metric",
    "constructor",
    "__proto__",
    "a:b",
    "",
    "0x",
    "offset",
  ),
  fc.string({ maxLength: 10 }),
  weird,
);

/** The argument checks of query, queryRange, series, labelValues, the call options and selector(). */
export function fuzzArguments(seed: number, runs: number): FuzzReport {
  const tally = new Tally();
  const details = fc.check(
    fc.property(
      promql,
      options,
      fc.oneof(fc.constant(11_000), fc.constant(30_000), fc.integer({ min: 1, max: 100 })),
      metricName,
      matchers,
      (query, o, maxPoints, metric, labels) => {
        // Generated on purpose with any types: cast to what the API declares.
        const options = o as never;
        prepared(tally, "query", () => prepareQuery(query as string, options).spec);
        prepared(tally, "queryRange", () => {
          const spec = prepareQueryRange(query as string, options, maxPoints).spec;
          const get = (name: string) => Number(spec.params.find(([n]) => n === name)?.[1]);
          const [start, end, step] = [get("start"), get("end"), get("step")];
          if (!(start <= end) || !(step > 0))
            throw new Error(`range ${start}..${end} step ${step} was accepted`);
          if (
            Math.floor((Math.round(end * 1000) - Math.round(start * 1000)) / Math.round(step * 1000)) >
            maxPoints
          ) {
            throw new Error("more points than allowed were accepted");
          }
          return spec;
        });
        prepared(tally, "series", () => prepareSeries(query as string, options).spec);
        prepared(tally, "labelValues", () => prepareLabelValues(metric as string, options).spec);
        prepared(tally, "timeout", () => String(callTimeout(options, 30_000)));
        prepared(tally, "cache", () => String(callCache(options)));
        prepared(tally, "selector", () => {
          const text = selector(metric as string, labels as never);
          if (typeof text !== "string" || text.length === 0) throw new Error("selector() returned no text");
          // A selector the helper built is PromQL Prometheus' own grammar reads without error.
          if (firstSyntaxError(text) !== undefined)
            throw new Error(`selector() built unparsable PromQL: ${text}`);
          return text;
        });
      },
    ),
    { seed, numRuns: runs },
  );
  return report("arguments", runs, tally, details);
}
