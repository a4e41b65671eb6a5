import { copyFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { opensslMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { scratchDir } from "./authFiles.ts";

const dir = scratchDir("tls-reload-inflight");

describe.skipIf(opensslMissing)("TLS reload with a call in flight", () => {
  let certs: TestCertificates;
  let server: https.Server;
  let port: number;
  const seenCerts: string[] = [];
  beforeAll(async () => {
    certs = await makeCertificates();
    server = https.createServer(
      {
        cert: certs.server.cert,
        key: certs.server.key,
        ca: certs.ca.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
        seenCerts.push(String(peer.subject?.CN ?? "none"));
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          const slow = body.includes("slow");
          setTimeout(
            () => {
              res.setHeader("content-type", "application/json");
              res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
            },
            slow ? 3_000 : 0,
          );
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

  it("a call in flight survives a CA reload and the retirement of its pool", async () => {
    const ca = join(dir, "ca.crt");
    const cert = join(dir, "client.crt");
    const key = join(dir, "client.key");
    copyFileSync(certs.ca.certFile, ca);
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    const warns: string[] = [];
    const infos: string[] = [];
    const logger = {
      debug() {},
      info: (_o: unknown, m?: string) => infos.push(m ?? ""),
      warn: (_o: unknown, m?: string) => warns.push(m ?? ""),
      error() {},
    };
    const client = new PrometheusClient({
      url: `https://127.0.0.1:${port}`,
      tls: { ca, cert, key },
      retry: 0,
      timeout: 10_000,
      logger,
    });
    try {
      const slow = client.query("slow_metric");
      await new Promise((r) => setTimeout(r, 1_200));
      writeFileSync(ca, certs.ca.cert + certs.foreignCa.cert);
      const fast = await client.query("fast_metric");
      expect(fast.data.resultType).toBe("vector");
      expect(infos).toContain("TLS files changed: new connections use them");
      const r = await slow;
      expect(r.data.resultType).toBe("vector");
      expect(warns).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
