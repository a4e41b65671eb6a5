import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSplit, MAX_PIECES, planPieces, planSplitRange } from "../../src/client/split/plan.ts";
import { forPieces } from "../../src/client/split/rewrite.ts";
import { InvalidArgumentError } from "../../src/index.ts";
import { fuzzSeed } from "../support/seed.ts";

const DAY = 86_400;
const plan = (interval: number | string, concurrency?: number) => checkSplit({ interval, concurrency })!;

describe("checkSplit", () => {
  it("reads a duration or { interval, concurrency }, 4 at a time by default", () => {
    expect(checkSplit("1d")).toEqual({ intervalMs: DAY * 1000, concurrency: 4 });
    expect(checkSplit(90)).toEqual({ intervalMs: 90_000, concurrency: 4 });
    expect(checkSplit({ interval: "6h", concurrency: 2 })).toEqual({
      intervalMs: 6 * 3600_000,
      concurrency: 2,
    });
    expect(checkSplit(undefined)).toBeUndefined();
  });

  it("names what is wrong", () => {
    const bad: Array<[unknown, string, RegExp]> = [
      ["soon", "split", /split must be seconds or a duration/],
      [0, "split", /split/],
      [{ interval: "1x" }, "split.interval", /split.interval must be seconds or a duration/],
      [{}, "split.interval", /split needs an interval/],
      [{ interval: "1h", concurrency: 0 }, "split.concurrency", /integer from 1 to 64/],
      [{ interval: "1h", concurrency: 1.5 }, "split.concurrency", /integer from 1 to 64/],
      [{ interval: "1h", concurrency: 65 }, "split.concurrency", /integer from 1 to 64/],
    ];
    for (const [split, argument, message] of bad) {
      const error = (() => {
        try {
          checkSplit(split as never);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(split)).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument, JSON.stringify(split)).toBe(argument);
      expect((error as Error).message, JSON.stringify(split)).toMatch(message);
    }
  });
});

describe("planPieces", () => {
  it("ends pieces where a multiple of the interval from the epoch falls", () => {
    // 2023-11-14T22:13:20Z to two days later, hourly, by the day.
    const start = 1_700_000_000;
    const pieces = planPieces(start, start + 2 * DAY, 3600, plan("1d"), 11_000);
    expect(pieces).toEqual([
      { start, end: 1_700_003_600 }, // the last hourly point before 2023-11-15T00:00Z (1700006400)
      { start: 1_700_007_200, end: 1_700_090_000 },
      { start: 1_700_093_600, end: start + 2 * DAY },
    ]);
    // Every piece but the last ends on the last point before a day boundary; the next starts after it.
    for (let i = 0; i < pieces.length - 1; i++) {
      const boundary = (Math.floor(pieces[i]!.start / DAY) + 1) * DAY;
      expect(pieces[i]!.end).toBeLessThan(boundary);
      expect(pieces[i]!.end + 3600).toBeGreaterThanOrEqual(boundary);
      expect(pieces[i + 1]!.start).toBe(pieces[i]!.end + 3600);
    }
  });

  it("asks the same pieces for a window that moved on, but the newest", () => {
    const step = 60;
    const end = 1_700_000_040; // a multiple of 60
    const before = planPieces(end - 3 * DAY, end, step, plan("1d"), 11_000);
    const after = planPieces(end - 3 * DAY + 300, end + 300, step, plan("1d"), 11_000);
    // The whole days in between are the same requests.
    expect(after.slice(1, -1)).toEqual(before.slice(1, -1));
  });

  it("gives one piece for a range inside one interval, and keeps a single point", () => {
    expect(planPieces(100, 100, 15, plan("1h"), 11_000)).toEqual([{ start: 100, end: 100 }]);
    expect(planPieces(3600, 3600 + 59 * 60, 60, plan("1h"), 11_000)).toEqual([{ start: 3600, end: 7140 }]);
  });

  it("refuses a split shorter than the step, pieces over the server's limit, and too many pieces", () => {
    expect(() => planPieces(0, 3600, 60, plan(30), 11_000)).toThrow(/must not be shorter than step/);
    expect(() => planPieces(0, 3 * DAY, 1, plan("1d"), 11_000)).toThrow(
      /a piece of 86400s holds 86400 points per series at step 1s; the server allows 11001/,
    );
    // What the pieces hold counts, not what an interval could: an hour at 1 s with split "1d" is
    // one piece of 3,601 points, as it would be asked without split.
    expect(planPieces(0, 3600, 1, plan("1d"), 11_000)).toEqual([{ start: 0, end: 3600 }]);
    expect(() => planPieces(0, 3 * 365 * DAY, 60, plan("1h"), 11_000)).toThrow(
      new RegExp(`split into more than ${MAX_PIECES} pieces: use a longer split or a larger step`),
    );
    // Exactly a thousand pieces are fine.
    expect(planPieces(0, (MAX_PIECES - 1) * 3600, 3600, plan("1h"), 11_000)).toHaveLength(MAX_PIECES);
    expect(() => planPieces(0, MAX_PIECES * 3600, 3600, plan("1h"), 11_000)).toThrow(/more than 1000 pieces/);
    // The limit is the piece's: 11,001 points fit (11,000 intervals).
    expect(planPieces(0, 20_000, 1, plan(11_001), 11_000).length).toBe(2);
    expect(() => planPieces(0, 20_000, 1, plan(11_002), 11_000)).toThrow(/holds 11002 points/);
  });

  it("puts every point of the grid in exactly one piece, in order, within one interval (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e6, max: 2e9 }),
        fc.integer({ min: 1, max: 3_600_000 }), // step, ms
        fc.integer({ min: 0, max: 400 }), // intervals in the range
        fc.integer({ min: 1, max: 50 }), // split in steps, and a remainder below
        fc.integer({ min: 0, max: 999 }),
        (startMs, stepMs, points, steps, extraMs) => {
          const intervalMs = steps * stepMs + Math.min(extraMs, stepMs - 1);
          const start = startMs / 1000;
          const end = (startMs + points * stepMs) / 1000;
          const pieces = planPieces(start, end, stepMs / 1000, { intervalMs, concurrency: 1 }, 1e9);
          const seen: number[] = [];
          for (const piece of pieces) {
            const [a, b] = [Math.round(piece.start * 1000), Math.round(piece.end * 1000)];
            expect(a).toBeLessThanOrEqual(b);
            // One interval: no multiple of it lies in (a, b].
            expect(Math.floor(a / intervalMs)).toBe(Math.floor(b / intervalMs));
            for (let t = a; t <= b; t += stepMs) seen.push(t);
          }
          expect(seen).toEqual(Array.from({ length: points + 1 }, (_, k) => startMs + k * stepMs));
        },
      ),
      { seed: fuzzSeed(), numRuns: 300 },
    );
  });
});

describe("forPieces", () => {
  const fixed = (q: string) => forPieces(q, 1000, 4600.5).query;

  it("gives @ start(), @ end() and range() the whole range's values", () => {
    expect(fixed("rate(x[5m] @ start())")).toBe("rate(x[5m] @ 1000)");
    expect(fixed("x @ end() offset 5m - x @ start ( )")).toBe("x @ 4600.5 offset 5m - x @ 1000");
    expect(fixed("max_over_time(x[range() : step()])")).toBe("max_over_time(x[3600500ms : step()])");
    expect(fixed("up")).toBe("up");
  });

  it("finds them across comments, which Prometheus skips between any two tokens", () => {
    expect(fixed("x @ start( # c\n)")).toBe("x @ 1000");
    expect(fixed("x @ start # c\n()")).toBe("x @ 1000");
    expect(fixed("x @ end(#)\n)")).toBe("x @ 4600.5");
    expect(fixed("x[range( # c\n)]")).toBe("x[3600500ms]");
  });

  it("gives range() the difference of the millisecond bounds Prometheus is sent", () => {
    // formatTime sends 0.001 and 1: Prometheus computes 999 ms, not round(999.9 µs…) = 1000.
    expect(forPieces("x[range()]", 0.0005, 1.0004).query).toBe("x[999ms]");
  });

  it("leaves strings, comments and look-alike names alone", () => {
    expect(fixed('x{a="@ start()"} @ end()')).toBe('x{a="@ start()"} @ 4600.5');
    expect(fixed("x # end()\n + y @ start()")).toBe("x # end()\n + y @ 1000");
    expect(fixed("sum by (start) (x_end)")).toBe("sum by (start) (x_end)");
    expect(fixed('my_start + restart{range="end"}')).toBe('my_start + restart{range="end"}');
  });

  it("refuses the start(), end() and range() functions, which pieces would evaluate as their own", () => {
    expect(() => fixed("time() - end()")).toThrow(InvalidArgumentError);
    expect(() => fixed("time() - end()")).toThrow(
      /uses end\(\) where promfleet cannot give it the whole range's value/,
    );
    // The grammar knows the functions in lower case only: refused as a query it cannot parse.
    expect(() => fixed("time() - END()")).toThrow(/does not parse as PromQL/);
  });

  it("finds them in any letter case, as Prometheus reads them, and says when @ end() was used", () => {
    expect(forPieces("x - x @ END()", 1000, 4600.5)).toEqual({
      query: "x - x @ 4600.5",
      readsEnd: true,
      readsAhead: 0,
    });
    expect(forPieces("x @ Start()", 1000, 4600.5)).toEqual({
      query: "x @ 1000",
      readsEnd: false,
      readsAhead: 0,
    });
    expect(forPieces("up", 1000, 4600.5)).toEqual({ query: "up", readsEnd: false, readsAhead: 0 });
  });

  it.each([
    "range_max(foo)", // MetricsQL: functions of the whole range asked
    "running_sum(foo)",
    "topk_max(3, foo)",
    "keep_last_value(foo)",
    "foo(end)",
    "sum(",
  ])("refuses %j, which does not parse as PromQL: its pieces might not add up to the whole", (query) => {
    expect(() => planSplitRange(query, { start: 0, end: 3600, step: 60, split: "10m" }, 11_000)).toThrow(
      /does not parse as PromQL .* ask without split/,
    );
    // One piece is the range asked as it is: nothing to vouch for.
    expect(planSplitRange(query, { start: 0, end: 300, step: 60, split: "10m" }, 11_000).query).toBe(query);
  });
});
