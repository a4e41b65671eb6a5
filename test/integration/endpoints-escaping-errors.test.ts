import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import { escapeLabelValue, InvalidArgumentError, type PrometheusClient } from "../../src/index.ts";
import { FIXTURE_END } from "../support/fixtures.ts";
import type { RbacProxy } from "../support/rbacProxy.ts";
import { endpointClients, window } from "./endpointsHelpers.ts";

/**
 * Escaping (label names, label values through Prometheus' own parser), server errors and bad
 * arguments, against the shared real Prometheus.
 */

const prometheusUrl = inject("prometheusUrl");

/** `String.prototype.toWellFormed` (ES2024; the project's lib is ES2023). */
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

describe.skipIf(prometheusUrl === undefined)("every read endpoint against a real Prometheus", () => {
  const url = prometheusUrl ?? "http://127.0.0.1:1";
  let proxy: RbacProxy;
  /** Straight to Prometheus. */
  let direct: PrometheusClient;
  /** Through a proxy that allows GET only. */
  let viaGet: PrometheusClient;
  endpointClients(url, (started) => {
    ({ proxy, direct, viaGet } = started);
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
