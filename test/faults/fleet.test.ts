import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CircuitEvent,
  type ClusterConfig,
  type ClusterEvent,
  MetricsCollector,
  PrometheusError,
  TimeoutError,
} from "../../src/index.ts";
import { prometheusMissing } from "../support/binaries.ts";
import { freePort } from "../support/ports.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import {
  closeMidBody,
  dripBody,
  headersThenStall,
  neverAnswers,
  type StubHandler,
  type StubServer,
  startStubServer,
  textBody,
} from "../support/stubServer.ts";
import { eventually, settle, tcpSockets } from "./helpers.ts";

/**
 * A fleet where every upstream fault of this suite is a cluster, beside a healthy real
 * Prometheus: a fan-out never throws and never waits past its bounds; each cluster ends with the
 * status its fault deserves, by its own timeout; the healthy one is merged; an overall deadline
 * skips clusters not started; the circuit breaker stops calling a failing cluster; and after
 * close() the sockets are gone.
 */

const T = 1_700_000_000;
const CLUSTER_TIMEOUT_MS = 700;

describe.skipIf(prometheusMissing)("a fleet of faulty clusters", () => {
  let prometheus: PrometheusServer;
  const stubs: StubServer[] = [];
  const registry: ClusterConfig[] = [];
  let baselineSockets = 0;

  async function stubCluster(id: string, handler: StubHandler): Promise<void> {
    const stub = await startStubServer(handler);
    stubs.push(stub);
    registry.push({ id, url: stub.url, labels: { kind: "fault" } });
  }

  beforeAll(async () => {
    baselineSockets = tcpSockets();
    prometheus = await startPrometheus({ backfill: false, scrapeSelf: false });
    registry.push({ id: "healthy", url: prometheus.url, labels: { kind: "real" } });
    await stubCluster("never-answers", neverAnswers());
    await stubCluster("stalls-body", headersThenStall());
    await stubCluster("drips", dripBody(1, 50));
    await stubCluster("cuts-body", closeMidBody());
    await stubCluster("rate-limited", textBody(429, "slow down\n", { "retry-after": "999999" }));
    await stubCluster("unavailable", textBody(503, "Service Unavailable"));
    await stubCluster("html", textBody(200, "<html>Log in</html>", { "content-type": "text/html" }));
    await stubCluster(
      "redirects-away",
      textBody(307, "", { location: `http://127.0.0.1:${await freePort()}/api/v1/query` }),
    );
    registry.push({ id: "dead", url: `http://127.0.0.1:${await freePort()}`, labels: { kind: "fault" } });
  });
  afterAll(async () => {
    await Promise.all(stubs.map((s) => s.close()));
    await prometheus?.stop();
  });

  function fleet(options: Partial<ConstructorParameters<typeof MetricsCollector>[0]> = {}) {
    const f = new MetricsCollector({
      registry,
      timeout: CLUSTER_TIMEOUT_MS,
      concurrency: 16,
      clientOptions: { retry: { limit: 2, baseDelayMs: 20, maxDelayMs: 40 } },
      ...options,
    });
    const clusters: ClusterEvent[] = [];
    const circuits: CircuitEvent[] = [];
    f.on("cluster", (e) => clusters.push(e));
    f.on("circuit", (e) => circuits.push(e));
    return { f, clusters, circuits };
  }

  it("one fan-out: never throws, each cluster ends by its timeout with the status its fault deserves", async () => {
    const { f, clusters } = fleet({ breaker: false });
    try {
      const r = await settle(() => f.query("vector(1)", { time: T }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const result = r.value;
      expect(r.ms).toBeLessThan(CLUSTER_TIMEOUT_MS + 1_500);
      const status = (id: string) => result.get(id)?.status;
      expect(status("healthy")).toBe("ok");
      for (const id of ["never-answers", "stalls-body", "drips"]) {
        expect(status(id), id).toBe("timeout");
        expect(result.get(id)?.error, id).toBeInstanceOf(TimeoutError);
      }
      for (const id of ["cuts-body", "rate-limited", "unavailable", "html", "redirects-away", "dead"]) {
        expect(status(id), id).toBe("error");
        expect(result.get(id)?.error, id).toBeInstanceOf(PrometheusError);
      }
      for (const c of result) expect(c.latencyMs, c.cluster).toBeLessThan(CLUSTER_TIMEOUT_MS + 1_000);
      expect(clusters).toHaveLength(registry.length);
      const merged = result.merged();
      expect(merged.data.resultType).toBe("vector");
      expect(merged.data.result).toHaveLength(1);
      expect(merged.warnings.length).toBeGreaterThanOrEqual(9);
      expect(result.summary()).toEqual({ ok: 1, error: 6, timeout: 3, skipped: 0 });
    } finally {
      await f.close();
    }
  });

  it("an overall deadline: clusters not started by then are skipped, and the fan-out ends by it", async () => {
    const { f } = fleet({ breaker: false, concurrency: 2, deadline: 300 });
    try {
      const r = await settle(() => f.query("vector(1)", { time: T }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.summary().skipped).toBeGreaterThan(0);
      expect(r.ms).toBeLessThan(300 + CLUSTER_TIMEOUT_MS + 1_500);
    } finally {
      await f.close();
    }
  });

  it("a caller's abort ends the fan-out at once, every cluster accounted for", async () => {
    const { f } = fleet({ breaker: false });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("shutting down")), 150);
      const r = await settle(() => f.query("vector(1)", { time: T, signal: controller.signal }));
      expect(r.ms).toBeLessThan(1_000);
      if (r.ok) expect(r.value.size).toBe(registry.length);
      else expect(r.error).toBeInstanceOf(PrometheusError);
    } finally {
      await f.close();
    }
  });

  it("the circuit breaker stops calling clusters that keep failing; the healthy one is still asked", async () => {
    const { f, circuits } = fleet({ breaker: { failures: 2, coolDownMs: 60_000 } });
    try {
      for (let i = 0; i < 2; i++) await f.query("vector(1)", { time: T + i });
      const before = stubs.map((s) => s.requests);
      const r = await settle(() => f.query("vector(1)", { time: T + 10 }));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.get("healthy")?.status).toBe("ok");
      // No faulty cluster was called again: the open circuits answered at once.
      expect(stubs.map((s) => s.requests)).toEqual(before);
      expect(r.ms).toBeLessThan(500);
      expect(circuits.filter((e) => e.state === "open").length).toBeGreaterThanOrEqual(9);
    } finally {
      await f.close();
    }
  });

  it("health(), series() and labelNames() through the same faults: per-cluster results, never a throw", async () => {
    const { f } = fleet({ breaker: false });
    try {
      const calls = [() => f.health(), () => f.series(["up"]), () => f.labelNames()];
      for (const call of calls) {
        const r = await settle<{ size: number }>(call);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value.size).toBe(registry.length);
        expect(r.ms).toBeLessThan(CLUSTER_TIMEOUT_MS + 2_000);
      }
    } finally {
      await f.close();
    }
  });

  it("after close(), the fleet's connections are gone", async () => {
    await eventually("the fleets' sockets are closed", () => {
      const open = stubs.reduce((sum, s) => sum + s.openSockets(), 0);
      return open === 0;
    });
    // The Prometheus process' own sockets are not ours; only the stubs and clients count.
    expect(tcpSockets()).toBeLessThanOrEqual(baselineSockets + 2);
  });
});
