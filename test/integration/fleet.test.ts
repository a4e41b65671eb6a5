import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AuthenticationError,
  BadQueryError,
  type InstantSample,
  LookupClusterRegistry,
  MetricsCollector,
  PrometheusClient,
  ResponseError,
  StaticClusterRegistry,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import { htpasswdMissing, prometheusMissing } from "../support/binaries.ts";
import { FIXTURE_END, FIXTURE_T0, REQUESTS_A, REQUESTS_B } from "../support/fixtures.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { bcryptHash } from "../support/prometheusConfig.ts";
import {
  neverAnswers,
  type StubServer,
  startStubServer,
  textBody,
  withLatency,
} from "../support/stubServer.ts";

const prometheusUrl = inject("prometheusUrl");
const USER = "admin";
const FIRST_PASSWORD = "first-fleet-password";

describe.skipIf(prometheusMissing ?? htpasswdMissing)(
  "a fleet of real Prometheus servers and loopback stubs",
  () => {
    let secured: PrometheusServer;
    const stubs: Record<string, StubServer> = {};
    const collectors: MetricsCollector[] = [];

    beforeAll(async () => {
      // One more Prometheus (the shared one is the other): basic auth, fixtures backfilled, no self-scrape.
      secured = await startPrometheus({
        basicAuth: { username: USER, password: FIRST_PASSWORD },
        scrapeSelf: false,
      });
      stubs.slow = await startStubServer(
        withLatency(200, { status: "success", data: { resultType: "vector", result: [] } }),
      );
      stubs.dead = await startStubServer(neverAnswers());
      stubs.broken = await startStubServer(textBody(500, "internal error\n"));
      stubs.garbage = await startStubServer(
        textBody(200, "<html>proxy login page</html>", { "content-type": "text/html" }),
      );
    });

    afterAll(async () => {
      await Promise.all(collectors.map((c) => c.close()));
      await Promise.all(Object.values(stubs).map((s) => s.close()));
      await secured?.stop();
    });

    /** A collector over both servers and every stub; the dead stub costs one per-cluster timeout. */
    function fleet(extra: Partial<ConstructorParameters<typeof MetricsCollector>[0]> = {}): MetricsCollector {
      const registry = new StaticClusterRegistry([
        { id: "shared", url: prometheusUrl!, labels: { env: "prod", auth: "none" } },
        {
          id: "secured",
          url: secured.url,
          auth: { type: "basic", username: USER, password: FIRST_PASSWORD },
          labels: { env: "prod", auth: "basic" },
        },
        {
          id: "wrong-password",
          url: secured.url,
          auth: { type: "basic", username: USER, password: "nope" },
          labels: { env: "dev" },
        },
        { id: "slow", url: stubs.slow!.url, labels: { env: "dev" } },
        { id: "dead", url: stubs.dead!.url, labels: { env: "dev" } },
        { id: "broken", url: stubs.broken!.url, labels: { env: "dev" } },
        { id: "garbage", url: stubs.garbage!.url, labels: { env: "dev" } },
      ]);
      const collector = new MetricsCollector({
        registry,
        timeout: 1_500,
        clientOptions: { retry: false },
        ...extra,
      });
      collectors.push(collector);
      return collector;
    }

    it("gives every cluster its own status; the dead one costs one timeout and holds back no other", async () => {
      const f = fleet();
      const started = performance.now();
      const r = await f.query("fixture_requests_total", { time: FIXTURE_END });
      const wall = performance.now() - started;
      expect(Object.fromEntries([...r].map((c) => [c.cluster, c.status]))).toEqual({
        shared: "ok",
        secured: "ok",
        "wrong-password": "error",
        slow: "ok",
        dead: "timeout",
        broken: "error",
        garbage: "error",
      });
      expect(r.get("wrong-password")?.error).toBeInstanceOf(AuthenticationError);
      expect(r.get("broken")?.error).toBeInstanceOf(UnavailableError);
      expect(r.get("garbage")?.error).toBeInstanceOf(ResponseError);
      expect(r.get("dead")?.error).toBeInstanceOf(TimeoutError);
      expect(r.get("dead")?.latencyMs).toBeGreaterThanOrEqual(1_400);
      // Deadline correctness with generous bounds: one timeout, not one per cluster; no other waited for it.
      expect(wall).toBeLessThan(1_500 + 3_000);
      for (const id of ["shared", "secured", "slow", "broken", "garbage", "wrong-password"]) {
        expect(r.get(id)!.latencyMs).toBeLessThan(1_400);
      }
      const samples = r.get("secured")!.value!.data.result as InstantSample[];
      expect(samples.map((s) => s.value).sort((a, b) => a - b)).toEqual(
        [REQUESTS_A, REQUESTS_B].map((s) => s.samples.at(-1)![1]).sort((a, b) => a - b),
      );
    });

    it("merges vectors and matrices with a cluster label, keeping an existing one as exported_cluster", async () => {
      const f = fleet();
      const r = await f.query(
        'label_replace(fixture_requests_total{instance="a"}, "cluster", "inner", "", "")',
        {
          time: FIXTURE_END,
          clusters: { env: "prod" },
        },
      );
      const merged = r.merged();
      expect(merged.data.resultType).toBe("vector");
      const labels = (merged.data.result as InstantSample[])
        .map((s) => s.metric)
        .sort((a, b) => a.cluster!.localeCompare(b.cluster!));
      expect(labels).toEqual([
        { ...REQUESTS_A.labels, cluster: "secured", exported_cluster: "inner" },
        { ...REQUESTS_A.labels, cluster: "shared", exported_cluster: "inner" },
      ]);
      expect(merged.warnings).toEqual([]);

      const range = await f.queryRange("fixture_requests_total", {
        start: FIXTURE_T0,
        end: FIXTURE_END,
        step: 15,
        clusters: ["shared", "secured", "dead"],
        timeout: 500,
      });
      const matrix = range.merged();
      expect(matrix.data.result).toHaveLength(4);
      expect(new Set(matrix.data.result.map((s) => `${s.metric.cluster}/${s.metric.instance}`))).toEqual(
        new Set(["shared/a", "shared/b", "secured/a", "secured/b"]),
      );
      expect(matrix.data.result.every((s) => s.values.length === 40)).toBe(true);
      expect(matrix.warnings).toEqual([expect.stringMatching(/^cluster "dead" failed \(timeout\): /)]);
    });

    it("fans series, label names and label values out and merges them", async () => {
      const f = fleet();
      const clusters = ["shared", "secured"];
      const window = { start: FIXTURE_T0, end: FIXTURE_END, clusters };
      const series = (await f.series(['fixture_requests_total{instance="b"}'], window)).merged().data;
      expect(series.map((s) => s.cluster).sort()).toEqual(["secured", "shared"]);
      expect(series.every((s) => s.namespace === "team-b")).toBe(true);
      const names = (await f.labelNames(window)).merged().data;
      expect(names).toEqual(expect.arrayContaining(["__name__", "instance", "namespace", "sensor"]));
      const values = await f.labelValues("namespace", window);
      expect(values.ok()).toHaveLength(2);
      expect(values.merged().data).toEqual(["team-a", "team-b"]);
    });

    it("lists alerts across the fleet, each labelled with its cluster", async () => {
      const r = await fleet().alerts({ clusters: ["shared", "secured", "wrong-password", "garbage"] });
      expect(r.summary()).toMatchObject({ ok: 2, error: 2 });
      const merged = r.merged();
      // The shared Prometheus evaluates the always-firing fixture rule; the secured one has no rules.
      expect(merged.data.alerts.map((a) => [a.labels.alertname, a.labels.cluster, a.state])).toEqual([
        ["FixtureAlwaysFiring", "shared", "firing"],
      ]);
      expect(r.get("shared")?.value?.data.alerts[0]?.labels.cluster).toBeUndefined();
      expect(merged.warnings).toEqual([
        expect.stringMatching(/^cluster "wrong-password" failed \(error\): /),
        expect.stringMatching(/^cluster "garbage" failed \(error\): /),
      ]);
    });

    it("runs the caller's own calls on each cluster, with the fan-out's statuses and deadlines", async () => {
      const f = fleet();
      const r = await f.each(
        async (client, options, cluster) => {
          // Two calls in turn on one client, both under the cluster's deadline.
          const { data: targets } = await client.targets({ ...options, state: "active" });
          const { data: build } = await client.buildInfo(options);
          return { cluster: cluster.id, targets: targets.activeTargets.length, version: build.version };
        },
        { clusters: ["shared", "secured", "wrong-password", "dead"] },
      );
      expect(Object.fromEntries([...r].map((c) => [c.cluster, c.status]))).toEqual({
        shared: "ok",
        secured: "ok",
        "wrong-password": "error",
        dead: "timeout",
      });
      expect(r.get("shared")?.value).toMatchObject({ cluster: "shared", version: expect.any(String) });
      expect(r.get("shared")!.value!.targets).toBeGreaterThan(0);
      expect(r.get("secured")!.value!.targets).toBe(0);
      expect(r.get("wrong-password")?.error).toBeInstanceOf(AuthenticationError);
      expect(() => r.merged()).toThrow("merged() is not defined");
    });

    it("reports health per cluster: healthy with a version, or why not", async () => {
      const f = fleet();
      const r = await f.health({
        clusters: ["shared", "secured", "wrong-password", "broken", "dead"],
        timeout: 1_000,
      });
      expect(r.get("shared")).toMatchObject({
        status: "ok",
        value: { healthy: true, ready: true, via: "probe" },
      });
      expect(r.get("shared")?.value?.version).toMatch(/^2\./);
      expect(r.get("secured")?.status).toBe("ok");
      expect(r.get("wrong-password")?.status).toBe("error");
      expect(r.get("wrong-password")?.value?.healthy).toBe(false);
      expect(r.get("broken")?.status).toBe("error");
      expect(r.get("dead")?.status).toBe("timeout");
      expect(() => r.merged()).toThrow(/not defined/);
    });

    it("sends nothing when the PromQL has a syntax error", async () => {
      const f = fleet();
      let requests = 0;
      f.on("request", () => requests++);
      const before = stubs.slow!.requests;
      await expect(f.query("sum by (job (up)")).rejects.toBeInstanceOf(BadQueryError);
      expect(requests).toBe(0);
      expect(stubs.slow!.requests).toBe(before);
      // A valid query does send (the counter works).
      await f.query("up", { clusters: ["shared"] });
      expect(requests).toBe(1);
    });

    it("picks up rotated credentials: the client is replaced, the old one closed", async () => {
      const secrets = { password: FIRST_PASSWORD };
      const registry = new LookupClusterRegistry({
        list: () => ["secured"],
        // A credentials store: each lookup reads the password in force now.
        lookup: () => ({
          url: secured.url,
          auth: { type: "basic", username: USER, password: secrets.password },
        }),
        memoMs: 0,
      });
      const f = new MetricsCollector({ registry, clientOptions: { retry: false } });
      collectors.push(f);
      // What the original system did: a client keyed by URL, built once with the first password.
      const urlKeyed = new PrometheusClient({
        url: secured.url,
        auth: (await registry.get("secured"))!.auth,
        retry: false,
      });
      try {
        expect((await f.query("up")).get("secured")?.status).toBe("ok");
        const before = await f.client("secured");

        // Rotate: Prometheus re-reads its web config on every request.
        const next = "second-fleet-password";
        await writeFile(
          join(secured.dir, "web.yml"),
          `basic_auth_users:\n  ${JSON.stringify(USER)}: ${JSON.stringify(await bcryptHash(USER, next))}\n`,
        );
        secrets.password = next;

        const r = await f.query("up");
        expect(r.get("secured")?.status).toBe("ok");
        const after = await f.client("secured");
        expect(after).not.toBe(before);
        await expect(before.query("up")).rejects.toThrow(/closed/);
        await expect(urlKeyed.query("up")).rejects.toBeInstanceOf(AuthenticationError);
      } finally {
        await urlKeyed.close();
        await writeFile(
          join(secured.dir, "web.yml"),
          `basic_auth_users:\n  ${JSON.stringify(USER)}: ${JSON.stringify(await bcryptHash(USER, FIRST_PASSWORD))}\n`,
        );
      }
    });
  },
);
