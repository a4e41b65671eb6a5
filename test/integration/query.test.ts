import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  BadQueryError,
  bearerAuth,
  InvalidArgumentError,
  PrometheusClient,
  parseSampleValue,
  type RangeSeries,
  TimeoutError,
} from "../../src/index.ts";
import {
  ESCAPED_LABEL_VALUE,
  ESCAPES,
  FIXTURE_END,
  FIXTURE_SERIES,
  FIXTURE_STEP_SECONDS,
  FIXTURE_T0,
  type FixtureSeries,
  LATE_START,
  LATE_START_FIRST_SLOT,
  TEMPERATURE,
  TEMPERATURE_SPECIAL_VALUES,
} from "../support/fixtures.ts";
import { httpRequest } from "../support/http.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { neverAnswers, type StubServer, startStubServer } from "../support/stubServer.ts";

const prometheusUrl = inject("prometheusUrl");
const slot = (i: number) => FIXTURE_T0 + i * FIXTURE_STEP_SECONDS;
const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Expects `actual` to hold exactly `expected`'s numbers: NaN equals NaN, -0 is not 0. */
function expectExactly(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

/** The value Prometheus evaluates for `series` at `t`: the latest sample at or before t within 5 minutes. */
function valueAt(series: FixtureSeries, t: number): number | undefined {
  let found: number | undefined;
  for (const [ts, v] of series.samples) if (ts <= t && ts > t - 300) found = v;
  return found;
}

/** Compares wire shapes with sample strings read as numbers (Go prints 1.5e-07, JavaScript 1.5e-7). */
function expectNumericallyEqual(actual: unknown, expected: unknown, path = "$"): void {
  if (typeof actual === "string" && typeof expected === "string") {
    const [a, e] = [parseSampleValue(actual), parseSampleValue(expected)];
    if (a !== undefined && e !== undefined) {
      expect(Object.is(a, e), `${path}: ${actual} vs ${expected}`).toBe(true);
      return;
    }
  }
  if (typeof expected === "object" && expected !== null) {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expectNumericallyEqual((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  expect(actual, path).toStrictEqual(expected);
}

describe.skipIf(prometheusUrl === undefined)("query and queryRange against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let proxy: RbacProxy;
  /** Straight to Prometheus: queries go by form POST. */
  let direct: PrometheusClient;
  /** Through a kube-rbac-proxy-like proxy with a get-only role: POST gets 403, the client falls back to GET. */
  let viaGet: PrometheusClient;
  const methods: string[] = [];

  beforeAll(async () => {
    proxy = await startRbacProxy({ upstream: url, tokens: { reader: { user: "reader", verbs: ["get"] } } });
    direct = new PrometheusClient({ url });
    direct.on("request", (e) => methods.push(e.method));
    viaGet = new PrometheusClient({ url: proxy.url, auth: bearerAuth({ token: "reader" }) });
  });
  afterAll(async () => {
    await direct?.close();
    await viaGet?.close();
    await proxy?.close();
  });

  describe.each(["POST", "GET"] as const)("by %s", (method) => {
    const client = () => (method === "POST" ? direct : viaGet);

    it("a range selector returns every backfilled sample exactly: NaN, ±Inf, exponents, fractional times", async () => {
      const { data } = await client().query('{__name__=~"fixture_.*"}[10m]', { time: FIXTURE_END });
      if (data.resultType !== "matrix") throw new Error(`expected a matrix, got ${data.resultType}`);
      expect(data.result).toHaveLength(FIXTURE_SERIES.length);
      for (const fixture of FIXTURE_SERIES) {
        const series = data.result.find((s) => sameLabels(s.metric, fixture.labels));
        if (!series) throw new Error(`series ${JSON.stringify(fixture.labels)} missing`);
        const what = fixture.labels.__name__ ?? "";
        expectExactly(
          series.timestamps,
          fixture.samples.map(([t]) => t),
          `${what} timestamps`,
        );
        expectExactly(
          series.values,
          fixture.samples.map(([, v]) => v),
          `${what} values`,
        );
      }
    });

    it("instant queries give each awkward value exactly, and the sample between slots at its fractional time", async () => {
      for (const [i, expected] of TEMPERATURE_SPECIAL_VALUES) {
        const { data } = await client().query("fixture_temperature", { time: slot(i) });
        if (data.resultType !== "vector") throw new Error("expected a vector");
        expect(data.result).toHaveLength(1);
        expect(Object.is(data.result[0]?.value, expected), `slot ${i}: ${data.result[0]?.value}`).toBe(true);
        expect(data.result[0]?.timestamp).toBe(slot(i));
      }
      const { data } = await client().query("fixture_temperature", { time: "2023-11-14T22:13:20.5Z" });
      expect(data.resultType === "vector" && [data.result[0]?.timestamp, data.result[0]?.value]).toEqual([
        FIXTURE_T0 + 0.5,
        20.125,
      ]);
    });

    it("a range query evaluates every step as Prometheus does, late starts included", async () => {
      const r = await client().queryRange('{__name__=~"fixture_temperature|fixture_late_start"}', {
        start: FIXTURE_T0,
        end: FIXTURE_END,
        step: FIXTURE_STEP_SECONDS,
      });
      const check = (fixture: FixtureSeries, series: RangeSeries | undefined, firstSlot: number) => {
        const steps = Array.from({ length: 40 - firstSlot }, (_, k) => slot(firstSlot + k));
        expectExactly(series?.timestamps ?? [], steps, "timestamps");
        expectExactly(
          series?.values ?? [],
          steps.map((t) => valueAt(fixture, t) as number),
          "values",
        );
      };
      check(
        TEMPERATURE,
        r.data.result.find((s) => s.metric.__name__ === "fixture_temperature"),
        0,
      );
      check(
        LATE_START,
        r.data.result.find((s) => s.metric.__name__ === "fixture_late_start"),
        LATE_START_FIRST_SLOT,
      );
    });

    it("unicode, quotes, backslashes and newlines in label values come back exactly", async () => {
      const { data } = await client().query("fixture_label_escapes", { time: slot(7) });
      expect(data.resultType === "vector" && data.result.map((s) => [s.metric, s.value])).toEqual([
        [ESCAPES.labels, 7],
      ]);
      expect(data.resultType === "vector" && data.result[0]?.metric.text).toBe(ESCAPED_LABEL_VALUE);
    });

    it("JSON.stringify of a result is Prometheus' own body, numerically exact", async () => {
      const params = {
        query: "fixture_temperature",
        start: String(FIXTURE_T0),
        end: String(FIXTURE_END),
        step: "15",
      };
      const r = await client().queryRange(params.query, { start: FIXTURE_T0, end: FIXTURE_END, step: 15 });
      const wire = await httpRequest(`${url}/api/v1/query_range?${new URLSearchParams(params)}`);
      expectNumericallyEqual(JSON.parse(JSON.stringify(r)), JSON.parse(wire.body));
    });

    it("scalar and string results", async () => {
      const scalar = await client().query("scalar(fixture_temperature)", { time: slot(5) });
      expect(scalar.data.resultType === "scalar" && scalar.data.result.value).toBe(Number.POSITIVE_INFINITY);
      const text = await client().query('"héllo"', { time: FIXTURE_T0 });
      expect(text.data.resultType === "string" && text.data.result.value).toBe("héllo");
    });

    it("a bad query is a BadQueryError with errorType bad_data", async () => {
      const error = await client()
        .query("sum(rate(x[5m])", { time: FIXTURE_T0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadQueryError);
      expect(error).not.toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ status: 400, errorType: "bad_data" });
      expect((error as Error).message).toMatch(/parse error/);
    });
  });

  it("went by POST directly, and through the proxy by GET after one refused POST", () => {
    expect(methods.length).toBeGreaterThan(0);
    expect(methods.every((m) => m === "POST")).toBe(true);
    const seen = proxy.requests
      .filter((r) => r.path === "/api/v1/query")
      .map((r) => `${r.method} ${r.status}`);
    expect(seen[0]).toBe("POST 403");
    expect(seen.slice(1).every((s) => s === "GET 200" || s === "GET 400")).toBe(true);
    expect(seen.filter((s) => s.startsWith("POST"))).toHaveLength(1);
  });

  it("sends Prometheus' timeout parameter below the deadline, and the server accepts it", async () => {
    const before = proxy.requests.length;
    const r = await viaGet.query("fixture_temperature", { time: FIXTURE_END, timeout: 4_000 });
    expect(r.data.resultType).toBe("vector");
    const sent = new URLSearchParams(proxy.requests[before]?.search).get("timeout");
    expect(Number(sent)).toBeGreaterThan(0);
    expect(Number(sent)).toBeLessThanOrEqual(4);
  });

  it("agrees with the server on the points limit: 11,001 points pass both, 11,002 fail both", async () => {
    const start = FIXTURE_T0;
    const atLimit = await direct.queryRange("fixture_temperature", { start, end: start + 11_000, step: 1 });
    expect(atLimit.data.result[0]?.timestamps[0]).toBe(start);
    const local = await direct
      .queryRange("x", { start, end: start + 11_001, step: 1 })
      .catch((e: unknown) => e);
    expect(local).toBeInstanceOf(InvalidArgumentError);
    // With our check relaxed, the server refuses the same range.
    const relaxed = new PrometheusClient({ url, maxPointsPerSeries: 20_000 });
    try {
      const remote = await relaxed
        .queryRange("fixture_temperature", { start, end: start + 11_001, step: 1 })
        .catch((e: unknown) => e);
      expect(remote).toBeInstanceOf(BadQueryError);
      expect(remote).toMatchObject({ status: 400, errorType: "bad_data" });
      expect((remote as Error).message).toContain("11,000 points");
    } finally {
      await relaxed.close();
    }
  });

  describe("a server slower than the deadline", () => {
    let stall: StubServer;
    beforeAll(async () => {
      stall = await startStubServer(neverAnswers());
    });
    afterAll(async () => {
      await stall?.close();
    });

    it("ends in a TimeoutError at the deadline", async () => {
      const client = new PrometheusClient({ url: stall.url, timeout: 500 });
      const started = performance.now();
      const error = await client.query("up").catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      await client.close();
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ timeoutMs: 500 });
      expect(elapsed).toBeGreaterThanOrEqual(480);
      expect(elapsed).toBeLessThan(5_000);
    });
  });

  it("the README's first query runs as written", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## A first query"));
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    if (!snippet) throw new Error("README.md has no ts block under 'A first query'");
    expect(snippet).toContain('"http://127.0.0.1:9090"');
    expect(snippet).toContain('from "promfleet"');
    // Only the server's address and the package's location differ from the README.
    const index = pathToFileURL(fileURLToPath(new URL("../../src/index.ts", import.meta.url))).href;
    const script = snippet
      .replace('"http://127.0.0.1:9090"', JSON.stringify(url))
      .replace('"promfleet"', JSON.stringify(index));
    const dir = await mkdtemp(join(tmpdir(), "promfleet-readme-"));
    try {
      const file = join(dir, "first-query.mts");
      await writeFile(file, script);
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 30_000 });
      expect(stdout).toMatch(/^prometheus 1$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
