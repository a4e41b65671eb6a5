import { afterEach, describe, expect, it } from "vitest";
import { AbortError, PrometheusError, TimeoutError, UnavailableError } from "../../src/index.ts";
import {
  closeMidBody,
  dripBody,
  EMPTY_VECTOR_BODY,
  headersThenStall,
  neverAnswers,
  type StubHandler,
  withLatency,
} from "../support/stubServer.ts";
import { failure, settle } from "./helpers.ts";
import { closeTrackedStubs, startTrackedStub } from "./trackedStub.ts";

/**
 * Servers that misbehave on purpose: every call ends by its deadline (bounds are generous: this is
 * correctness, not speed) with a typed error, and the connection it used is released: the stub
 * sees it close before the client is closed, and the process holds no more sockets afterwards
 * than before.
 */

const DEADLINE_MS = 800;
/** Generous: the deadline plus a second for a loaded 2-core machine. */
const BOUND_MS = DEADLINE_MS + 1_000;

afterEach(closeTrackedStubs);

async function setup(handler: StubHandler, retry?: number) {
  const { stub, client, carriedClosed, close } = await startTrackedStub(handler, {
    timeout: DEADLINE_MS,
    retry: { limit: retry ?? 2, baseDelayMs: 20, maxDelayMs: 40 },
  });
  /**
   * Checks that every connection a failed call used is closed by then, before client.close() (a
   * connection left open would wait for a stalled server for ever); then closes both ends and
   * checks the process holds no more sockets than before.
   */
  const released = async (options: { callsFailed: boolean } = { callsFailed: true }) => {
    if (options.callsFailed) {
      await carriedClosed("every connection that carried a request is closed (before client.close())", 1_000);
    }
    await close();
  };
  return { stub, client, released };
}

describe("upstream faults on a loopback server", () => {
  it("a server that accepts and never answers: TimeoutError by the deadline, socket released", async () => {
    const { stub, client, released } = await setup(neverAnswers());
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).endpoint).toBe(`${stub.url}/api/v1/query`);
    expect(r.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(stub.requests).toBe(1); // a deadline is not retried
    await released();
  });

  it("headers, then a body that never comes: TimeoutError by the deadline, socket released", async () => {
    const { client, released } = await setup(headersThenStall());
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(TimeoutError);
    expect(r.ms).toBeLessThan(BOUND_MS);
    await released();
  });

  it("a body dripped a byte at a time, too slowly: TimeoutError by the deadline, socket released", async () => {
    // ~70 bytes at one per 40 ms: about 3 s, far past the deadline.
    const { client, released } = await setup(dripBody(1, 40));
    const r = await settle(() => client.queryRange("up", { start: 0, end: 60, step: 15 }));
    expect(failure(r)).toBeInstanceOf(TimeoutError);
    expect(r.ms).toBeLessThan(BOUND_MS);
    await released();
  });

  it("a body dripped fast enough is read whole within the deadline", async () => {
    const { client, released } = await setup(dripBody(16, 5));
    const r = await settle(() => client.query("up"));
    expect(r.ok).toBe(true);
    await released({ callsFailed: false });
  });

  it("a connection closed mid-body: retried, then UnavailableError by the deadline, sockets released", async () => {
    const { stub, client, released } = await setup(closeMidBody());
    const r = await settle(() => client.query("up"));
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/closed the connection|terminated|reset/);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(stub.requests).toBe(3); // the first attempt and two retries
    await released();
  });

  it("a connection closed mid-body without retries fails at once with UnavailableError", async () => {
    const { stub, client, released } = await setup(closeMidBody(), 0);
    const r = await settle(() => client.query("up"));
    expect(failure(r)).toBeInstanceOf(UnavailableError);
    expect(stub.requests).toBe(1);
    await released();
  });

  it("twenty concurrent calls to a server that never answers all end by the deadline, every socket released", async () => {
    const { stub, client, released } = await setup(neverAnswers());
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => settle(() => client.query(`up + ${i}`))),
    );
    for (const r of results) expect(failure(r)).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(stub.requests).toBe(20);
    await released();
  });

  it("a caller's abort during a stall ends the call at once with AbortError, socket released", async () => {
    const { client, released } = await setup(headersThenStall());
    const controller = new AbortController();
    const reason = new Error("the caller gave up");
    setTimeout(() => controller.abort(reason), 100);
    const r = await settle(() => client.query("up", { signal: controller.signal, timeout: 5_000 }));
    const error = failure(r);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(r.ms).toBeLessThan(1_100);
    await released();
  });

  it("each stall ends the same way through every endpoint family (series, labels, metadata, status)", async () => {
    const { client, released } = await setup(headersThenStall());
    const calls: Array<() => Promise<unknown>> = [
      () => client.series(["up"]),
      () => client.labelNames(),
      () => client.labelValues("job"),
      () => client.metadata(),
      () => client.buildInfo(),
      () => client.targets(),
    ];
    const results = await Promise.all(calls.map((call) => settle(call)));
    for (const r of results) {
      expect(failure(r)).toBeInstanceOf(TimeoutError);
      expect(r.ms).toBeLessThan(BOUND_MS);
    }
    await released();
  });

  it("health() against a server that never answers reports unhealthy by the deadline instead of throwing", async () => {
    const { client, released } = await setup(neverAnswers());
    const r = await settle(() => client.health({ timeout: DEADLINE_MS }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.healthy).toBe(false);
      expect(r.value.error).toBeInstanceOf(PrometheusError);
    }
    expect(r.ms).toBeLessThan(BOUND_MS);
    await released();
  });

  it("close() during a stalled call: the call gets a short grace, then fails with UnavailableError; close() does not wait for its deadline", async () => {
    const { client, released } = await setup(headersThenStall());
    const call = settle(() => client.query("up", { timeout: 60_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = settle(() => client.close());
    const [r, closed] = await Promise.all([call, closing]);
    const error = failure(r);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toContain("the client was closed during the call");
    expect(closed.ms).toBeLessThan(2_500);
    const after = await settle(() => client.query("up"));
    expect(failure(after)).toBeInstanceOf(PrometheusError);
    await released();
  });

  it("close() while a call is about to finish lets it finish", async () => {
    const { client, released } = await setup(withLatency(300, EMPTY_VECTOR_BODY));
    const call = settle(() => client.query("up"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.close();
    expect((await call).ok).toBe(true);
    await released({ callsFailed: false });
  });
});
