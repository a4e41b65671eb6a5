import { afterEach, describe, expect, it } from "vitest";
import { CircuitBreakers, outcomeOf } from "../../src/collector/breaker.ts";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { AbortError, BadQueryError, TimeoutError, UnavailableError } from "../../src/index.ts";
import type { CircuitEvent } from "../../src/observe/events.ts";
import { Events } from "../../src/observe/events.ts";
import { silentLogger } from "../../src/observe/logger.ts";
import { jsonBody, textBody } from "../support/stubServer.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const open: MetricsCollector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function breakers(failures: number, coolDownMs: number) {
  const events = new Events();
  const seen: CircuitEvent[] = [];
  events.on("circuit", (e) => seen.push(e));
  return { b: new CircuitBreakers({ failures, coolDownMs }, events, silentLogger), seen };
}

describe("CircuitBreakers", () => {
  it("opens after K consecutive failures, probes once half-open, and closes on success", async () => {
    const { b, seen } = breakers(2, 50);
    const boom = new UnavailableError("connection refused");
    expect(b.admit("a")).toEqual({ admitted: true, probe: false });
    b.settle("a", "failure", boom);
    expect(b.state("a")).toBe("closed");
    b.settle("a", "failure", boom);
    expect(b.state("a")).toBe("open");
    const refused = b.admit("a");
    expect(refused.admitted).toBe(false);
    expect(!refused.admitted && refused.reason).toMatch(
      /circuit open after 2 consecutive failures \(last: connection refused\)/,
    );
    expect(b.openCircuits()).toEqual({ a: "open" });
    await sleep(70);
    expect(b.state("a")).toBe("half-open");
    expect(b.admit("a")).toEqual({ admitted: true, probe: true });
    const second = b.admit("a");
    expect(!second.admitted && second.reason).toMatch(/probe .* in flight/);
    b.settle("a", "success");
    expect(b.state("a")).toBe("closed");
    expect(seen.map((e) => e.state)).toEqual(["open", "half-open", "closed"]);
    expect(seen[0]).toMatchObject({ cluster: "a", failures: 2, reason: "connection refused", retryInMs: 50 });
  });

  it("re-opens when the probe fails, and frees the probe slot when it proves nothing", async () => {
    const { b, seen } = breakers(1, 30);
    b.settle("a", "failure", new UnavailableError("down"));
    await sleep(40);
    expect(b.admit("a")).toMatchObject({ probe: true });
    b.settle("a", "neutral", undefined, true);
    expect(b.admit("a")).toMatchObject({ probe: true });
    // A call admitted before the circuit opened ends meanwhile: its failure is not the probe's.
    b.settle("a", "failure", new UnavailableError("older call"));
    expect(b.state("a")).toBe("half-open");
    expect(b.admit("a")).toMatchObject({ admitted: false });
    b.settle("a", "failure", new UnavailableError("still down"), true);
    expect(b.state("a")).toBe("open");
    expect(seen.map((e) => e.state)).toEqual(["open", "half-open", "half-open", "open"]);
    b.settle("never-failed", "success");
    b.settle("never-failed", "neutral");
    expect(b.state("never-failed")).toBe("closed");
  });

  it("counts only failures that say something about the cluster", () => {
    expect(outcomeOf(new BadQueryError("parse error"))).toBe("neutral");
    expect(outcomeOf(new AbortError("aborted"))).toBe("neutral");
    expect(outcomeOf(new TimeoutError("slow"))).toBe("failure");
    expect(outcomeOf(new Error("anything else"))).toBe("failure");
  });
});

describe("the breaker in a fan-out", () => {
  it("skips a failing cluster with the reason, then lets one probe through after the cool-down", async () => {
    const flaky = await stub(textBody(500, "broken"));
    const healthy = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = new MetricsCollector({
      registry: [
        { id: "flaky", url: flaky.url },
        { id: "healthy", url: healthy.url },
      ],
      clientOptions: { retry: false },
      breaker: { failures: 2, coolDownMs: 150 },
    });
    open.push(fleet);
    const circuit: CircuitEvent[] = [];
    fleet.on("circuit", (e) => circuit.push(e));
    await fleet.query("up");
    await fleet.query("up");
    expect(flaky.requests).toBe(2);
    const skipped = await fleet.query("up");
    expect(skipped.get("flaky")?.status).toBe("skipped");
    expect(skipped.get("flaky")?.error?.message).toMatch(/circuit open after 2 consecutive failures/);
    expect(skipped.get("healthy")?.status).toBe("ok");
    expect(flaky.requests).toBe(2);
    expect(JSON.stringify(fleet)).toContain('"openCircuits":{"flaky":"open"}');
    await sleep(200);
    flaky.setHandler(jsonBody(200, vectorBody({}, 2)));
    const probe = await fleet.query("up");
    expect(probe.get("flaky")?.status).toBe("ok");
    expect(flaky.requests).toBe(3);
    expect(circuit.map((e) => `${e.cluster}:${e.state}`)).toEqual([
      "flaky:open",
      "flaky:half-open",
      "flaky:closed",
    ]);
  });

  it("does not count a query the server refuses (400) against the cluster", async () => {
    const s = await stub(jsonBody(400, { status: "error", errorType: "bad_data", error: "nope" }));
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url }],
      clientOptions: { retry: false },
      breaker: { failures: 1, coolDownMs: 60_000 },
    });
    open.push(fleet);
    await fleet.query("up");
    const r = await fleet.query("up");
    expect(r.get("a")?.status).toBe("error");
    expect(r.get("a")?.error).toBeInstanceOf(BadQueryError);
    expect(s.requests).toBe(2);
  });

  it("can be turned off", async () => {
    const s = await stub(textBody(500, "broken"));
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url }],
      clientOptions: { retry: false },
      breaker: false,
    });
    open.push(fleet);
    for (let i = 0; i < 7; i++) await fleet.query("up");
    expect(s.requests).toBe(7);
  });
});
