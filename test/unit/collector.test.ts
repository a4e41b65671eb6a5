import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry, StaticClusterRegistry } from "../../src/collector/registry.ts";
import {
  AbortError,
  BadQueryError,
  InvalidArgumentError,
  PrometheusError,
  ResponseError,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import type { ClusterEvent } from "../../src/observe/events.ts";
import { jsonBody, neverAnswers, textBody, withLatency } from "../support/stubServer.ts";
import { InFlight, stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const open: MetricsCollector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function collector(options: ConstructorParameters<typeof MetricsCollector>[0]): MetricsCollector {
  const fleet = new MetricsCollector({ clientOptions: { retry: false }, ...options });
  open.push(fleet);
  return fleet;
}

/** A strategy sending `Bearer <token()>`, whose identity follows the token. */
function rotatingBearer(token: () => string): AuthStrategy {
  return {
    type: "bearer",
    apply: ({ headers }) => headers.set("authorization", `Bearer ${token()}`),
    identity: () => token(),
    describe: () => "bearer(rotating)",
  };
}

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

describe("the pool", () => {
  it("never runs more than `concurrency` clusters at once, and fills every slot", async () => {
    const flight = new InFlight();
    const clusters = [];
    for (let i = 0; i < 12; i++) {
      const s = await stub(flight.wrap(`c${i}`, withLatency(60, vectorBody({}, i))));
      clusters.push({ id: `c${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 4 });
    const r = await fleet.query("up");
    expect(r.ok()).toHaveLength(12);
    expect(flight.max).toBe(4);
  });

  it("starts the next cluster as soon as a slot frees, not in waves", async () => {
    const flight = new InFlight();
    const slow = await stub(flight.wrap("slow", withLatency(1_000, vectorBody({}, 0))));
    const clusters = [{ id: "slow", url: slow.url }];
    for (let i = 0; i < 5; i++) {
      const s = await stub(flight.wrap(`fast${i}`, withLatency(30, vectorBody({}, i))));
      clusters.push({ id: `fast${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 2 });
    const r = await fleet.query("up");
    const slowEnd = flight.arrivals[0]!.at + 1_000;
    // With waves, fast2..fast4 would wait for the slow one; in a pool they all start during it.
    expect(flight.arrivals.map((a) => a.label)[0]).toBe("slow");
    expect(flight.arrivals.every((a) => a.at < slowEnd - 100)).toBe(true);
    expect(r.get("fast4")!.latencyMs).toBeLessThan(600);
  });

  it("skips clusters not started when the overall deadline passes", async () => {
    const clusters = [];
    for (let i = 0; i < 4; i++) {
      const s = await stub(withLatency(400, vectorBody({}, i)));
      clusters.push({ id: `c${i}`, url: s.url });
    }
    const fleet = collector({ registry: clusters, concurrency: 1, deadline: 600 });
    const started = performance.now();
    const r = await fleet.query("up");
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(r.get("c0")?.status).toBe("ok");
    // c1 started before the deadline and was cut by it.
    expect(r.get("c1")?.status).toBe("timeout");
    expect(r.get("c2")?.status).toBe("skipped");
    expect(r.get("c3")?.status).toBe("skipped");
    expect(r.get("c3")?.error?.message).toMatch(/overall deadline of 600 ms/);
    expect(r.get("c3")?.latencyMs).toBe(0);
  });

  it("rejects with an AbortError when the caller aborts, and ends promptly", async () => {
    const dead = await stub(neverAnswers());
    const fleet = collector({ registry: [{ id: "d", url: dead.url }], timeout: 30_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left")), 100);
    const started = performance.now();
    const error = await fleet.query("up", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(fleet.query("up", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
  });

  it("takes a per-call timeout and deadline over the collector's", async () => {
    const slow = await stub(withLatency(500, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "s", url: slow.url }], timeout: 10_000 });
    const r = await fleet.query("up", { timeout: 100 });
    expect(r.get("s")?.status).toBe("timeout");
    await expect(fleet.query("up", { timeout: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", { deadline: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("uses a cluster's own timeout unless the call sets one", async () => {
    const slow = await stub(withLatency(400, vectorBody({}, 1)));
    const fleet = collector({
      registry: [{ id: "s", url: slow.url, clientOptions: { timeout: 100 } }],
      timeout: 10_000,
    });
    expect((await fleet.query("up")).get("s")?.status).toBe("timeout");
    expect((await fleet.query("up", { timeout: 5_000 })).get("s")?.status).toBe("ok");
  });
});

describe("syntax check", () => {
  it("rejects a PromQL syntax error once, before any request", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [
        { id: "a", url: s.url },
        { id: "b", url: s.url },
      ],
    });
    const error = await fleet.query("sum(rate(x[5m])").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadQueryError);
    expect((error as InvalidArgumentError).argument).toBe("query");
    expect((error as Error).message).toMatch(/not valid PromQL.*line 1, column/);
    await expect(fleet.queryRange("foo bar", { start: 0, end: 60, step: 15 })).rejects.toThrow(
      /unexpected "bar"/,
    );
    await expect(fleet.series(['up{job="a"'])).rejects.toBeInstanceOf(BadQueryError);
    await expect(fleet.query("")).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(s.requests).toBe(0);
  });

  it("says where a multi-line query breaks", async () => {
    const { checkPromqlSyntax } = await import("../../src/collector/syntax.ts");
    expect(() => checkPromqlSyntax("sum by (job) (\n  rate(x[5m]")).toThrow(
      /unexpected end of input at line 2, column 13/,
    );
    expect(() => checkPromqlSyntax("up ) + 1")).toThrow(/unexpected "\) \+ 1" at line 1, column 4/);
    expect(checkPromqlSyntax('histogram_quantile(0.9, sum by (le) (rate(x_bucket{a="b"}[5m])))')).toMatch(
      /^histogram/,
    );
  });

  it("sends what the grammar does not know when checkSyntax is false (MetricsQL)", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "vm", url: s.url }], checkSyntax: false });
    const r = await fleet.query("with (x = up) x");
    expect(r.get("vm")?.status).toBe("ok");
    expect(s.requests).toBe(1);
  });

  it("checks other arguments once too (start after end), before any request", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    await expect(fleet.queryRange("up", { start: 100, end: 0, step: 15 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(fleet.query("up", { time: "yesterday" })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(s.requests).toBe(0);
  });
});

describe("selection", () => {
  it("selects all clusters, a list of ids, a label selector or a predicate", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [
        { id: "east", url: s.url, labels: { env: "prod", region: "us-east" } },
        { id: "west", url: s.url, labels: { env: "prod", region: "us-west" } },
        { id: "lab", url: s.url, labels: { env: "dev" } },
      ],
    });
    const ids = async (clusters?: Parameters<MetricsCollector["query"]>[1]) =>
      [...(await fleet.query("up", clusters))].map((c) => c.cluster);
    expect(await ids()).toEqual(["east", "west", "lab"]);
    expect(await ids({ clusters: ["west", "east", "west"] })).toEqual(["west", "east"]);
    expect(await ids({ clusters: { env: "prod" } })).toEqual(["east", "west"]);
    expect(await ids({ clusters: { env: "prod", region: "us-west" } })).toEqual(["west"]);
    expect(await ids({ clusters: (c) => c.id.startsWith("l") })).toEqual(["lab"]);
    expect(await ids({ clusters: [] })).toEqual([]);
    const unknown = await fleet.query("up", { clusters: ["east", "nope"] });
    expect(unknown.get("east")?.status).toBe("ok");
    expect(unknown.get("nope")?.status).toBe("error");
    expect(unknown.get("nope")?.error?.message).toMatch(/unknown cluster "nope"/);
    await expect(fleet.query("up", { clusters: [""] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", { clusters: { env: 1 } as never })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(fleet.query("up", { clusters: 3 as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await fleet.clusters({ env: "dev" })).map((c) => c.id)).toEqual(["lab"]);
  });
});

describe("clients", () => {
  it("reuses one client per cluster across calls", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    const first = await fleet.client("a");
    await fleet.query("up");
    expect(await fleet.client("a")).toBe(first);
    await expect(fleet.client("nope")).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("replaces (and closes) a cluster's client when its token rotates: the new token is sent", async () => {
    let valid = "token-1";
    const seen: string[] = [];
    const s = await stub((req, res) => {
      const auth = req.headers.authorization ?? "";
      seen.push(auth);
      const handler =
        auth === `Bearer ${valid}` ? jsonBody(200, vectorBody({}, 1)) : textBody(401, "Unauthorized\n");
      handler(req, res);
    });
    let current = "token-1";
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      // A credentials store answering the token in force now; every lookup builds new cluster data.
      lookup: () => ({ url: s.url, auth: rotatingBearer(() => current) }),
      memoMs: 0,
    });
    const fleet = collector({ registry });
    expect((await fleet.query("up")).get("a")?.status).toBe("ok");
    const old = await fleet.client("a");
    valid = "token-2";
    current = "token-2";
    const r = await fleet.query("up");
    expect(r.get("a")?.status).toBe("ok");
    expect(seen.at(-1)).toBe("Bearer token-2");
    const replacement = await fleet.client("a");
    expect(replacement).not.toBe(old);
    await expect(old.query("up")).rejects.toThrow(/closed/);
  });

  it("replaces the client when headers or TLS change, and keeps it when only the order of keys differs", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    let headers: Record<string, string> = { "X-A": "1", "X-B": "2" };
    const fleet = collector({
      registry: {
        get: () => ({ id: "a", url: s.url, headers }),
        list: () => [{ id: "a", url: s.url, headers }],
      },
    });
    const first = await fleet.client("a");
    headers = { "X-B": "2", "X-A": "1" };
    expect(await fleet.client("a")).toBe(first);
    headers = { "X-A": "1", "X-B": "3" };
    expect(await fleet.client("a")).not.toBe(first);
  });
});

describe("lifecycle and description", () => {
  it("fails clearly after close, closes every client, and is safe to close twice", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = new MetricsCollector({ registry: [{ id: "a", url: s.url }] });
    const client = await fleet.client("a");
    await fleet.close();
    await fleet.close();
    await expect(fleet.query("up")).rejects.toThrow(/MetricsCollector is closed/);
    await expect(fleet.client("a")).rejects.toBeInstanceOf(PrometheusError);
    await expect(fleet.invalidate()).rejects.toThrow(/closed/);
    await expect(client.query("up")).rejects.toThrow(/closed/);
  });

  it("invalidate() without a cache does nothing", async () => {
    const fleet = collector({ registry: [{ id: "a", url: "http://127.0.0.1:9" }] });
    await expect(fleet.invalidate("a")).resolves.toBeUndefined();
    await expect(fleet.invalidate()).resolves.toBeUndefined();
  });

  it("describes itself and its results without secrets", async () => {
    const s = await stub(textBody(500, "boom"));
    const secret = "s3cr3t-token-value";
    const fleet = collector({
      registry: new StaticClusterRegistry([
        {
          id: "a",
          url: s.url,
          auth: rotatingBearer(() => secret),
          headers: { "X-Api-Key": secret },
          labels: { env: "prod" },
        },
      ]),
    });
    const r = await fleet.query("up");
    for (const text of [
      inspect(fleet, { depth: 10 }),
      JSON.stringify(fleet),
      inspect(r),
      JSON.stringify(r),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(fleet)).toContain('"clients":1');
    expect(inspect(r)).toMatch(/a: error/);
    expect(JSON.parse(JSON.stringify(r)).clusters[0]).toMatchObject({ cluster: "a", status: "error" });
  });

  it("validates its options, naming the option", () => {
    const bad = (options: object, argument: string) => {
      try {
        new MetricsCollector(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        return;
      }
      throw new Error("no error");
    };
    bad({ registry: [], concurrency: 0 }, "concurrency");
    bad({ registry: [], timeout: -5 }, "timeout");
    bad({ registry: [], clusterLabel: "bad-name" }, "clusterLabel");
    bad({ registry: [], breaker: { failures: 0 } }, "breaker.failures");
    bad({ registry: {} }, "registry");
    bad({ registry: [], clientOptions: { auth: {} } }, "clientOptions.auth");
    bad({ registry: [], colour: "blue" }, "colour");
    bad({ registry: [], clientOptions: { retry: "often" } }, "clientOptions.retry");
    expect(() => new MetricsCollector(undefined as never)).toThrow(InvalidArgumentError);
  });
});

describe("edge cases of a cluster's part", () => {
  const never = () => new Promise<never>(() => {});

  it("bounds a hanging registry lookup and a hanging identity by the cluster's deadline", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const slowIdentity: AuthStrategy = {
      type: "slow",
      apply: () => {},
      identity: never,
      describe: () => "slow",
    };
    const fleet = collector({
      registry: {
        get: (id) => (id === "hangs" ? never() : { id, url: s.url, auth: slowIdentity }),
        list: () => [],
      },
      timeout: 150,
    });
    const r = await fleet.query("up", { clusters: ["hangs", "identity"] });
    expect(r.get("hangs")).toMatchObject({ status: "timeout" });
    expect(r.get("hangs")?.error?.message).toMatch(/the lookup did not finish within 150 ms/);
    expect(r.get("identity")?.status).toBe("timeout");
    expect(r.get("identity")?.error?.message).toMatch(/the client did not finish/);
  });

  it("rejects with an AbortError when aborted during a lookup", async () => {
    const fleet = collector({ registry: { get: never, list: () => [] } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(fleet.query("up", { clusters: ["x"], signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
  });

  it("turns a registry's own failure into that cluster's error", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: {
        get: (id) => {
          if (id === "throws") throw new TypeError("secret store unreachable");
          if (id === "liar") return { id: "someone-else", url: s.url };
          if (id === "bad") return { id, url: "not a url" };
          return undefined;
        },
        list: () => [],
      },
    });
    const r = await fleet.query("up", { clusters: ["throws", "liar", "bad"] });
    expect(r.get("throws")?.status).toBe("error");
    expect(r.get("throws")?.error).toBeInstanceOf(PrometheusError);
    expect(r.get("throws")?.error?.message).toBe('cluster "throws": secret store unreachable');
    expect(r.get("liar")?.error?.message).toMatch(/answered a different id/);
    expect(r.get("bad")?.error?.message).toMatch(/^cluster "bad": url/);
  });

  it("looks clusters up inside the pool when the registry lists ids: one slow lookup is that cluster's timeout", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const registry = new LookupClusterRegistry({
      list: () => ["fast", "stuck", "gone"],
      lookup: (id) => (id === "stuck" ? never() : id === "gone" ? undefined : { url: s.url }),
    });
    const fleet = collector({ registry, timeout: 200 });
    const r = await fleet.query("up");
    expect(r.summary()).toEqual({ ok: 1, error: 1, timeout: 1, skipped: 0 });
    expect(r.get("stuck")?.error?.message).toMatch(/the lookup did not finish/);
    expect(r.get("gone")?.error?.message).toMatch(/unknown cluster "gone"/);
  });

  it("bounds listing the registry by the overall deadline", async () => {
    const fleet = collector({ registry: { get: () => undefined, list: never }, deadline: 100 });
    await expect(fleet.query("up")).rejects.toThrow(
      /listing the registry's clusters did not finish within 100 ms/,
    );
  });

  it("fails the whole call when listing the registry fails", async () => {
    const fleet = collector({
      registry: {
        get: () => undefined,
        list: () => {
          throw new Error("cannot list");
        },
      },
    });
    await expect(fleet.query("up")).rejects.toThrow("cannot list");
  });

  it("checks the fan-out's own options", async () => {
    const fleet = collector({ registry: [] });
    await expect(fleet.query("up", { signal: "stop" as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.query("up", "all" as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(fleet.labelValues("", {})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await fleet.query("up")).size).toBe(0);
  });

  it("stops calling a listener removed with off()", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    let calls = 0;
    const listener = () => calls++;
    fleet.on("cluster", listener);
    await fleet.query("up");
    fleet.off("cluster", listener);
    await fleet.query("up");
    expect(calls).toBe(1);
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

describe("process lifetime", () => {
  it("lets the process exit once closed: no timer of the collector keeps it alive", async () => {
    const { spawn } = await import("node:child_process");
    const { writeFile, mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const live = await stub(jsonBody(200, vectorBody({}, 1)));
    const dead = await stub(neverAnswers());
    const dir = await mkdtemp(join(tmpdir(), "promfleet-exit-"));
    const script = join(dir, "fleet-exit.ts");
    const index = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
    await writeFile(
      script,
      `import { MetricsCollector } from ${JSON.stringify(index)};
const [live, dead] = process.argv.slice(2);
const fleet = new MetricsCollector({
  registry: [{ id: "live", url: live }, { id: "dead", url: dead }],
  timeout: 300,
  breaker: { failures: 1, coolDownMs: 3_600_000 },
});
const r = await fleet.query("up");
await fleet.invalidate();
await fleet.close();
console.log(JSON.stringify(r.summary()));
`,
    );
    try {
      const child = spawn(process.execPath, [script, live.url, dead.url], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => {
        const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", (c) => {
          clearTimeout(killer);
          resolve(c);
        });
      });
      expect(out).toContain('{"ok":1,"error":0,"timeout":1,"skipped":0}');
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
