import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import {
  appendExtraParams,
  callSignal,
  callTimeout,
  checkLimit,
  checkNamespace,
  queryParams,
} from "../../src/client/callOptions.ts";
import {
  checkQuery,
  checkRange,
  describeValue,
  formatDuration,
  formatTime,
  toSeconds,
  toUnixSeconds,
} from "../../src/client/params.ts";
import { InvalidArgumentError, type QueryRangeOptions } from "../../src/index.ts";
import {
  makeClient,
  mockPrometheus,
  QUERY_URL,
  RANGE_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();
const MATRIX = { status: "success", data: { resultType: "matrix", result: [] } };

/** Expects `fn` to throw an InvalidArgumentError naming `argument`, and returns its message. */
function invalid(fn: () => unknown, argument: string): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    return (error as Error).message;
  }
  throw new Error(`expected an InvalidArgumentError for ${argument}`);
}

describe("times", () => {
  it.each([
    [new Date("2023-11-14T22:13:20.500Z"), 1_700_000_000.5],
    [1_700_000_000.25, 1_700_000_000.25],
    [-1, -1],
    ["1700000000", 1_700_000_000],
    ["1700000000.125", 1_700_000_000.125],
    ["2023-11-14T22:13:20Z", 1_700_000_000],
    ["2023-11-14T22:13:20.5z", 1_700_000_000.5],
    ["2023-11-14 23:13:20+01:00", 1_700_000_000],
    ["2023-11-14t17:13:20.123456-05:00", 1_700_000_000.123],
  ])("%o is %d unix seconds", (input, expected) => {
    expect(toUnixSeconds(input, "time")).toBeCloseTo(expected, 6);
  });

  it.each([
    ["yesterday", 'time must be a Date, unix seconds or an RFC 3339 string (got "yesterday")'],
    ["2023-11-14", undefined],
    ["2023-13-45T25:00:00Z", undefined],
    ["1e9", undefined],
    [Number.NaN, "time must be a finite number of unix seconds"],
    [Infinity, undefined],
    [new Date(Number.NaN), "time is an invalid Date"],
    [null, "(got null)"],
    [{}, "(got an object)"],
    [[1], "(got an array)"],
    [true, "(got true)"],
  ])("%o is refused, naming the argument", (input, message) => {
    const text = invalid(() => toUnixSeconds(input as never, "time"), "time");
    if (message) expect(text).toContain(message);
  });

  it("formats with millisecond precision, as Prometheus keeps it", () => {
    expect(formatTime(1_700_000_000.1234)).toBe("1700000000.123");
    expect(formatTime(1_700_000_000)).toBe("1700000000");
    expect(formatDuration(0.25)).toBe("0.25");
  });

  it("describes long strings briefly", () => {
    expect(describeValue("x".repeat(100))).toBe(`"${"x".repeat(40)}…"`);
    expect(describeValue(new Date(Number.NaN))).toBe("an invalid Date");
  });
});

describe("durations", () => {
  it.each([
    [15, 15],
    [0.5, 0.5],
    ["15", 15],
    ["1.5", 1.5],
    ["30s", 30],
    ["1m", 60],
    ["1h30m", 5400],
    ["250ms", 0.25],
    ["1m30s500ms", 90.5],
    ["2d", 172_800],
    ["1w", 604_800],
    ["1y", 31_536_000],
  ])("%o is %d seconds", (input, expected) => {
    expect(toSeconds(input, "step")).toBe(expected);
  });

  it.each([0, -1, "0", "0s", "-15", "-1m"])("%o is refused as not greater than zero", (input) => {
    const message = invalid(() => toSeconds(input, "step"), "step");
    expect(message).toMatch(/step must be (greater than zero|seconds or a duration)/);
  });

  it.each(["1x", "m", "1.5m", "", "1 m", Number.NaN, Infinity])("%o is refused as no duration", (input) => {
    expect(invalid(() => toSeconds(input, "step"), "step")).toContain("a duration such as");
  });

  it("zero is allowed where asked", () => {
    expect(toSeconds("0s", "lookbackDelta", true)).toBe(0);
  });
});

describe("query and range checks", () => {
  it("an empty or blank query is refused", () => {
    for (const q of ["", "   \n", undefined, 1]) invalid(() => checkQuery(q), "query");
  });

  it("start after end is refused, equal is fine", () => {
    expect(invalid(() => checkRange(10, 5, 1, 11_000), "start")).toBe("start (10) must not be after end (5)");
    expect(() => checkRange(5, 5, 1, 11_000)).not.toThrow();
  });

  it("follows Prometheus' integer-division rule: 11,000 intervals (11,001 points) pass, 11,001 fail", () => {
    expect(() => checkRange(0, 11_000, 1, 11_000)).not.toThrow();
    expect(() => checkRange(0, 11_000.999, 1, 11_000)).not.toThrow(); // floor(11000.999) = 11000
    expect(invalid(() => checkRange(0, 11_001, 1, 11_000), "step")).toBe(
      'the range holds 11002 points per series at step 1s; the server allows 11001: use a larger step, a shorter range, or split (e.g. split: "1d")',
    );
  });

  it("computes on the milliseconds sent, where float seconds would be off by one at the limit", () => {
    // 11,001 intervals of 9.271 s: (end - start) / step in floats is 11000.99999…, Prometheus counts 11,001.
    invalid(() => checkRange(1_700_000_215.809, 1_700_102_206.08, 9.271, 11_000), "step");
    expect(() => checkRange(1_700_000_215.809, 1_700_102_196.809, 9.271, 11_000)).not.toThrow();
  });

  it("refuses a step below one millisecond, which would be sent as 0", () => {
    expect(invalid(() => checkRange(0, 1, 0.0004, 11_000), "step")).toContain("at least 1 ms");
  });
});

describe("call options", () => {
  it("timeout: positive milliseconds; the client's when absent", () => {
    expect(callTimeout(undefined, 30_000)).toBe(30_000);
    expect(callTimeout({ timeout: 5 }, 30_000)).toBe(5);
    for (const timeout of [0, -1, Number.NaN, Infinity, "5s"]) {
      invalid(() => callTimeout({ timeout: timeout as number }, 1), "timeout");
    }
  });

  it("timeout above what a timer can hold is refused rather than firing at once", () => {
    expect(invalid(() => callTimeout({ timeout: 2 ** 31 }, 1), "timeout")).toContain("2147483647");
    expect(callTimeout({ timeout: 2 ** 31 - 1 }, 1)).toBe(2 ** 31 - 1);
  });

  it("signal must be an AbortSignal", () => {
    const signal = new AbortController().signal;
    expect(callSignal({ signal })).toBe(signal);
    expect(callSignal(undefined)).toBeUndefined();
    invalid(() => callSignal({ signal: { aborted: false } as AbortSignal }), "signal");
  });

  it("limit, namespace and params are checked", () => {
    expect(checkLimit(0)).toBe(0);
    for (const limit of [-1, 1.5, "10"]) invalid(() => checkLimit(limit), "limit");
    expect(checkNamespace("openshift-monitoring")).toBe("openshift-monitoring");
    expect(checkNamespace(undefined)).toBeUndefined();
    for (const ns of ["", "Team", "-a", "a_b", 1]) invalid(() => checkNamespace(ns), "namespace");
    invalid(() => appendExtraParams([], "x=1" as never), "params");
    invalid(() => appendExtraParams([], null as never), "params");
  });

  it("builds the shared parameters; stats: false and no options add nothing", () => {
    expect(queryParams(undefined)).toEqual([]);
    expect(queryParams({ stats: false })).toEqual([]);
    expect(queryParams({ stats: "all", lookbackDelta: 90, partialResponse: true })).toEqual([
      ["lookback_delta", "90"],
      ["stats", "all"],
      ["partial_response", "true"],
    ]);
    invalid(() => queryParams({ lookbackDelta: "soon" }), "lookbackDelta");
  });
});

describe("through the client: checked before any request", () => {
  const base: QueryRangeOptions = { start: 0, end: 3600, step: 60 };
  const cases: Array<[string, Partial<QueryRangeOptions> | null, string]> = [
    ["start after end", { start: 10, end: 5 }, "start"],
    ["step 0", { step: 0 }, "step"],
    ["negative step", { step: -15 }, "step"],
    ['step "0s"', { step: "0s" }, "step"],
    ["unknown time format", { start: "last tuesday" }, "start"],
    ["bad end", { end: "2023-11-14" }, "end"],
    ["missing step", { step: undefined as never }, "step"],
    ["too many points", { start: 0, end: 11_001, step: 1 }, "step"],
    ["bad namespace", { namespace: "Not OK" }, "namespace"],
    ["bad timeout", { timeout: -1 }, "timeout"],
    ["bad signal", { signal: "abort" as never }, "signal"],
    ["bad limit", { limit: -5 }, "limit"],
  ];

  it.each(cases)("%s", async (_name, override, argument) => {
    const log: SeenRequest[] = [];
    server.use(record(RANGE_URL, log, () => HttpResponse.json(MATRIX)));
    const error = await rejection(makeClient().queryRange("up", { ...base, ...override }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(log).toHaveLength(0);
  });

  it("query(): empty query, bad time; queryRange(): no options", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log), record(RANGE_URL, log));
    const client = makeClient();
    expect(await rejection(client.query(""))).toMatchObject({ argument: "query" });
    expect(await rejection(client.query("up", { time: "now" }))).toMatchObject({ argument: "time" });
    expect(await rejection(client.queryRange("up", undefined as never))).toMatchObject({
      argument: "options",
    });
    expect(log).toHaveLength(0);
  });

  it("the points limit is exactly Prometheus' and configurable (VictoriaMetrics: 30,000)", async () => {
    const log: SeenRequest[] = [];
    server.use(record(RANGE_URL, log, () => HttpResponse.json(MATRIX)));
    await makeClient().queryRange("up", { start: 0, end: 11_000, step: 1 });
    const vm = makeClient({ maxPointsPerSeries: 30_000 });
    await vm.queryRange("up", { start: 0, end: 30_000, step: 1 });
    expect(await rejection(vm.queryRange("up", { start: 0, end: 30_001, step: 1 }))).toMatchObject({
      argument: "step",
    });
    expect(log.map((r) => [r.form.get("start"), r.form.get("end"), r.form.get("step")])).toEqual([
      ["0", "11000", "1"],
      ["0", "30000", "1"],
    ]);
  });

  it("sends start, end and step as given in any accepted form", async () => {
    const log: SeenRequest[] = [];
    server.use(record(RANGE_URL, log, () => HttpResponse.json(MATRIX)));
    await makeClient().queryRange("up", {
      start: new Date(1_700_000_000_000),
      end: "2023-11-14T23:13:20Z",
      step: "1m30s",
    });
    expect(log[0]?.form.get("start")).toBe("1700000000");
    expect(log[0]?.form.get("end")).toBe("1700003600");
    expect(log[0]?.form.get("step")).toBe("90");
  });
});
