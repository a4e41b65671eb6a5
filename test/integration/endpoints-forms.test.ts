import { describe, expect, inject, it } from "vitest";
import { type PrometheusClient, selector } from "../../src/index.ts";
import { ESCAPED_LABEL_VALUE, ESCAPES, FIXTURE_SERIES, REQUESTS_A, REQUESTS_B } from "../support/fixtures.ts";
import type { RbacProxy } from "../support/rbacProxy.ts";
import { endpointClients, window } from "./endpointsHelpers.ts";

/**
 * The form endpoints (series, labels, format_query, query_exemplars) against the shared real
 * Prometheus, by POST and, behind a proxy that refuses POST, by GET.
 */

const prometheusUrl = inject("prometheusUrl");

const byName = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(a).localeCompare(JSON.stringify(b));

describe.skipIf(prometheusUrl === undefined)("every read endpoint against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let proxy: RbacProxy;
  /** Straight to Prometheus: form endpoints go by POST. */
  let direct: PrometheusClient;
  /** Through a proxy that refuses POST (403, as kube-rbac-proxy with a get-only role): they fall back to GET. */
  let viaGet: PrometheusClient;
  let methods: string[];
  endpointClients(url, (started) => {
    ({ proxy, direct, viaGet, methods } = started);
  });
  const clients = () => ({ POST: direct, GET: viaGet });

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
});
