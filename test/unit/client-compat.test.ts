import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { toSeconds, toUnixSeconds } from "../../src/client/params.ts";
import { InvalidArgumentError, selector } from "../../src/index.ts";
import {
  BASE,
  EMPTY_VECTOR,
  goText,
  makeClient,
  mockPrometheus,
  record,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();

describe("health() behind VictoriaMetrics' /prometheus prefix", () => {
  // VictoriaMetrics serves the Prometheus API under <host>/prometheus/ (and vmselect under
  // /select/<tenant>/prometheus/), but /-/healthy and /-/ready only at the root: under the prefix
  // its httpserver.Errorf answers 400 "unsupported path requested" (plain text, default status 400).
  it("a 400 'unsupported path' on the probes falls back to vector(1) instead of reporting unhealthy", async () => {
    const prefix = `${BASE}/prometheus`;
    let queries = 0;
    server.use(
      http.get(`${prefix}/-/healthy`, () =>
        goText(400, 'unsupported path requested: "/prometheus/-/healthy"'),
      ),
      http.get(`${prefix}/-/ready`, () => goText(400, 'unsupported path requested: "/prometheus/-/ready"')),
      http.all(`${prefix}/api/v1/query`, () => {
        queries++;
        return HttpResponse.json(EMPTY_VECTOR);
      }),
      http.get(`${prefix}/api/v1/status/buildinfo`, () =>
        HttpResponse.json({ status: "success", data: { version: "2.24.0" } }),
      ),
    );
    const health = await makeClient({ url: prefix }).health();
    expect(health.error).toBeUndefined();
    expect(health).toMatchObject({ healthy: true, ready: true, via: "query" });
    expect(queries).toBe(1);
  });
});

describe("maxPointsPerSeries for VictoriaMetrics", () => {
  // VictoriaMetrics (app/vmselect/promql/eval.go ValidateMaxPointsPerSeries) refuses
  // (end-start)/step + 1 > 30,000 points; the option counts intervals, as Prometheus' rule does.
  it("with the documented maxPointsPerSeries: 29999, 30,001 points are refused before sending, 30,000 sent", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(`${BASE}/api/v1/query_range`, log, () =>
        HttpResponse.json({ status: "success", data: { resultType: "matrix", result: [] } }),
      ),
    );
    const client = makeClient({ maxPointsPerSeries: 29_999 });
    const error = await client.queryRange("up", { start: 0, end: 30_000, step: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(log).toHaveLength(0);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    await client.queryRange("up", { start: 0, end: 29_999, step: 1 });
    expect(log).toHaveLength(1);
  });
});

/** How Prometheus 3 reads a `=~` value: anchored, `.` matching newlines (DotNL), inline flags applied. */
function prometheus3Matches(pattern: string, value: string): boolean {
  let flags = "s"; // Prometheus 3: NewFastRegexMatcher compiles "^(?s:" + v + ")$"
  let body = pattern;
  const inline = /^\(\?([ims]*)(?:-([ims]*))?\)/.exec(body);
  if (inline) {
    for (const f of inline[1] ?? "") if (!flags.includes(f)) flags += f;
    for (const f of inline[2] ?? "") flags = flags.replace(f, "");
    body = body.slice(inline[0].length);
  }
  return new RegExp(`^(?:${body})$`, flags).test(value);
}

/** The regex text of the one matcher in a selector `m{l=~"..."}` (PromQL string unquoted). */
function regexOf(sel: string): string {
  const quoted = /=~("(?:[^"\\]|\\.)*")/.exec(sel)![1]!;
  return JSON.parse(quoted) as string;
}

describe("selector() with a RegExp", () => {
  it("/a.b/ (no s flag) must not match 'a\\nb' on Prometheus 3, as the RegExp does not", () => {
    const re = /a.b/;
    expect(re.test("a\nb")).toBe(false);
    const sel = selector("m", { path: re });
    expect(prometheus3Matches(regexOf(sel), "a\nb")).toBe(false);
  });
});

describe("time and duration arguments", () => {
  it("an impossible calendar date is refused, not moved to another day (Go's time.Parse: day out of range)", () => {
    expect(() => toUnixSeconds("2023-02-30T00:00:00Z", "start")).toThrow(InvalidArgumentError);
  });
  it("hour 24 is refused (Go's time.Parse: hour out of range)", () => {
    expect(() => toUnixSeconds("2023-11-14T24:00:00Z", "start")).toThrow(InvalidArgumentError);
  });
  it("a duration with units out of order or repeated is refused (model.ParseDuration)", () => {
    expect(() => toSeconds("1s1m", "step")).toThrow(InvalidArgumentError);
    expect(() => toSeconds("1h1h", "step")).toThrow(InvalidArgumentError);
  });
});
