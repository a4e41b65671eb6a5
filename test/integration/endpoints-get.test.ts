import { describe, expect, inject, it } from "vitest";
import { type PrometheusClient, ResponseError } from "../../src/index.ts";
import { ESCAPED_LABEL_VALUE, FIXTURE_RULE_GROUP } from "../support/fixtures.ts";
import { endpointClients, window } from "./endpointsHelpers.ts";

/**
 * The GET endpoints (label values, metadata, targets, rules, alerts, status, health) against the
 * shared real Prometheus, directly and through a kube-rbac-proxy-like proxy.
 */

const prometheusUrl = inject("prometheusUrl");

/** The raw `data` of a GET, read without the library, to compare what the client decoded. */
async function raw<T>(path: string): Promise<T> {
  const res = await fetch(`${prometheusUrl}${path}`);
  return ((await res.json()) as { data: T }).data;
}

describe.skipIf(prometheusUrl === undefined)("every read endpoint against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  /** Straight to Prometheus. */
  let direct: PrometheusClient;
  /** Through a proxy that allows GET only. */
  let viaGet: PrometheusClient;
  endpointClients(url, (started) => {
    ({ direct, viaGet } = started);
  });

  describe.each(["direct", "proxied"] as const)("GET endpoints, %s", (route) => {
    const client = () => (route === "direct" ? direct : viaGet);

    it("labelValues() lists the values, filtered by match", async () => {
      expect((await client().labelValues("namespace", window)).data).toEqual(["team-a", "team-b"]);
      const job = await client().labelValues("job", { ...window, match: ["fixture_requests_total"] });
      expect(job.data).toEqual(["api"]);
      expect((await client().labelValues("text", window)).data).toEqual([ESCAPED_LABEL_VALUE]);
    });

    it("metadata() decodes per-metric metadata, with limits", async () => {
      const one = await client().metadata({ metric: "prometheus_build_info" });
      expect(one.data).toEqual({
        prometheus_build_info: [{ type: "gauge", help: expect.any(String), unit: "" }],
      });
      const two = await client().metadata({ limit: 2, limitPerMetric: 1 });
      expect(Object.keys(two.data)).toHaveLength(2);
      expect(await raw("/api/v1/metadata?metric=prometheus_build_info")).toEqual(one.data);
    });

    it("targetsMetadata() decodes per-target metadata", async () => {
      const { data } = await client().targetsMetadata({
        matchTarget: '{job="prometheus"}',
        metric: "prometheus_build_info",
      });
      expect(data).toHaveLength(1);
      expect(data[0]).toMatchObject({ target: { job: "prometheus" }, type: "gauge", unit: "" });
      const all = await client().targetsMetadata({ matchTarget: '{job="prometheus"}', limit: 1 });
      expect(all.data.length).toBeGreaterThan(10);
      expect(all.data.every((m) => typeof m.metric === "string")).toBe(true);
    });

    it("targets() decodes the self-scrape target; state filters", async () => {
      const { data } = await client().targets();
      expect(data.activeTargets).toHaveLength(1);
      const [target] = data.activeTargets;
      expect(target).toMatchObject({ scrapePool: "prometheus", labels: { job: "prometheus" }, health: "up" });
      expect(typeof target?.lastScrapeDuration).toBe("number");
      expect(target?.lastScrape).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(data.droppedTargets).toEqual([]);
      const dropped = await client().targets({ state: "dropped" });
      expect(dropped.data.activeTargets).toEqual([]);
    });

    it("rules() decodes the recording rule and the firing alerting rule", async () => {
      const { data } = await client().rules();
      const group = data.groups.find((g) => g.name === FIXTURE_RULE_GROUP);
      expect(group).toMatchObject({ interval: 1, file: expect.stringMatching(/rules\.yml$/) });
      const [recording, alerting] = group?.rules ?? [];
      expect(recording).toMatchObject({
        type: "recording",
        name: "job:fixture_requests:sum",
        query: "sum by (job) (fixture_requests_total)",
        health: "ok",
        labels: {},
      });
      expect(alerting?.type).toBe("alerting");
      if (alerting?.type !== "alerting") return;
      expect(alerting).toMatchObject({ name: "FixtureAlwaysFiring", state: "firing", duration: 0 });
      expect(alerting.labels).toEqual({ severity: "warning" });
      expect(alerting.alerts[0]).toMatchObject({ state: "firing", value: 1 });
      const recordOnly = await client().rules({ type: "record" });
      expect(recordOnly.data.groups.flatMap((g) => g.rules.map((r) => r.type))).toEqual(["recording"]);
    });

    it("alerts() decodes the always-firing alert, its value as a number", async () => {
      const { data } = await client().alerts();
      const alert = data.alerts.find((a) => a.labels.alertname === "FixtureAlwaysFiring");
      expect(alert).toMatchObject({
        state: "firing",
        value: 1,
        labels: { alertname: "FixtureAlwaysFiring", severity: "warning" },
        annotations: { summary: expect.stringContaining("Always firing") },
      });
      expect(Date.parse(alert?.activeAt ?? "")).toBeGreaterThan(0);
    });

    it("alertmanagers() decodes the (empty) lists", async () => {
      expect((await client().alertmanagers()).data).toEqual({
        activeAlertmanagers: [],
        droppedAlertmanagers: [],
      });
    });

    it("the status endpoints return what the server holds", async () => {
      const build = await client().buildInfo();
      expect(build.data).toEqual(await raw("/api/v1/status/buildinfo"));
      expect(build.data.version).toMatch(/^\d+\.\d+/);
      const runtime = await client().runtimeInfo();
      expect(runtime.data).toMatchObject({ storageRetention: "100y", reloadConfigSuccess: true });
      expect(typeof runtime.data.goroutineCount).toBe("number");
      const flags = await client().flags();
      expect(flags.data["storage.tsdb.retention.time"]).toBe("100y");
      expect(flags.data).toEqual(await raw("/api/v1/status/flags"));
      const config = await client().config();
      expect(config.data.yaml).toContain("job_name: prometheus");
      const wal = await client().walReplay();
      expect(wal.data).toMatchObject({
        min: expect.any(Number),
        max: expect.any(Number),
        current: expect.any(Number),
      });
    });

    it("tsdbStatus() decodes the cardinality statistics as numbers", async () => {
      const { data } = await client().tsdbStatus({ limit: 5 });
      expect(data.headStats?.numSeries).toBeGreaterThan(0);
      expect(data.seriesCountByMetricName.length).toBeGreaterThan(0);
      for (const stat of data.labelValueCountByLabelName) expect(typeof stat.value).toBe("number");
      const rawStats = await raw<{ seriesCountByMetricName: unknown[] }>("/api/v1/status/tsdb");
      expect(data.seriesCountByMetricName.length).toBeLessThanOrEqual(
        rawStats.seriesCountByMetricName.length,
      );
    });

    it("scrapePools() lists the configured scrape pools", async () => {
      const { data } = await client().scrapePools();
      expect(data).toEqual({ scrapePools: ["prometheus"] });
      expect(data).toEqual(await raw("/api/v1/scrape_pools"));
    });

    it("endpoints newer than the server fail with a ResponseError holding its 404", async () => {
      const calls = [
        client().parseQuery("foo / bar"),
        client().scrapePoolConfig("prometheus"),
        client().relabelSteps("prometheus", { __address__: "127.0.0.1:9090", job: "prometheus" }),
        client().tsdbBlocks(),
        client().selfMetrics(),
        client().notifications(),
        client().features(),
      ];
      for (const error of await Promise.all(
        calls.map((call) =>
          call.then(
            () => undefined,
            (e) => e,
          ),
        ),
      )) {
        expect(error).toBeInstanceOf(ResponseError);
        expect((error as ResponseError).status).toBe(404);
      }
    });

    it("health() probes /-/healthy and /-/ready and reads the version", async () => {
      const health = await client().health();
      expect(health).toMatchObject({ healthy: true, ready: true, via: "probe" });
      expect(health.error).toBeUndefined();
      expect(health.version).toBe((await raw<{ version: string }>("/api/v1/status/buildinfo")).version);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });
});
