import { afterEach, describe, expect, it } from "vitest";
import { PrometheusClient, type RetryEvent, TimeoutError, UnavailableError } from "../../src/index.ts";
import {
  EMPTY_VECTOR_BODY,
  jsonBody,
  type StubHandler,
  type StubServer,
  sequence,
  startStubServer,
  textBody,
} from "../support/stubServer.ts";
import { failure, settle } from "./helpers.ts";

/**
 * 429 and 503 with Retry-After in seconds, as an HTTP date, absurdly long, or unreadable: the wait
 * is the server's, capped by `maxRetryAfterMs`; it never runs past the deadline, and when it does
 * not fit in the time left the call fails at once with the server's answer (not a vague timeout).
 */

const open: Array<{ stub: StubServer; client: PrometheusClient }> = [];
afterEach(async () => {
  for (const { stub, client } of open.splice(0)) {
    await client.close();
    await stub.close();
  }
});

const OK = jsonBody(200, EMPTY_VECTOR_BODY);
const tooMany = (retryAfter: string) => textBody(429, "rate limited\n", { "retry-after": retryAfter });
const unavailable = (retryAfter: string) =>
  textBody(503, "Service Unavailable", { "retry-after": retryAfter });
/** An HTTP date `ms` from now (whole seconds, as the header carries them). */
const httpDate = (ms: number) => new Date(Date.now() + ms).toUTCString();

async function setup(
  handler: StubHandler,
  options: { timeout: number; maxRetryAfterMs?: number; limit?: number },
) {
  const stub = await startStubServer(handler);
  const client = new PrometheusClient({
    url: stub.url,
    timeout: options.timeout,
    retry: {
      limit: options.limit ?? 2,
      baseDelayMs: 100,
      maxDelayMs: 200,
      ...(options.maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs: options.maxRetryAfterMs }),
    },
  });
  const retries: RetryEvent[] = [];
  client.on("retry", (event) => retries.push(event));
  open.push({ stub, client });
  return { stub, client, retries };
}

describe("Retry-After on 429 and 503", () => {
  it("429 with Retry-After in seconds: waits that long, then succeeds", async () => {
    const { stub, client, retries } = await setup(sequence(tooMany("1"), OK), { timeout: 5_000 });
    const r = await settle(() => client.query("up"));
    expect(r.ok).toBe(true);
    expect(retries.map((e) => e.delayMs)).toEqual([1_000]);
    expect(r.ms).toBeGreaterThanOrEqual(990);
    expect(r.ms).toBeLessThan(2_500);
    expect(stub.requests).toBe(2);
  });

  it("503 with Retry-After as an HTTP date: waits until then, then succeeds", async () => {
    const { client, retries } = await setup(sequence(unavailable(httpDate(2_000)), OK), { timeout: 6_000 });
    const r = await settle(() => client.query("up"));
    expect(r.ok).toBe(true);
    // The date has whole seconds: between one and two seconds away when it was read.
    expect(retries[0]?.delayMs).toBeGreaterThan(900);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2_000);
    expect(r.ms).toBeGreaterThanOrEqual(retries[0]!.delayMs - 10);
  });

  it("an HTTP date in the past: retried without waiting for it", async () => {
    const { client, retries } = await setup(sequence(tooMany(httpDate(-60_000)), OK), { timeout: 5_000 });
    const r = await settle(() => client.query("up"));
    expect(r.ok).toBe(true);
    expect(retries.map((e) => e.delayMs)).toEqual([0]);
  });

  it("an absurdly long Retry-After is capped by maxRetryAfterMs: waits the cap, then succeeds", async () => {
    const { client, retries } = await setup(sequence(tooMany("999999999999"), OK), {
      timeout: 5_000,
      maxRetryAfterMs: 300,
    });
    const r = await settle(() => client.query("up"));
    expect(r.ok).toBe(true);
    expect(retries.map((e) => e.delayMs)).toEqual([300]);
  });

  it("an absurdly long Retry-After as a date far ahead is capped too", async () => {
    const { client, retries } = await setup(sequence(unavailable("Fri, 31 Dec 9999 23:59:59 GMT"), OK), {
      timeout: 5_000,
      maxRetryAfterMs: 250,
    });
    expect((await settle(() => client.query("up"))).ok).toBe(true);
    expect(retries.map((e) => e.delayMs)).toEqual([250]);
  });

  it("a capped wait that does not fit in the time left: fails at once with the 429, not a timeout", async () => {
    // Default cap 30 s, deadline 2 s: sleeping would only turn a clear 429 into a TimeoutError.
    const { stub, client, retries } = await setup(tooMany("999999999999"), { timeout: 2_000 });
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(429);
    expect((error as UnavailableError).retryAfterMs).toBe(999_999_999_999_000);
    expect(error.message).toContain("rate limited");
    expect(r.ms).toBeLessThan(1_000);
    expect(retries).toEqual([]);
    expect(stub.requests).toBe(1);
  });

  it("waits that fit are taken, the first that does not fit ends the call: never past the deadline", async () => {
    // Deadline 1.6 s: the first 1 s wait fits, the second (at ~1 s, 0.6 s left) does not.
    const { stub, client, retries } = await setup(unavailable("1"), { timeout: 1_600, limit: 5 });
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect((error as UnavailableError).status).toBe(503);
    expect(retries.map((e) => e.delayMs)).toEqual([1_000]);
    expect(stub.requests).toBe(2);
    expect(r.ms).toBeGreaterThanOrEqual(990);
    expect(r.ms).toBeLessThan(1_600);
  });

  it("a Retry-After equal to the whole deadline fails at once", async () => {
    const { stub, client } = await setup(tooMany("2"), { timeout: 2_000 });
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(UnavailableError);
    expect(r.ms).toBeLessThan(1_000);
    expect(stub.requests).toBe(1);
  });

  it("429s until the retries are spent: UnavailableError carrying the server's last Retry-After", async () => {
    const { stub, client, retries } = await setup(tooMany("0.1"), { timeout: 5_000, limit: 2 });
    const r = await settle(() => client.query("up"));
    const error = failure(r) as UnavailableError;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.retryAfterMs).toBe(100);
    expect(retries.map((e) => e.delayMs)).toEqual([100, 100]);
    expect(stub.requests).toBe(3);
  });

  it("an unreadable Retry-After (text, negative, a bare number Date.parse would take) falls back to backoff", async () => {
    for (const header of ["soon", "-1", "1e3", "0x10"]) {
      const { client, retries } = await setup(sequence(tooMany(header), OK), { timeout: 5_000 });
      const r = await settle(() => client.query("up"));
      expect(r.ok, header).toBe(true);
      // Backoff: between half the 100 ms base and the base.
      expect(retries[0]?.delayMs, header).toBeGreaterThanOrEqual(50);
      expect(retries[0]?.delayMs, header).toBeLessThanOrEqual(100);
    }
  });

  it("a Prometheus JSON 503 timeout already used the server's time: not retried, even with Retry-After", async () => {
    const body = { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" };
    const { stub, client } = await setup(jsonBody(503, body, { "retry-after": "1" }), { timeout: 5_000 });
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(TimeoutError);
    expect(stub.requests).toBe(1);
    expect(r.ms).toBeLessThan(1_000);
  });
});
