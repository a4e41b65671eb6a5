import http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrometheusClient, UnavailableError } from "../../src/index.ts";
import { freePort } from "../support/ports.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/** health() where the /-/ probe paths are hidden (it falls back to a query) and where nothing answers. */

const prometheusUrl = inject("prometheusUrl");

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
