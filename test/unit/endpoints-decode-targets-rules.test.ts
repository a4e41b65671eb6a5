import { describe, expect, it } from "vitest";
import { ResponseError } from "../../src/index.ts";
import { mockDecoding } from "./endpointsDecodeHelpers.ts";
import { makeClient, rejection } from "./promMock.ts";

/**
 * Decoding of targets, alertmanagers, rules and alerts, with the leaner or richer answers of
 * other servers (null lists, missing fields, Thanos' extra fields).
 */

const { answer } = mockDecoding();

describe("targets and alertmanagers", () => {
  it("decodes Prometheus' targets, keeping fields it does not know", async () => {
    const active = {
      discoveredLabels: { __address__: "a:9100", job: "node" },
      labels: { instance: "a:9100", job: "node" },
      scrapePool: "node",
      scrapeUrl: "http://a:9100/metrics",
      globalUrl: "http://a:9100/metrics",
      lastError: "",
      lastScrape: "2017-01-17T15:07:44.723715405+01:00",
      lastScrapeDuration: 0.050688943,
      health: "up",
      scrapeInterval: "1m",
      scrapeTimeout: "10s",
      futureField: { x: 1 },
    };
    answer("targets", {
      activeTargets: [active],
      droppedTargets: [{ discoveredLabels: { __address__: "b:9100" }, scrapePool: "node" }],
      droppedTargetCounts: { node: 1 },
    });
    const { data } = await makeClient().targets();
    expect(data.activeTargets).toEqual([active]);
    expect(data.droppedTargets).toEqual([
      { discoveredLabels: { __address__: "b:9100" }, scrapePool: "node" },
    ]);
    expect(data.droppedTargetCounts).toEqual({ node: 1 });
  });

  it("accepts the leaner answers of other servers (null lists, no discoveredLabels, no lastError)", async () => {
    answer("targets", {
      activeTargets: [
        {
          labels: { job: "x" },
          scrapePool: "x",
          scrapeUrl: "http://x/metrics",
          lastScrape: "2024-01-01T00:00:00Z",
          lastScrapeDuration: "0.5",
          health: "unknown",
        },
      ],
      droppedTargets: null,
    });
    const { data } = await makeClient().targets();
    expect(data.activeTargets[0]).toMatchObject({
      discoveredLabels: {},
      lastError: "",
      lastScrapeDuration: 0.5,
    });
    expect(data.droppedTargets).toEqual([]);
  });

  it("decodes alertmanagers", async () => {
    answer("alertmanagers", {
      activeAlertmanagers: [{ url: "http://am:9093/api/v2/alerts" }],
      droppedAlertmanagers: null,
    });
    expect((await makeClient().alertmanagers()).data).toEqual({
      activeAlertmanagers: [{ url: "http://am:9093/api/v2/alerts" }],
      droppedAlertmanagers: [],
    });
  });
});

describe("rules and alerts", () => {
  const alert = {
    labels: { alertname: "HighLatency", severity: "page" },
    annotations: { summary: "High request latency" },
    state: "firing",
    activeAt: "2018-07-04T20:27:12.60602144+02:00",
    keepFiringSince: "2018-07-04T20:37:12Z",
    value: "1e+00",
  };

  it("decodes alerting and recording rules, alert values as numbers, Thanos' extra fields kept", async () => {
    answer("rules", {
      groups: [
        {
          name: "example",
          file: "/rules.yaml",
          interval: 60,
          limit: 0,
          evaluationTime: 0.0003,
          lastEvaluation: "2024-01-01T00:00:00Z",
          partialResponseStrategy: "ABORT",
          rules: [
            {
              type: "alerting",
              name: "HighLatency",
              query: "job:latency:mean5m > 0.5",
              duration: 600,
              keepFiringFor: 60,
              labels: { severity: "page" },
              annotations: { summary: "High request latency" },
              alerts: [alert],
              health: "ok",
              state: "firing",
              evaluationTime: 0.0001,
              lastEvaluation: "2024-01-01T00:00:00Z",
            },
            {
              type: "recording",
              name: "job:x:sum",
              query: "sum by (job) (x)",
              health: "err",
              lastError: "boom",
            },
          ],
        },
      ],
      groupNextToken: "next",
    });
    const { data } = await makeClient().rules();
    const [group] = data.groups;
    expect(group).toMatchObject({
      name: "example",
      interval: 60,
      limit: 0,
      partialResponseStrategy: "ABORT",
    });
    expect(data.groupNextToken).toBe("next");
    const [alerting, recording] = group?.rules ?? [];
    expect(alerting).toMatchObject({ type: "alerting", duration: 600, keepFiringFor: 60, state: "firing" });
    expect(alerting?.type === "alerting" && alerting.alerts[0]).toEqual({ ...alert, value: 1 });
    expect(recording).toEqual({
      type: "recording",
      name: "job:x:sum",
      query: "sum by (job) (x)",
      health: "err",
      lastError: "boom",
      labels: {},
    });
  });

  it("takes null alerts (exclude_alerts) and missing labels/annotations as empty", async () => {
    answer("rules", {
      groups: [
        {
          name: "g",
          file: "f",
          interval: "30",
          rules: [{ type: "alerting", name: "A", query: "vector(1)", alerts: null, health: "unknown" }],
        },
      ],
    });
    const rule = (await makeClient().rules({ excludeAlerts: true })).data.groups[0]?.rules[0];
    expect(rule).toEqual({
      type: "alerting",
      name: "A",
      query: "vector(1)",
      duration: 0,
      labels: {},
      annotations: {},
      alerts: [],
      health: "unknown",
    });
  });

  it("refuses a rule of an unknown type", async () => {
    answer("rules", {
      groups: [{ name: "g", file: "f", interval: 1, rules: [{ type: "magic", name: "x" }] }],
    });
    const error = await rejection(makeClient().rules());
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toMatch(/data\.groups\.0\.rules\.0/);
  });

  it("decodes alerts with special values", async () => {
    answer("alerts", {
      alerts: [alert, { ...alert, value: "+Inf" }, { ...alert, value: "NaN", activeAt: undefined }],
    });
    const { data } = await makeClient().alerts();
    expect(data.alerts.map((a) => a.value)).toEqual([1, Number.POSITIVE_INFINITY, Number.NaN]);
    expect(data.alerts[2]?.activeAt).toBeUndefined();
  });
});
