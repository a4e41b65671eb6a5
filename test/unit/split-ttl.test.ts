import { describe, expect, it } from "vitest";
import { RECENT_TTL_MS, ttlFor } from "../../src/cache/keys.ts";
import { prepareQuery, prepareQueryRange, type QueryRangeOptions } from "../../src/client/query.ts";
import { type PieceAsker, type PieceRequest, queryRangeInPieces } from "../../src/client/split/run.ts";
import { ApiResponse } from "../../src/decode/response.ts";
import { type MatrixData, RangeSeries } from "../../src/decode/types.ts";

/**
 * The cache's short TTL (data of the last minute) for what a query reads past the times it is
 * evaluated at: a negative offset reaches ahead, offsets stack, and one that cannot be read
 * (an expression) may reach anything ahead, so it counts as recent. For split pieces, a split of
 * one piece, and plain calls alike.
 */
const BASE = 600_000;
const RANGE = { start: 0, end: 3 * 86_400, step: 3600, split: "1d" } as const;

/** The TTL the cache gives each piece of `query` over `range`, as the client would ask it, at `nowMs`. */
async function pieceTtls(query: string, range: QueryRangeOptions, nowMs: number): Promise<number[]> {
  const seen: Array<{ o: QueryRangeOptions; p: PieceRequest }> = [];
  const asker: PieceAsker = {
    failed: () => undefined,
    check: () => undefined,
    maxPoints: 11_000,
    timeoutMs: 30_000,
    endpoint: "http://127.0.0.1:9/api/v1/query_range",
    cluster: undefined,
    aligns: () => false,
    async ask(_promql, o, p) {
      seen.push({ o, p });
      const series = new RangeSeries({ job: "a" }, Float64Array.of(Number(o.start)), Float64Array.of(1));
      return new ApiResponse<MatrixData>({ resultType: "matrix", result: [series] }, [], []);
    },
  };
  await queryRangeInPieces(query, range, asker);
  return seen.map(({ o, p }) => {
    const { spec } = prepareQueryRange(query, { start: o.start, end: o.end, step: o.step }, 1e9, {
      asked: query,
      readsUntil: p.readsUntil,
    });
    return ttlFor(spec, BASE, nowMs);
  });
}

const ttls = (query: string, nowMs: number) => pieceTtls(query, { ...RANGE }, nowMs);
const ttl = async (query: string, range: QueryRangeOptions, nowMs: number) =>
  (await pieceTtls(query, range, nowMs)).at(-1);

describe("pieces whose offset may read anything ahead", () => {
  // "now" is 10 s after the range's last point: the newest piece is recent data.
  const now = (3 * 86_400 + 10) * 1000;

  it("baseline: a plain query keeps the newest piece for 5 s", async () => {
    expect((await ttls("up", now)).at(-1)).toBe(RECENT_TTL_MS);
  });

  it.each(["up offset -(1h)", "up offset -0s", "up offset --1h", "up offset -0x10", "up offset - #c\n 1d"])(
    "%s: every piece short-lived (it may read anything ahead), the newest at least",
    async (q) => {
      const got = await ttls(q, now);
      expect(got.at(-1), "newest piece").toBe(RECENT_TTL_MS);
    },
  );
});

describe("stacked negative offsets", () => {
  it("a subquery's offset plus its inner selector's offset", async () => {
    // Evaluated at t, the subquery runs at t+12h and its selector reads at t+24h. The second piece
    // ends at 169200; it reads until 255600, which is 'now - 30 s' here: recent data.
    const now = (169_200 + 86_400 + 30) * 1000;
    const got = await ttls("max_over_time((up offset -12h)[1h:1h] offset -12h)", now);
    expect(got[1]).toBe(RECENT_TTL_MS);
  });
});

describe("a split call of one piece reading ahead through a negative offset", () => {
  // The range ends at 129600, about 12 h before "now"; with offset -1d it reads until 216000, past "now".
  const now = (86_400 + 43_200 + 43_200 - 30) * 1000;
  it("two pieces: the newest keeps 5 s", async () => {
    expect(await ttl("up offset -1d", { start: 0, end: 129_600, step: 3600, split: "1d" }, now)).toBe(
      RECENT_TTL_MS,
    );
  });
  it("one piece: keeps 5 s too", async () => {
    expect(await ttl("up offset -1d", { start: 86_400, end: 129_600, step: 3600, split: "1d" }, now)).toBe(
      RECENT_TTL_MS,
    );
  });
});

describe("a plain call reading ahead through a negative offset", () => {
  it("keeps the short TTL when what it reads reaches the last minute", () => {
    const now = 200_000_000;
    const end = now / 1000 - 43_200; // twelve hours ago
    const range = prepareQueryRange("up offset -1d", { start: end - 3600, end, step: 60 }, 11_000).spec;
    expect(ttlFor(range, 600_000, now)).toBe(RECENT_TTL_MS);
    const plain = prepareQueryRange("up offset 1d", { start: end - 3600, end, step: 60 }, 11_000).spec;
    expect(ttlFor(plain, 600_000, now)).toBe(600_000);
    const instant = prepareQuery("rate(up[5m] offset -1d)", { time: end }).spec;
    expect(ttlFor(instant, 600_000, now)).toBe(RECENT_TTL_MS);
    // About "now" (no time): keyed without one, it reads nothing later than now.
    expect(prepareQuery("up offset -1d", undefined).spec.readsUntil).toBeUndefined();
  });
});
