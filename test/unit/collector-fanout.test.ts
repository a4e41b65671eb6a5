import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { PrometheusError, ResponseError, TimeoutError, UnavailableError } from "../../src/index.ts";
import type { ClusterEvent } from "../../src/observe/events.ts";
import { jsonBody, neverAnswers, textBody, withLatency } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("fan-out statuses", () => {
  it("reports ok, error (500), error (garbage) and timeout (never answers) per cluster", async () => {
    const ok = await stub(withLatency(20, vectorBody({ job: "a" }, 1)));
    const fails = await stub(textBody(500, "internal error"));
    const garbage = await stub(textBody(200, "<html>not json</html>", { "content-type": "text/html" }));
    const dead = await stub(neverAnswers());
    const fleet = collector({
      registry: [
        { id: "ok", url: ok.url },
        { id: "fails", url: fails.url },
        { id: "garbage", url: garbage.url },
        { id: "dead", url: dead.url },
      ],
      timeout: 800,
    });
    const started = performance.now();
    const r = await fleet.query("up");
    const wall = performance.now() - started;
    expect(r.get("ok")?.status).toBe("ok");
    expect(r.get("ok")?.value?.data.resultType).toBe("vector");
    expect(r.get("fails")?.status).toBe("error");
    expect(r.get("fails")?.error).toBeInstanceOf(UnavailableError);
    expect(r.get("garbage")?.status).toBe("error");
    expect(r.get("garbage")?.error).toBeInstanceOf(ResponseError);
    expect(r.get("dead")?.status).toBe("timeout");
    expect(r.get("dead")?.error).toBeInstanceOf(TimeoutError);
    expect(r.get("dead")?.error?.cluster).toBe("dead");
    // The dead cluster costs one timeout, not more (generous bound).
    expect(wall).toBeGreaterThanOrEqual(750);
    expect(wall).toBeLessThan(5_000);
    // The others did not wait for it.
    expect(r.get("ok")!.latencyMs).toBeLessThan(700);
    expect(r.ok().map((c) => c.cluster)).toEqual(["ok"]);
    expect(r.failed().map((c) => c.cluster)).toEqual(["fails", "garbage", "dead"]);
    expect(r.summary()).toEqual({ ok: 1, error: 2, timeout: 1, skipped: 0 });
    expect([...r].map((c) => c.cluster)).toEqual(["ok", "fails", "garbage", "dead"]);
    expect(r.size).toBe(4);
  });

  it("keeps warnings and infos per cluster and flags cached answers as not cached without a cache", async () => {
    const warn = await stub(jsonBody(200, vectorBody({}, 1, { warnings: ["partial"], infos: ["hint"] })));
    const fleet = collector({ registry: [{ id: "w", url: warn.url }] });
    const r = await fleet.query("up");
    expect(r.get("w")).toMatchObject({ status: "ok", cached: false, warnings: ["partial"], infos: ["hint"] });
  });

  it("emits one cluster event per finished cluster, done counting up to total", async () => {
    const a = await stub(withLatency(10, vectorBody({}, 1)));
    const b = await stub(textBody(500, "no"));
    const fleet = collector({
      registry: [
        { id: "a", url: a.url },
        { id: "b", url: b.url },
      ],
    });
    const events: ClusterEvent[] = [];
    const off = fleet.on("cluster", (e) => events.push(e));
    await fleet.query("up");
    off();
    expect(events.map((e) => e.done)).toEqual([1, 2]);
    expect(events.every((e) => e.total === 2)).toBe(true);
    expect(events.map((e) => `${e.cluster}:${e.status}`).sort()).toEqual(["a:ok", "b:error"]);
    await fleet.query("up");
    expect(events).toHaveLength(2);
  });

  it("passes client events (request, response) on, with the cluster id", async () => {
    const a = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: a.url }] });
    const seen: Array<string | undefined> = [];
    fleet.on("response", (e) => seen.push(e.cluster));
    await fleet.query("up");
    expect(seen).toEqual(["a"]);
  });
});

describe("health fan-out", () => {
  it("is ok when healthy and ready, error when not ready, and keeps the answer either way", async () => {
    const route =
      (ready: number) =>
      (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
        const path = req.url ?? "";
        if (path.startsWith("/-/healthy")) return textBody(200, "Prometheus Server is Healthy.\n")(req, res);
        if (path.startsWith("/-/ready")) return textBody(ready, "Service Unavailable\n")(req, res);
        return jsonBody(200, { status: "success", data: { version: "2.42.0" } })(req, res);
      };
    const up = await stub(route(200));
    const starting = await stub(route(503));
    const fleet = collector({
      registry: [
        { id: "up", url: up.url },
        { id: "starting", url: starting.url },
      ],
    });
    const r = await fleet.health();
    expect(r.get("up")).toMatchObject({
      status: "ok",
      value: { healthy: true, ready: true, version: "2.42.0" },
    });
    expect(r.get("starting")?.status).toBe("error");
    expect(r.get("starting")?.value).toMatchObject({ healthy: true, ready: false });
    expect(r.get("starting")?.error).toBeInstanceOf(PrometheusError);
  });
});

describe("results", () => {
  it("serialise values and errors, and show cached answers in inspect()", async () => {
    const { Keyv } = await import("keyv");
    const s = await stub(jsonBody(200, vectorBody({ job: "a" }, 1)));
    const fails = await stub(textBody(500, "no"));
    const fleet = collector({
      registry: [
        { id: "a", url: s.url },
        { id: "f", url: fails.url },
      ],
      cache: new Keyv(),
    });
    await fleet.query("up", { time: 1_700_000_000 });
    const r = await fleet.query("up", { time: 1_700_000_000 });
    expect(r.get("a")?.cached).toBe(true);
    expect(inspect(r)).toMatch(/a: ok \d+ ms \(cached\)/);
    const json = JSON.parse(JSON.stringify(r));
    expect(json.clusters[0].value.data.result[0].metric).toEqual({ job: "a" });
    expect(json.clusters[1].error).toMatchObject({ name: "UnavailableError", cluster: "f" });
    expect(JSON.stringify(fleet)).toContain('"cache":"keyv"');
  });
});
