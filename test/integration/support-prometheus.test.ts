import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { htpasswdMissing, opensslMissing, prometheusMissing } from "../support/binaries.ts";
import { makeCertificates, mutualTlsOptions, type TestCertificates } from "../support/certs.ts";
import {
  FIXTURE_END,
  FIXTURE_SERIES,
  FIXTURE_T0,
  type FixtureSeries,
  TEMPERATURE,
} from "../support/fixtures.ts";
import { httpRequest } from "../support/http.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";

/** The shared backfilled Prometheus of globalSetup, and a Prometheus behind basic auth and mTLS. */

/** Decodes a Prometheus sample value; parseFloat("+Inf") would be NaN. */
function sampleValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

type MatrixResult = { metric: Record<string, string>; values: [number, string][] }[];
type Envelope<T> = { status: string; data: T };

/** Queries the shared Prometheus with a plain fetch (the library client is written elsewhere). */
async function query<T>(base: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}/api/v1/query`, { method: "POST", body: new URLSearchParams(params) });
  expect(res.status).toBe(200);
  return ((await res.json()) as Envelope<T>).data;
}

/** A fixture series as the API returns it over a range selector. */
function decoded(series: FixtureSeries) {
  return { metric: series.labels, samples: series.samples.map(([t, v]) => [t, v]) };
}

describe.skipIf(prometheusMissing)("shared Prometheus (globalSetup)", () => {
  const url = inject("prometheusUrl") ?? "";

  it("returns every backfilled series with exactly the fixture values and timestamps", async () => {
    const data = await query<{ result: MatrixResult }>(url, {
      query: '{__name__=~"fixture_.*"}[10m]',
      time: String(FIXTURE_END),
    });
    const got = data.result.map((s) => ({
      metric: s.metric,
      samples: s.values.map(([t, v]) => [t, sampleValue(v)]),
    }));
    const key = (s: { metric: Record<string, string> }) => JSON.stringify(Object.entries(s.metric).sort());
    // toEqual treats NaN as equal to NaN, and ±Inf compare exactly.
    expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      FIXTURE_SERIES.map(decoded).sort((a, b) => key(a).localeCompare(key(b))),
    );
    const temperature = data.result.find((s) => s.metric.__name__ === "fixture_temperature");
    expect(temperature?.values[1]).toEqual([FIXTURE_T0 + 0.5, "20.125"]);
    expect(temperature?.values.map(([, v]) => v)).toContain("1.5e-07");
  });

  it("answers an instant query at a fixture time", async () => {
    const data = await query<{ result: { value: [number, string] }[] }>(url, {
      query: "fixture_temperature",
      time: String(FIXTURE_T0 + 1),
    });
    expect(data.result.map((s) => s.value)).toEqual([[FIXTURE_T0 + 1, String(TEMPERATURE.samples[1]?.[1])]]);
  });

  it("has scraped itself and evaluated the fixture rules", async () => {
    const up = await query<{ result: { value: [number, string] }[] }>(url, { query: "up" });
    expect(up.result[0]?.value[1]).toBe("1");
    const alerts = (await (await fetch(`${url}/api/v1/alerts`)).json()) as Envelope<{
      alerts: { state: string }[];
    }>;
    expect(alerts.data.alerts).toEqual([expect.objectContaining({ state: "firing" })]);
  });
});

const secureMissing = prometheusMissing ?? htpasswdMissing ?? opensslMissing;

describe.skipIf(secureMissing)("Prometheus with basic auth and mTLS", () => {
  const basicAuth = { username: "admin", password: "s3cret" };
  let server: PrometheusServer;
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
    // No self-scrape: in 2.42 the first one takes ~5.5 s (checked by hand: `up` is 1 through auth + mTLS).
    server = await startPrometheus({
      backfill: false,
      scrapeSelf: false,
      basicAuth,
      tls: mutualTlsOptions(certs),
    });
  });
  afterAll(() => server?.stop());

  it("answers 401 without credentials and 200 with them, over mTLS", async () => {
    const tls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
    const anonymous = await httpRequest(`${server.url}/api/v1/status/buildinfo`, { tls });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toBe("Unauthorized\n");
    const ok = await httpRequest(`${server.url}/api/v1/status/buildinfo`, { tls, basicAuth });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).data.version).toMatch(/^2\./);
  });

  it("refuses a client without a certificate", async () => {
    await expect(
      httpRequest(`${server.url}/-/ready`, { tls: { ca: certs.ca.cert }, basicAuth }),
    ).rejects.toThrow();
  });

  it("keeps its port over a restart", async () => {
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    expect((await server.request("/-/ready")).status).toBe(200);
  });
});
