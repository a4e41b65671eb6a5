import { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ApiResponse } from "../../src/decode/response.ts";
import {
  InvalidArgumentError,
  type MatrixData,
  MetricsCollector,
  PrometheusClient,
  type RangeSeries,
  StaticClusterRegistry,
} from "../../src/index.ts";
import { FIXTURE_END, FIXTURE_T0 } from "../support/fixtures.ts";

const prometheusUrl = inject("prometheusUrl");

/** A range around the fixture data (10 minutes from FIXTURE_T0), on the minute, at 15 s. */
const START = Math.floor(FIXTURE_T0 / 60) * 60 - 60;
const RANGE = { start: START, end: FIXTURE_END + 60, step: 15 };

/** Expects the same series in the same order, every sample bit for bit (NaN is NaN, -0 is not 0). */
function expectSameMatrix(actual: RangeSeries[], expected: RangeSeries[], what: string): void {
  expect(
    actual.map((s) => s.metric),
    what,
  ).toEqual(expected.map((s) => s.metric));
  expected.forEach((e, i) => {
    const a = actual[i]!;
    for (const column of ["timestamps", "values"] as const) {
      expect(a[column].length, `${what} ${JSON.stringify(e.metric)} ${column}`).toBe(e[column].length);
      e[column].forEach((x, j) => {
        expect(Object.is(a[column][j], x), `${what} ${JSON.stringify(e.metric)} ${column}[${j}]`).toBe(true);
      });
    }
  });
}

describe.skipIf(prometheusUrl === undefined)("queryRange with split, against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let client: PrometheusClient;
  const requests: string[] = [];

  beforeAll(() => {
    client = new PrometheusClient({ url });
    client.on("request", (e) => requests.push(e.endpoint));
  });
  afterAll(async () => {
    await client?.close();
  });

  const asked = async (run: () => Promise<ApiResponse<MatrixData>>) => {
    requests.length = 0;
    const answer = await run();
    return { answer, requests: requests.length };
  };

  const queries = [
    '{__name__=~"fixture_.*"}',
    "rate(fixture_requests_total[1m])",
    "fixture_late_start", // absent from the first pieces
    "sum by (job) (fixture_requests_total)",
    "timestamp(fixture_temperature)",
    "fixture_requests_total offset -2m @ start()", // start() is before the data; two minutes on is not
    "fixture_requests_total - fixture_requests_total @ end()",
    // Prometheus skips comments between any two tokens, inside start( ) too.
    "fixture_requests_total offset -2m @ start # the range's start\n()",
    "fixture_requests_total - fixture_requests_total @ end(#)\n)",
    // Prometheus reads start and end in any letter case.
    "fixture_requests_total - fixture_requests_total @ END()",
    "fixture_requests_total offset -2m @ Start()",
  ];
  const splits = [
    ["1m", "1m"],
    ["97 s (not a multiple of the step)", 97],
    ["2m, one at a time", { interval: "2m", concurrency: 1 }],
  ] as const;

  describe.each(queries)("%s", (query) => {
    it.each(splits)("split %s joins into what the whole range gives, bit for bit", async (_, split) => {
      const whole = await asked(() => client.queryRange(query, RANGE));
      const pieces = await asked(() => client.queryRange(query, { ...RANGE, split }));
      expect(whole.requests).toBe(1);
      expect(pieces.requests, "the range was asked in pieces").toBeGreaterThan(4);
      expect(whole.answer.data.result.length, "the query has an answer").toBeGreaterThan(0);
      expectSameMatrix(
        pieces.answer.data.result,
        whole.answer.data.result,
        `${query} split ${String(split)}`,
      );
    });
  });

  it("a range off the step's grid and off the minute joins the same way", async () => {
    const range = { start: FIXTURE_T0 + 7, end: FIXTURE_END - 3, step: 20 };
    const whole = await client.queryRange('{__name__=~"fixture_.*"}', range);
    const pieces = await asked(() =>
      client.queryRange('{__name__=~"fixture_.*"}', { ...range, split: "1m" }),
    );
    expect(pieces.requests).toBeGreaterThan(5);
    expectSameMatrix(pieces.answer.data.result, whole.data.result, "off the grid");
  });

  it("a range over the server's points limit, refused whole, is answered in pieces", async () => {
    const small = new PrometheusClient({ url, maxPointsPerSeries: 20 });
    try {
      const refused = small.queryRange("fixture_temperature", RANGE);
      await expect(refused).rejects.toThrow(InvalidArgumentError);
      await expect(refused).rejects.toThrow(/the server allows 21: .*or split \(e\.g\. split: "1d"\)/);
      // A split longer than the range is one piece: what fits whole still fits.
      const short = { start: FIXTURE_T0, end: FIXTURE_T0 + 300, step: 15 };
      expectSameMatrix(
        (await small.queryRange("fixture_temperature", { ...short, split: "1d" })).data.result,
        (await small.queryRange("fixture_temperature", short)).data.result,
        "one piece",
      );
      const pieces = await small.queryRange("fixture_temperature", { ...RANGE, split: "5m" });
      const whole = await client.queryRange("fixture_temperature", RANGE);
      expectSameMatrix(pieces.data.result, whole.data.result, "over the limit");
      // A piece longer than the limit is refused before anything is sent.
      await expect(small.queryRange("fixture_temperature", { ...RANGE, split: "6m" })).rejects.toThrow(
        /a piece of 360s holds 24 points per series at step 15s; the server allows 21/,
      );
    } finally {
      await small.close();
    }
  });

  it("with a cache, the pieces are reused: again, nothing is sent; a window that moved on asks its new ends", async () => {
    const cache = new Keyv();
    const cached = new PrometheusClient({ url, cache, cacheTtl: 60_000 });
    const sent: string[] = [];
    cached.on("request", (e) => sent.push(e.endpoint));
    try {
      const query = "rate(fixture_requests_total[1m])";
      const first = await cached.queryRange(query, { ...RANGE, split: "1m" });
      const firstRequests = sent.length;
      expect(firstRequests).toBeGreaterThan(5);
      expect(first.cached).toBe(false);

      const again = await cached.queryRange(query, { ...RANGE, split: "1m" });
      expect(sent.length).toBe(firstRequests);
      expect([again.cached, typeof again.ageMs]).toEqual([true, "number"]);
      expectSameMatrix(again.data.result, first.data.result, "from the cache");

      // One minute later: the first piece is gone, the minutes between are reused; the last minute,
      // which held one point, now holds four, and one point of a new minute comes after it.
      const moved = { start: RANGE.start + 60, end: RANGE.end + 60, step: RANGE.step };
      const later = await cached.queryRange(query, { ...moved, split: "1m" });
      expect(sent.length - firstRequests).toBe(2);
      expect(later.cached).toBe(false);
      expectSameMatrix(later.data.result, (await client.queryRange(query, moved)).data.result, "moved on");
    } finally {
      await cached.close();
      await cache.disconnect();
    }
  });

  it("through a cache that floors ranges to the step, @ end() means the floored end, as asked whole", async () => {
    const cache = new Keyv();
    const cached = new PrometheusClient({ url, cache });
    const sent: string[] = [];
    cached.on("request", (e) => sent.push(e.endpoint));
    try {
      const query = "fixture_requests_total offset -1m @ end() - fixture_requests_total";
      const range = { start: FIXTURE_T0 + 7, end: FIXTURE_END - 68, step: 15 };
      const whole = await cached.queryRange(query, range);
      const pieces = await cached.queryRange(query, { ...range, split: "1m" });
      expect(whole.data.result.length).toBeGreaterThan(0);
      expectSameMatrix(pieces.data.result, whole.data.result, "aligned");
      // invalidate({ query }) takes the text as written, though the pieces sent a rewrite of it.
      const before = sent.length;
      await cached.queryRange(query, { ...range, split: "1m" });
      expect(sent.length).toBe(before);
      await cached.invalidate({ query });
      await cached.queryRange(query, { ...range, split: "1m" });
      expect(sent.length - before).toBeGreaterThan(5);
    } finally {
      await cached.close();
      await cache.disconnect();
    }
  });

  it("through a cache that floors ranges, keeps the last point the whole range floored holds", async () => {
    const cache = new Keyv();
    const cached = new PrometheusClient({ url, cache });
    try {
      // FIXTURE_T0 ≡ 5 (mod 15): start ≡ 14 and end ≡ 2. Floored piece by piece, the pieces held
      // one point fewer than the whole range floored.
      const range = { start: FIXTURE_T0 + 9, end: FIXTURE_END - 3 * 15 + 12, step: 15 };
      const whole = await cached.queryRange("fixture_temperature", { ...range, cache: 5_000 });
      const pieces = await cached.queryRange("fixture_temperature", { ...range, split: "1m", cache: 6_000 });
      expectSameMatrix(pieces.data.result, whole.data.result, "floored");
    } finally {
      await cached.close();
      await cache.disconnect();
    }
  });

  it("a fleet asks each cluster in pieces and merges the joined matrices", async () => {
    const fleet = new MetricsCollector({
      registry: new StaticClusterRegistry([
        { id: "one", url },
        { id: "two", url },
      ]),
    });
    try {
      const r = await fleet.queryRange("fixture_late_start", { ...RANGE, split: "2m" });
      const whole = await client.queryRange("fixture_late_start", RANGE);
      for (const id of ["one", "two"]) {
        expect(r.get(id)?.status).toBe("ok");
        expectSameMatrix(r.get(id)!.value!.data.result, whole.data.result, id);
      }
      expect(r.merged().data.result.map((s) => s.metric.cluster)).toEqual(["one", "two"]);
      // Checked once, before anything is sent.
      requests.length = 0;
      await expect(fleet.queryRange("time() - end()", { ...RANGE, split: "2m" })).rejects.toThrow(
        /uses end\(\)/,
      );
    } finally {
      await fleet.close();
    }
  });
});
