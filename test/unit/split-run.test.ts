import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { RECENT_TTL_MS, ttlFor } from "../../src/cache/keys.ts";
import { prepareQueryRange, type QueryRangeOptions } from "../../src/client/query.ts";
import { type PieceAsker, type PieceRequest, queryRangeInPieces } from "../../src/client/split/run.ts";
import { ApiResponse } from "../../src/decode/response.ts";
import { type MatrixData, RangeSeries } from "../../src/decode/types.ts";
import { InvalidArgumentError, TimeoutError } from "../../src/index.ts";

/** What a recorder saw. */
interface Recorded {
  asked: Array<{ promql: string; options: QueryRangeOptions }>;
  pieces: PieceRequest[];
  failures: unknown[];
}

/** An asker that records what each piece was asked with and answers after `delayMs`. */
function recorder(delayMs = 0): PieceAsker & Recorded {
  const seen: Recorded = { asked: [], pieces: [], failures: [] };
  return {
    ...seen,
    failed: (error) => seen.failures.push(error),
    check: () => undefined,
    maxPoints: 11_000,
    timeoutMs: 30_000,
    endpoint: "http://127.0.0.1:9/api/v1/query_range",
    cluster: "east",
    aligns: () => false,
    async ask(promql, options, piece) {
      seen.asked.push({ promql, options });
      seen.pieces.push(piece);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const start = Number(options.start);
      return new ApiResponse<MatrixData>(
        {
          resultType: "matrix",
          result: [new RangeSeries({ job: "a" }, Float64Array.of(start), Float64Array.of(1))],
        },
        [],
        [],
      );
    },
  };
}

describe("queryRangeInPieces", () => {
  it("asks each piece with the whole range's options, the time left and one signal", async () => {
    const asker = recorder();
    const r = await queryRangeInPieces(
      "x @ end()",
      { start: 0, end: 299, step: 60, split: "2m", dedup: true, stats: true, timeout: 5_000 },
      asker,
    );
    expect(asker.asked.map((a) => [a.options.start, a.options.end])).toEqual([
      [0, 60],
      [120, 180],
      [240, 240],
    ]);
    // @ end() is the whole range's end, not the piece's.
    expect(new Set(asker.asked.map((a) => a.promql))).toEqual(new Set(["x @ 299"]));
    // Quiet (the call reports its own failure once) and reading the whole range's end (for the TTL).
    expect(asker.pieces).toEqual(Array(3).fill({ asked: "x @ end()", readsUntil: 299, quiet: true }));
    for (const { options } of asker.asked) {
      expect(options.split).toBeUndefined();
      expect(options.stats, "stats are dropped by the join: not asked for").toBeUndefined();
      expect(options.dedup).toBe(true);
      expect(options.timeout).toBeGreaterThan(4_000);
      expect(options.timeout).toBeLessThanOrEqual(5_000);
      expect(options.signal).toBeInstanceOf(AbortSignal);
    }
    expect([...r.data.result[0]!.timestamps]).toEqual([0, 120, 240]);
  });

  it("floors the range to the step first when the client's cache will, @ end() included", async () => {
    const asker = { ...recorder(), aligns: () => true };
    await queryRangeInPieces("x @ end()", { start: 7, end: 250, step: 60, split: "2m" }, asker);
    expect(asker.asked.map((a) => [a.options.start, a.options.end])).toEqual([
      [0, 60],
      [120, 180],
      [240, 240],
    ]);
    expect(asker.asked[0]!.promql).toBe("x @ 240");
  });

  it("asks a range that fits in one piece as it was given, end and query untouched", async () => {
    const asker = recorder();
    const signal = new AbortController().signal;
    await queryRangeInPieces("x @ end()", { start: 0, end: 59.5, step: 15, split: "1m", signal }, asker);
    expect(asker.asked).toEqual([
      { promql: "x @ end()", options: { start: 0, end: 59.5, step: 15, signal } },
    ]);
    expect(asker.pieces).toEqual([{ asked: "x @ end()", readsUntil: undefined, quiet: false }]);
  });

  it("does not send a piece once the deadline has passed, and says the range was split", async () => {
    const asker = recorder(120);
    const call = queryRangeInPieces(
      "up",
      { start: 0, end: 3_000, step: 60, split: { interval: "10m", concurrency: 1 }, timeout: 100 },
      asker,
    );
    await expect(call).rejects.toThrow(TimeoutError);
    await expect(call).rejects.toThrow(
      "http://127.0.0.1:9/api/v1/query_range (a range split into 6 pieces) did not complete within the deadline of 100 ms",
    );
    expect(asker.asked).toHaveLength(1);
    // One failure reported, the call's.
    expect(asker.failures).toHaveLength(1);
    expect((asker.failures[0] as TimeoutError).timeoutMs).toBe(100);
    expect(((await call.catch((e: unknown) => e)) as TimeoutError).cluster).toBe("east");
  });

  it("checks every argument before asking anything", async () => {
    const asker = recorder();
    const bad: Array<[unknown, RegExp]> = [
      [null, /queryRange needs \{ start, end, step \}/],
      [{ start: 0, end: 600, step: 15, split: "1m", limit: 5 }, /split cannot be combined with limit/],
      [{ start: 0, end: 600, step: 15, split: "1m", limit: -1 }, /limit must be a non-negative integer/],
      [{ start: 0, step: 15, split: "1m" }, /queryRange needs end/],
      [{ start: 600, end: 0, step: 15, split: "1m" }, /start \(600\) must not be after end/],
      [{ start: 0, end: 600, step: 15, split: "1m", timeout: -1 }, /timeout must be a positive number/],
      [{ start: 0, end: 600, step: 15, split: "1m", signal: "no" }, /signal must be an AbortSignal/],
    ];
    for (const [options, message] of bad) {
      const call = queryRangeInPieces("up", options as QueryRangeOptions, asker);
      await expect(call, JSON.stringify(options)).rejects.toThrow(InvalidArgumentError);
      await expect(call, JSON.stringify(options)).rejects.toThrow(message);
    }
    await expect(queryRangeInPieces("", { start: 0, end: 60, step: 15, split: "1m" }, asker)).rejects.toThrow(
      /query must be a non-empty PromQL string/,
    );
    expect(asker.asked).toHaveLength(0);
    // limit: 0 is Prometheus' "no limit": nothing to keep per piece.
    await queryRangeInPieces("up", { start: 0, end: 600, step: 15, split: "1m", limit: 0 }, asker);
    expect(asker.asked.length).toBeGreaterThan(5);
  });

  it("leaves no listener on the caller's signal, whether the call succeeds or fails", async () => {
    const controller = new AbortController();
    const asker = recorder();
    await queryRangeInPieces(
      "up",
      { start: 0, end: 600, step: 15, split: "1m", signal: controller.signal },
      asker,
    );
    expect(asker.asked.length).toBeGreaterThan(5);
    const failing = { ...asker, ask: () => Promise.reject(new Error("down")) };
    const options = { start: 0, end: 600, step: 15, split: "1m", signal: controller.signal };
    await expect(queryRangeInPieces("up", options, failing)).rejects.toThrow("down");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("an abort reaches every running piece with the caller's reason", async () => {
    const controller = new AbortController();
    const seen: unknown[] = [];
    const asker = {
      ...recorder(),
      ask: (_: string, options: QueryRangeOptions) =>
        new Promise<never>((_resolve, reject) => {
          options.signal?.addEventListener("abort", () => {
            seen.push(options.signal?.reason);
            reject(options.signal?.reason);
          });
        }),
    };
    const reason = new Error("closed the tab");
    const call = queryRangeInPieces(
      "up",
      { start: 0, end: 600, step: 15, split: { interval: "1m", concurrency: 3 }, signal: controller.signal },
      asker,
    );
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(seen).toEqual([reason, reason, reason]);
  });
});

describe("prepareQueryRange for a piece", () => {
  it("carries the caller's text and the latest time read to the cache, not to the server", () => {
    const { spec } = prepareQueryRange("x @ 600", { start: 0, end: 60, step: 15 }, 11_000, {
      asked: "x @ end()",
      readsUntil: 600,
    });
    expect([spec.askedQuery, spec.readsUntil]).toEqual(["x @ end()", 600]);
    expect(spec.params).toContainEqual(["query", "x @ 600"]);
    expect(JSON.stringify(spec.params)).not.toContain("end()");
    // A text sent as asked needs no second name.
    expect(
      prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 11_000, { asked: "up", readsUntil: undefined })
        .spec.askedQuery,
    ).toBeUndefined();
  });
});

describe("what a piece reads past its own end, for the cache's TTL", () => {
  const readsUntil = async (query: string) => {
    const asker = recorder();
    await queryRangeInPieces(query, { start: 0, end: 3 * 86_400, step: 3600, split: "1d" }, asker);
    return asker.pieces.map((p) => p.readsUntil);
  };
  const ends = [82_800, 169_200, 255_600, 259_200]; // each piece's last hourly point

  it("is nothing for a plain query, the whole range's end with @ end()", async () => {
    expect(await readsUntil("up")).toEqual([undefined, undefined, undefined, undefined]);
    expect(await readsUntil("up - up @ end()")).toEqual(Array(4).fill(259_200));
  });

  it("reaches as far ahead as a negative offset, the rewritten -range() included", async () => {
    expect(await readsUntil("up offset -1d")).toEqual(ends.map((e) => e + 86_400));
    expect(await readsUntil("up offset -range()")).toEqual(ends.map((e) => e + 259_200));
    expect(await readsUntil("up @ start() offset -2d")).toEqual(ends.map((e) => e + 172_800));
    expect(await readsUntil("up offset 1d")).toEqual([undefined, undefined, undefined, undefined]);
    // An offset that is an expression: it may read anything ahead.
    expect(await readsUntil("up offset -(1h + 5m)")).toEqual(Array(4).fill(Number.POSITIVE_INFINITY));
  });

  it("gives a piece that reads the last minute the cache's short TTL", () => {
    const now = Date.now();
    const { spec } = prepareQueryRange(
      "up offset -1d",
      { start: 0, end: now / 1000 - 86_000, step: 60 },
      1e9,
      {
        asked: "up offset -1d",
        readsUntil: now / 1000 - 86_000 + 86_400,
      },
    );
    expect(ttlFor(spec, 600_000, now)).toBe(RECENT_TTL_MS);
  });
});
