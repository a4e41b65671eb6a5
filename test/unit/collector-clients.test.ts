import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry, StaticClusterRegistry } from "../../src/collector/registry.ts";
import { InvalidArgumentError, PrometheusError } from "../../src/index.ts";
import { jsonBody, neverAnswers, textBody } from "../support/stubServer.ts";
import { changingRegistry, collectorPool, rotatingBearer } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

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

describe("clusters the registry drops", () => {
  it("their clients are closed and their circuit forgotten at the next call that lists the registry", async () => {
    const up = await stub(jsonBody(200, vectorBody({}, 1)));
    const down = await stub(textBody(503, "unavailable\n"));
    let entries = [
      { id: "a", url: up.url, labels: { env: "prod" } },
      { id: "b", url: down.url, labels: { env: "prod" } },
    ];
    const infos: string[] = [];
    const noop = () => {};
    const fleet = collector({
      registry: { get: (id: string) => entries.find((e) => e.id === id), list: () => entries },
      breaker: { failures: 1, coolDownMs: 60_000 },
      logger: { debug: noop, warn: noop, error: noop, info: (_o, msg) => infos.push(String(msg)) },
    });
    await fleet.query("up");
    /** What the collector describes itself as holding: open circuits and clients. */
    const held = () => JSON.parse(JSON.stringify(fleet)) as { openCircuits: object; clients: number };
    expect(held()).toMatchObject({ openCircuits: { b: "open" }, clients: 2 });
    const a = await fleet.client("a");
    const b = await fleet.client("b");
    // An explicit list of ids does not list the registry: nothing is dropped.
    entries = entries.filter((e) => e.id === "a");
    await fleet.query("up", { clusters: ["a"] });
    expect(held()).toMatchObject({ openCircuits: { b: "open" }, clients: 2 });
    // A label selection lists every entry: "b" is gone, its client closed, its circuit forgotten.
    await fleet.query("up", { clusters: { env: "prod" } });
    await expect(b.query("up")).rejects.toThrow(/closed/);
    expect(held()).toMatchObject({ openCircuits: {}, clients: 1 });
    expect(infos).toContain("cluster no longer in the registry: client closed");
    expect(await fleet.client("a")).toBe(a);
    // Back in the registry: a new client, and a fresh circuit.
    entries = [...entries, { id: "b", url: up.url, labels: { env: "prod" } }];
    expect((await fleet.query("up")).get("b")?.status).toBe("ok");
    expect(await fleet.client("b")).not.toBe(b);
  });

  it("a registry with ids() is pruned by a call over all clusters", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const { registry, setIds } = changingRegistry(["a", "b"], () => s.url);
    const fleet = collector({ registry });
    await fleet.query("up");
    const b = await fleet.client("b");
    setIds(["a"]);
    expect([...(await fleet.query("up"))].map((c) => c.cluster)).toEqual(["a"]);
    await expect(b.query("up")).rejects.toThrow(/closed/);
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
    // Over the clients' 7-day bound: refused here, not on every cluster of every call.
    bad({ registry: [], cacheTtl: 8 * 24 * 3_600_000 }, "cacheTtl");
    bad({ registry: [], maxInFlight: 0 }, "maxInFlight");
    expect(() => new MetricsCollector({ registry: [], maxInFlight: 1.5 })).toThrow(
      "maxInFlight must be an integer",
    );
    bad({ registry: [], clusterLabel: "bad-name" }, "clusterLabel");
    bad({ registry: [], breaker: { failures: 0 } }, "breaker.failures");
    bad({ registry: {} }, "registry");
    bad({ registry: [], clientOptions: { auth: {} } }, "clientOptions.auth");
    bad({ registry: [], colour: "blue" }, "colour");
    bad({ registry: [], clientOptions: { retry: "often" } }, "clientOptions.retry");
    expect(() => new MetricsCollector(undefined as never)).toThrow(InvalidArgumentError);
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
