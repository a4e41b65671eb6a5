import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { opensslMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";

describe.skipIf(opensslMissing)("tls.servername with a DNS host in the URL", () => {
  let certs: TestCertificates;
  let server: https.Server;
  let port: number;
  beforeAll(async () => {
    certs = await makeCertificates();
    server = https.createServer(
      { cert: certs.wrongNameServer.cert, key: certs.wrongNameServer.key },
      (req, res) => {
        req.resume();
        req.on("end", () => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("verifies the server certificate against tls.servername, not the URL's host name", async () => {
    // The URL names the server by a DNS name (localhost) that its certificate does not hold;
    // tls.servername says which name to verify ("when it differs from the URL's host").
    const client = new PrometheusClient({
      url: `https://localhost:${port}`,
      tls: { ca: certs.ca.cert, servername: "wrong.example" },
      retry: 0,
      timeout: 5_000,
    });
    try {
      const sni: string[] = [];
      server.on("secureConnection", (s) =>
        sni.push(String((s as unknown as { servername?: string }).servername)),
      );
      const r = await client.query("up");
      expect(r.data.resultType).toBe("vector");
      expect(sni).toEqual(["wrong.example"]);
    } finally {
      await client.close();
    }
  });

  it("control: with an IP host, servername is honoured", async () => {
    const client = new PrometheusClient({
      url: `https://127.0.0.1:${port}`,
      tls: { ca: certs.ca.cert, servername: "wrong.example" },
      retry: 0,
      timeout: 5_000,
    });
    try {
      expect((await client.query("up")).data.resultType).toBe("vector");
    } finally {
      await client.close();
    }
  });
});
