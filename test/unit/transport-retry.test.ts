import fc from "fast-check";
import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { BadQueryError, type RetryEvent, UnavailableError } from "../../src/index.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
} from "../../src/transport/retry.ts";
import {
  EMPTY_VECTOR,
  goText,
  json,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();

/** Serves `failures` then a success; returns the request log. */
function failThenSucceed(failures: Array<() => Response>): SeenRequest[] {
  const log: SeenRequest[] = [];
  server.use(record(QUERY_URL, log, (_r, i) => failures[i]?.() ?? HttpResponse.json(EMPTY_VECTOR)));
  return log;
}

describe("backoff", () => {
  const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };

  it("doubles per retry, jittered within [bound/2, bound], and is capped by maxDelayMs", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(2, policy, () => 1)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(10, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });

  it("stays within its limits for any retry number and random value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, r) => {
        const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
        const delay = backoffDelay(retry, policy, () => r);
        return delay >= Math.floor(bound / 2) && delay <= bound;
      }),
    );
  });

  it("uses Math.random by default", () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(5, policy)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it("retries 429, 502, 503 and 504 only", () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 408, 413, 500, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-01-01T00:00:00Z");
  it.each([
    ["120", 120_000],
    [" 3 ", 3_000],
    ["0", 0],
    ["1.5", 1_500],
    ["Mon, 01 Jan 2024 00:00:30 GMT", 30_000],
    ["Sun, 31 Dec 2023 23:00:00 GMT", 0], // a date in the past: no wait
    ["99999999999", 99_999_999_999_000],
    ["soon", undefined],
    ["", undefined],
  ])("%j → %j ms", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it("is undefined without the header, and counts from Date.now() by default", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    expect(parseRetryAfter(inAMinute)).toBeGreaterThan(58_000);
  });
});

describe("retries", () => {
  it.each([502, 503, 504, 429])("%i is retried with backoff, then the call succeeds", async (status) => {
    const log = failThenSucceed([() => goText(status, "busy"), () => goText(status, "busy")]);
    const client = makeClient();
    const retries: RetryEvent[] = [];
    client.on("retry", (e) => retries.push(e));
    const r = await client.query("up");
    expect(r.data.resultType).toBe("vector");
    expect(log).toHaveLength(3);
    expect(retries.map((e) => e.attempt)).toEqual([1, 2]);
    for (const e of retries) expect(e.delayMs).toBeLessThanOrEqual(5);
    expect(retries[0]?.reason).toContain(`answered ${status}`);
  });

  it("retry: false makes exactly one attempt", async () => {
    const log = failThenSucceed([() => goText(503, "busy")]);
    const error = await rejection(makeClient({ retry: false }).query("up"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(log).toHaveLength(1);
  });

  it("a number sets the limit: retry: 1 makes two attempts, retry: 0 one", async () => {
    const log = failThenSucceed(Array(5).fill(() => goText(502, "bad gateway")));
    await rejection(makeClient({ retry: 1 }).query("up"));
    expect(log).toHaveLength(2);
    await rejection(makeClient({ retry: 0 }).query("up"));
    expect(log).toHaveLength(3);
  });

  it("after the last retry, the last answer is the error", async () => {
    const log = failThenSucceed([
      () => goText(502, "first"),
      () => goText(502, "second"),
      () => goText(504, "third"),
    ]);
    const error = (await rejection(makeClient().query("up"))) as UnavailableError;
    expect(error.status).toBe(504);
    expect(error.message).toContain("third");
    expect(log).toHaveLength(3);
  });

  it("400 and 500 are not retried", async () => {
    const log = failThenSucceed([() => json(400, { status: "error", errorType: "bad_data", error: "x" })]);
    expect(await rejection(makeClient().query("up"))).toBeInstanceOf(BadQueryError);
    expect(log).toHaveLength(1);
    const log500 = failThenSucceed([() => goText(500, "x")]);
    await rejection(makeClient().query("up"));
    expect(log500).toHaveLength(1);
  });

  it("fails at once with the answer's error when the backoff does not fit in the time left", async () => {
    const log = failThenSucceed([() => goText(503, "Service Unavailable")]);
    const started = performance.now();
    const error = await rejection(
      makeClient({ timeout: 10_000, retry: { baseDelayMs: 30_000, maxDelayMs: 60_000 } }).query("up"),
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(503);
    expect(log).toHaveLength(1);
  });
});

describe("Retry-After", () => {
  it("waits the seconds a 429 asks for, then retries", async () => {
    const log = failThenSucceed([() => goText(429, "slow down", { "retry-after": "1" })]);
    const client = makeClient();
    const retries: RetryEvent[] = [];
    client.on("retry", (e) => retries.push(e));
    const started = performance.now();
    await client.query("up");
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries[0]?.delayMs).toBe(1_000);
    expect(log).toHaveLength(2);
  });

  it("reads an HTTP date and caps a long wait at maxRetryAfterMs", async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    const log = failThenSucceed([() => goText(503, "Service Unavailable", { "retry-after": inAnHour })]);
    const client = makeClient({ retry: { maxRetryAfterMs: 30 } });
    const retries: RetryEvent[] = [];
    client.on("retry", (e) => retries.push(e));
    await client.query("up");
    expect(retries.map((e) => e.delayMs)).toEqual([30]);
    expect(log).toHaveLength(2);
  });

  it("an absurd Retry-After that does not fit in the time left fails at once, keeping the 429", async () => {
    const log = failThenSucceed([() => goText(429, "Too Many Requests", { "retry-after": "86400000" })]);
    const started = performance.now();
    const error = await rejection(makeClient({ timeout: 10_000 }).query("up"));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 86_400_000_000 });
    expect(error.message).toContain("Too Many Requests");
    expect(log).toHaveLength(1);
  });

  it("the same holds for a 503 whose capped Retry-After exceeds the time left", async () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    failThenSucceed([() => goText(503, "Service Unavailable", { "retry-after": inAMinute })]);
    const started = performance.now();
    const error = (await rejection(
      makeClient({ timeout: 8_000, retry: { maxRetryAfterMs: 10_000 } }).query("up"),
    )) as UnavailableError;
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(error.status).toBe(503);
    expect(error.retryAfterMs).toBeGreaterThan(55_000);
  });

  it("after retries spent on 429s, the UnavailableError carries the last Retry-After", async () => {
    failThenSucceed(Array(3).fill(() => goText(429, "Too Many Requests", { "retry-after": "0" })));
    const error = (await rejection(makeClient().query("up"))) as UnavailableError;
    expect(error).toMatchObject({ status: 429, retryAfterMs: 0 });
  });
});
