import { copyFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusClient } from "../../src/index.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { scratchDir } from "./authFiles.ts";

const dir = scratchDir("client-close-retired");
let certs: TestCertificates;
let server: Server;
let base: string;
const hung = new Set<import("node:http").ServerResponse>();

beforeAll(async () => {
  certs = await makeCertificates();
  server = createServer((req, res) => {
    if (req.url?.includes("hang")) {
      hung.add(res); // never answers
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ status: "success", data: { version: "x" } }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("close() with a call in flight on a pool retired by a TLS reload", () => {
  it("close({ graceMs: 100 }) does not wait for that call's whole deadline", async () => {
    const ca = join(dir, "ca.crt");
    copyFileSync(certs.ca.certFile, ca);
    const client = new PrometheusClient({ url: base, tls: { ca }, timeout: 9_000, retry: false });
    // A call that hangs on the first pool.
    const hungCall = client.buildInfo({ params: { hang: "1" } }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1_100));
    // The CA rotates: the next request builds a new pool and retires the old one (closed gracefully after 1 s).
    copyFileSync(certs.foreignCa.certFile, ca);
    await client.buildInfo();
    await new Promise((r) => setTimeout(r, 1_200));
    const started = performance.now();
    await client.close({ graceMs: 100 });
    const closeMs = performance.now() - started;
    await hungCall;
    expect(closeMs).toBeLessThan(1_500);
  }, 20_000);
});
