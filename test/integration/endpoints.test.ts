import http from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  bearerAuth,
  escapeLabelValue,
  InvalidArgumentError,
  PrometheusClient,
  selector,
  UnavailableError,
} from "../../src/index.ts";
import {
  ESCAPED_LABEL_VALUE,
  ESCAPES,
  FIXTURE_END,
  FIXTURE_RULE_GROUP,
  FIXTURE_SERIES,
  FIXTURE_T0,
  REQUESTS_A,
  REQUESTS_B,
} from "../support/fixtures.ts";
import { freePort } from "../support/ports.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

const prometheusUrl = inject("prometheusUrl");
const window = { start: FIXTURE_T0, end: FIXTURE_END };

/** The raw `data` of a GET, read without the library, to compare what the client decoded. */
async function raw<T>(path: string): Promise<T> {
  const res = await fetch(`${prometheusUrl}${path}`);
  return ((await res.json()) as { data: T }).data;
}

/** `String.prototype.toWellFormed` (ES2024; the project's lib is ES2023). */
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

const byName = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(a).localeCompare(JSON.stringify(b));

describe.skipIf(prometheusUrl === undefined)("every read endpoint against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let proxy: RbacProxy;
  /** Straight to Prometheus: form endpoints go by POST. */
  let direct: PrometheusClient;
  /** Through a proxy that refuses POST (403, as kube-rbac-proxy with a get-only role): they fall back to GET. */
  let viaGet: PrometheusClient;
  const clients = () => ({ POST: direct, GET: viaGet });
  const methods: string[] = [];

  beforeAll(async () => {
    proxy = await startRbacProxy({ upstream: url, tokens: { reader: { user: "reader", verbs: ["get"] } } });
    direct = new PrometheusClient({ url });
    direct.on("request", (e) => methods.push(e.method));
    viaGet = new PrometheusClient({ url: proxy.url, auth: bearerAuth({ token: "reader" }) });
  });
  afterAll(async () => {
    await direct?.close();
    await viaGet?.close();
    await proxy?.close();
  });

  /** What the proxy answered for `path`, in order: e.g. ["POST 403", "GET 200"]. */
  const proxied = (path: string) =>
    proxy.requests.filter((r) => r.path === path).map((r) => `${r.method} ${r.status}`);

  describe.each(["POST", "GET"] as const)("form endpoints by %s", (method) => {
    it("series() returns the label sets of the matching series", async () => {
      const { data, warnings } = await clients()[method].series(["fixture_requests_total"], window);
      expect(data.sort(byName)).toEqual([REQUESTS_A.labels, REQUESTS_B.labels].sort(byName));
      expect(warnings).toEqual([]);
    });

    it("series() finds a label value with quotes, backslashes, newlines and non-ASCII through selector()", async () => {
      const match = selector("fixture_label_escapes", { text: ESCAPED_LABEL_VALUE });
      const { data } = await clients()[method].series([match], window);
      expect(data).toEqual([ESCAPES.labels]);
      expect(data[0]?.text).toBe(ESCAPED_LABEL_VALUE);
    });

    it("series() takes several selectors, regex and negative matchers", async () => {
      const { data } = await clients()[method].series(
        [
          selector("fixture_requests_total", { instance: /a|b/, namespace: { ne: "team-b" } }),
          "fixture_late_start",
        ],
        window,
      );
      expect(data.map((s) => s.__name__).sort()).toEqual(["fixture_late_start", "fixture_requests_total"]);
      expect(data.find((s) => s.__name__ === "fixture_requests_total")?.instance).toBe("a");
    });

    it("labelNames() lists every label name, or those of the matching series", async () => {
      const all = await clients()[method].labelNames(window);
      for (const series of FIXTURE_SERIES) {
        for (const name of Object.keys(series.labels)) expect(all.data).toContain(name);
      }
      const some = await clients()[method].labelNames({ ...window, match: ["fixture_temperature"] });
      expect(some.data).toEqual(["__name__", "sensor"]);
    });

    it("formatQuery() prints the expression as Prometheus does", async () => {
      const { data } = await clients()[method].formatQuery("sum(rate(fixture_requests_total[5m]))by(job)");
      expect(data).toBe("sum by (job) (rate(fixture_requests_total[5m]))");
    });

    it("queryExemplars() decodes an empty answer (2.42 stores no exemplars without a feature flag)", async () => {
      const { data } = await clients()[method].queryExemplars("fixture_requests_total", window);
      expect(data).toEqual([]);
    });
  });

  it("the form endpoints went by POST directly and by GET after the proxy refused POST once", async () => {
    expect(methods).toContain("POST");
    expect(methods).not.toContain("GET");
    for (const path of [
      "/api/v1/series",
      "/api/v1/labels",
      "/api/v1/format_query",
      "/api/v1/query_exemplars",
    ]) {
      const seen = proxied(path);
      // The first POST is refused (403), GET works, and the client stays on GET for that endpoint.
      expect(seen[0]).toBe("POST 403");
      expect(seen.slice(1).every((s) => s === "GET 200")).toBe(true);
      expect(seen.length).toBeGreaterThan(1);
    }
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

    it("health() probes /-/healthy and /-/ready and reads the version", async () => {
      const health = await client().health();
      expect(health).toMatchObject({ healthy: true, ready: true, via: "probe" });
      expect(health.error).toBeUndefined();
      expect(health.version).toBe((await raw<{ version: string }>("/api/v1/status/buildinfo")).version);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });

  it("labelValues() sends a non-legacy name U__-escaped (2.42 reads it as a plain name: no values)", async () => {
    const { data } = await viaGet.labelValues("service.name");
    expect(data).toEqual([]);
    expect(
      proxy.requests.some((r) => r.path === "/api/v1/label/U__service_2e_name/values" && r.status === 200),
    ).toBe(true);
  });

  it("a server error keeps its class and text, also for the new endpoints", async () => {
    const error = await direct.series(["fixture_requests_total{"], window).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "BadQueryError", status: 400, errorType: "bad_data" });
  });

  it("bad arguments fail before any request, naming the argument", async () => {
    const before = proxy.requests.length;
    await expect(viaGet.series([])).rejects.toMatchObject({ argument: "matchers" });
    await expect(viaGet.labelValues("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(viaGet.series(["up"], { start: 10, end: 5 })).rejects.toMatchObject({ argument: "start" });
    expect(proxy.requests.length).toBe(before);
  });

  it("escapeLabelValue() round-trips any string through Prometheus' own PromQL parser", async () => {
    // A string literal is a valid PromQL expression: the server parses our escaping and sends the value back.
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), async (value) => {
        const { data } = await direct.query(`"${escapeLabelValue(value)}"`, { time: FIXTURE_END });
        expect(data.resultType).toBe("string");
        // A lone UTF-16 surrogate cannot travel as UTF-8: it arrives as U+FFFD, as any encoding of it would.
        if (data.resultType === "string") expect(data.result.value).toBe(wellFormed(value));
      }),
      { numRuns: 150 },
    );
    for (const tricky of [
      '"',
      "\\",
      "\n",
      "\r\t",
      "\u0000\u007f",
      "\ufffd",
      'a\\"b',
      "日本 🚀",
      "$1 $$ {x}",
    ]) {
      const { data } = await direct.query(`"${escapeLabelValue(tricky)}"`, { time: FIXTURE_END });
      expect(data.resultType === "string" && data.result.value).toBe(tricky);
    }
  });
});

describe.skipIf(prometheusUrl === undefined)("health() behind proxies and against dead servers", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let hiding: StubServer;

  beforeAll(async () => {
    // Like an OpenShift route or gateway that exposes only /api/: /-/ paths are a 404.
    hiding = await startStubServer((req, res) => {
      if (req.url?.startsWith("/-/")) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("404 page not found\n");
        return;
      }
      const upstream = http.request(new URL(req.url ?? "/", url), {
        method: req.method,
        headers: req.headers,
      });
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
  });
  afterAll(async () => {
    await hiding?.close();
  });

  it("falls back to a vector(1) query when /-/healthy and /-/ready are hidden", async () => {
    const client = new PrometheusClient({ url: hiding.url });
    try {
      const health = await client.health();
      expect(health).toMatchObject({ healthy: true, ready: true, via: "query" });
      expect(health.error).toBeUndefined();
      expect(health.version).toMatch(/^\d+\.\d+/);
    } finally {
      await client.close();
    }
  });

  it("reports a server that does not answer without throwing", async () => {
    const port = await freePort();
    const client = new PrometheusClient({
      url: `http://127.0.0.1:${port}`,
      retry: { limit: 0 },
      timeout: 5_000,
    });
    try {
      const health = await client.health();
      expect(health).toMatchObject({ healthy: false, ready: false, via: "probe" });
      expect(health.error).toBeInstanceOf(UnavailableError);
      expect(health.version).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
