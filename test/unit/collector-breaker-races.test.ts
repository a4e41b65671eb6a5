import { describe, expect, it } from "vitest";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import type { CircuitEvent } from "../../src/observe/events.ts";
import { jsonBody, textBody, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server answering everything after `ms` (health probes included). */
function slowEverything(ms: number) {
  return (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    if (req.url?.startsWith("/-/")) return withLatency(ms, "ok\n")(req, res);
    return withLatency(ms, vectorBody({}, 1))(req, res);
  };
}

describe("breaker and caller-imposed short deadlines", () => {
  it("health() with a short per-call timeout does not open the circuit of a healthy cluster", async () => {
    const s = await stub(slowEverything(200));
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      breaker: { failures: 2, coolDownMs: 60_000 },
    });
    for (let i = 0; i < 3; i++)
      expect((await fleet.health({ timeout: 30 })).get("a")?.status).toBe("timeout");
    const r = (await fleet.query("up")).get("a");
    expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
  });

  it("health() under a short overall deadline does not open the circuit either", async () => {
    const s = await stub(slowEverything(200));
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      breaker: { failures: 2, coolDownMs: 60_000 },
    });
    for (let i = 0; i < 3; i++) await fleet.health({ deadline: 30 });
    const r = (await fleet.query("up")).get("a");
    expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
  });

  for (const [what, cut] of [
    ["a per-call timeout", { timeout: 30 }],
    ["an overall deadline", { deadline: 60 }],
  ] as const) {
    it(`${what} that cuts a (slow) registry lookup does not open the circuit`, async () => {
      const s = await stub(jsonBody(200, vectorBody({}, 1)));
      const registry = new LookupClusterRegistry({
        list: () => ["a"],
        lookup: async () => {
          await sleep(150);
          return { url: s.url };
        },
        memoMs: 0,
      });
      const fleet = collector({ registry, breaker: { failures: 2, coolDownMs: 60_000 } });
      // Cut short by the caller (a later one may find the shared lookup answered in time).
      for (let i = 0; i < 3; i++) await fleet.query("up", cut);
      const r = (await fleet.query("up")).get("a");
      expect({ status: r?.status, error: r?.error?.message }).toEqual({ status: "ok", error: undefined });
    });
  }
});

describe("half-open probes under concurrency", () => {
  it("only one probe reaches the cluster when many fan-outs race after the cool-down", async () => {
    let mode: "down" | "slow-up" = "down";
    const s = await stub((req, res) => {
      if (mode === "down") return textBody(503, "down\n")(req, res);
      return withLatency(200, vectorBody({}, 1))(req, res);
    });
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      breaker: { failures: 2, coolDownMs: 150 },
    });
    const circuit: CircuitEvent[] = [];
    fleet.on("circuit", (e) => circuit.push(e));
    await fleet.query("up");
    await fleet.query("up");
    expect((await fleet.query("up")).get("a")?.status).toBe("skipped");
    await sleep(200);
    mode = "slow-up";
    const before = s.requests;
    const rs = await Promise.all(Array.from({ length: 10 }, () => fleet.query("up")));
    const statuses = rs.map((r) => r.get("a")?.status).sort();
    expect(s.requests - before).toBe(1);
    expect(statuses.filter((x) => x === "ok").length).toBe(1);
    expect(statuses.filter((x) => x === "skipped").length).toBe(9);
    expect(circuit.map((e) => e.state)).toEqual(["open", "half-open", "closed"]);
  });

  it("a call admitted before the circuit opened, failing during the probe, does not reopen it over a successful probe", async () => {
    // 'a' answers the first request after 600 ms with 503, then 503 at once twice, then ok after 200 ms
    let n = 0;
    const s = await stub((req, res) => {
      const i = n++;
      if (i === 0) return setTimeout(() => textBody(503, "late\n")(req, res), 600);
      if (i <= 2) return textBody(503, "down\n")(req, res);
      return withLatency(700, vectorBody({}, 1))(req, res);
    });
    const fleet = collector({
      registry: [{ id: "a", url: s.url }],
      breaker: { failures: 2, coolDownMs: 200 },
    });
    const circuit: string[] = [];
    fleet.on("circuit", (e) => circuit.push(e.state));
    const stale = fleet.query("up"); // admitted while closed; fails at ~600 ms
    await sleep(20);
    await fleet.query("up");
    await fleet.query("up"); // opens at ~t=30
    await sleep(250); // cool-down over at ~t=230
    const probe = fleet.query("up"); // probe, answers ok at ~t=930; stale fails at ~600, during the probe
    await sleep(550); // t ~ 830: the stale failure reopened the circuit and freed the probe slot?
    const during = fleet.query("up");
    const [p, st, d] = await Promise.all([probe, stale, during]);
    // one probe at a time: the call at ~830 ms must be skipped while the probe is in flight
    expect({ during: d.get("a")?.status, circuit }).toEqual({
      during: "skipped",
      circuit: ["open", "half-open", "closed"],
    });
    expect(p.get("a")?.status).toBe("ok");
    expect(st.get("a")?.status).toBe("error");
    // the circuit: open, half-open, closed; the stale failure after that starts a new count only
    expect(circuit).toEqual(["open", "half-open", "closed"]);
    expect((await fleet.query("up")).get("a")?.status).toBe("ok");
  });
});
