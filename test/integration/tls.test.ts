import { copyFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Logger,
  PrometheusClient,
  type PrometheusClientOptions,
  type TlsOptions,
  UnavailableError,
} from "../../src/index.ts";
import { opensslMissing, prometheusMissing } from "../support/binaries.ts";
import { makeCertificates, mutualTlsOptions, type TestCertificates } from "../support/certs.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { scratchDir } from "../unit/authFiles.ts";
import { failure } from "./failure.ts";

const dir = scratchDir("tls-it");
const clients: PrometheusClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function client(url: string, tls: TlsOptions, options: Partial<PrometheusClientOptions> = {}) {
  const c = new PrometheusClient({ url, tls, retry: 0, timeout: 10_000, ...options });
  clients.push(c);
  return c;
}

const query = (c: PrometheusClient) => c.query("vector(1)", { time: 1_700_000_000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, polling; fails after `ms`. */
async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(20);
  }
}

describe.skipIf(prometheusMissing ?? opensslMissing)("TLS against Prometheus with real certificates", () => {
  let certs: TestCertificates;
  let mtls: PrometheusServer;
  let expired: PrometheusServer;
  let wrongName: PrometheusServer;
  beforeAll(async () => {
    certs = await makeCertificates();
    const plain = (c: { certFile: string; keyFile: string }) =>
      startPrometheus({
        backfill: false,
        scrapeSelf: false,
        tls: { certFile: c.certFile, keyFile: c.keyFile },
      });
    [mtls, expired, wrongName] = await Promise.all([
      startPrometheus({
        backfill: false,
        scrapeSelf: false,
        tls: mutualTlsOptions(certs),
      }),
      plain(certs.expiredServer),
      plain(certs.wrongNameServer),
    ]);
  });
  afterAll(async () => {
    await Promise.all([mtls?.stop(), expired?.stop(), wrongName?.stop()]);
  });

  it("mTLS works with the client certificate as files or as PEM contents", async () => {
    const files = client(mtls.url, {
      ca: certs.ca.certFile,
      cert: certs.client.certFile,
      key: certs.client.keyFile,
    });
    const pem = client(mtls.url, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
    expect((await query(files)).data.resultType).toBe("vector");
    expect((await query(pem)).data.resultType).toBe("vector");
    expect(await files.fingerprint()).toBe(await pem.fingerprint());
  });

  it("without a client certificate: the TLS 1.3 closed-connection message", async () => {
    const c = client(mtls.url, { ca: certs.ca.certFile });
    const error = await failure(query(c));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(
      `${mtls.url}/api/v1/query: the server closed the TLS connection (a client certificate may be required)`,
    );
    expect((error.cause as { code: string }).code).toBe("UND_ERR_SOCKET");
  });

  it("a client certificate from a CA the server does not trust is refused the same way", async () => {
    const c = client(mtls.url, {
      ca: certs.ca.cert,
      cert: certs.foreignServer.cert,
      key: certs.foreignServer.key,
    });
    expect((await failure(query(c))).message).toContain("the server closed the TLS connection");
  });

  it("the wrong CA: not retried, and the message says to set tls.ca", async () => {
    const c = client(
      mtls.url,
      { ca: certs.foreignCa.certFile, cert: certs.client.certFile, key: certs.client.keyFile },
      { retry: 3 },
    );
    let attempts = 0;
    c.on("request", () => attempts++);
    const error = await failure(query(c));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(
      `${mtls.url}/api/v1/query: the server's certificate is not signed by a trusted CA (set tls.ca to the CA that signed it)`,
    );
    expect(attempts).toBe(1);
  });

  it("an expired server certificate", async () => {
    const error = await failure(query(client(expired.url, { ca: certs.ca.certFile })));
    expect(error.message).toBe(`${expired.url}/api/v1/query: the server's certificate has expired`);
  });

  it("a name mismatch names the certificate's names; servername fixes it", async () => {
    const error = await failure(query(client(wrongName.url, { ca: certs.ca.certFile })));
    expect(error.message).toContain(
      "the server's certificate does not match its host name (IP: 127.0.0.1 is not in",
    );
    expect(error.message).toContain("set tls.servername");
    const fixed = client(wrongName.url, { ca: certs.ca.certFile, servername: "wrong.example" });
    expect((await query(fixed)).data.resultType).toBe("vector");
    const localhost = client(mtls.url, {
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      servername: "localhost",
    });
    expect((await query(localhost)).data.resultType).toBe("vector");
  });

  it("insecureSkipVerify accepts any certificate and warns once per client", async () => {
    const warnings: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (_obj, msg) => warnings.push(msg ?? ""),
      error() {},
    };
    const c = client(expired.url, { insecureSkipVerify: true }, { logger });
    await query(c);
    await query(c);
    expect(warnings).toEqual(["tls.insecureSkipVerify is set: the server's certificate is not verified"]);
    const other = client(
      mtls.url,
      { insecureSkipVerify: true, cert: certs.client.cert, key: certs.client.key },
      { logger },
    );
    await query(other);
    expect(warnings).toHaveLength(2);
  });

  it("a rotated client certificate is used within a second, and the fingerprint follows it", async () => {
    const cert = join(dir, "rotating-client.crt");
    const key = join(dir, "rotating-client.key");
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    const c = client(mtls.url, { ca: certs.ca.certFile, cert, key });
    await query(c);
    const before = await c.fingerprint();
    copyFileSync(certs.foreignServer.certFile, cert);
    copyFileSync(certs.foreignServer.keyFile, key);
    await sleep(1_100);
    expect((await failure(query(c))).message).toContain("closed the TLS connection");
    const foreign = await c.fingerprint();
    expect(foreign).not.toBe(before);
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    await sleep(1_100);
    await query(c);
    expect(await c.fingerprint()).toBe(before);
  });

  it("a rotated CA file is trusted within a second", async () => {
    const ca = join(dir, "rotating-ca.crt");
    copyFileSync(certs.foreignCa.certFile, ca);
    const c = client(mtls.url, { ca, cert: certs.client.cert, key: certs.client.key });
    expect((await failure(query(c))).message).toContain("not signed by a trusted CA");
    copyFileSync(certs.ca.certFile, ca);
    await sleep(1_100);
    await query(c);
  });

  it("several CAs are all trusted, PEM text and files mixed; a rotated entry is read again", async () => {
    const mixed = client(mtls.url, {
      ca: [certs.foreignCa.cert, certs.ca.certFile],
      cert: certs.client.cert,
      key: certs.client.key,
    });
    expect((await query(mixed)).data.resultType).toBe("vector");

    const second = join(dir, "second-ca.crt");
    copyFileSync(certs.foreignCa.certFile, second);
    const rotating = client(mtls.url, {
      ca: [certs.foreignCa.certFile, second],
      cert: certs.client.cert,
      key: certs.client.key,
    });
    expect((await failure(query(rotating))).message).toContain("not signed by a trusted CA");
    copyFileSync(certs.ca.certFile, second);
    await sleep(1_100);
    expect((await query(rotating)).data.resultType).toBe("vector");
  });
});

describe.skipIf(opensslMissing)("TLS pools across a rotation: no socket left behind", () => {
  let server: https.Server;
  let url: string;
  const sockets: Array<{ socket: Socket; openedAt: number; closed: boolean }> = [];
  beforeAll(async () => {
    const certs = await makeCertificates();
    server = https.createServer({ cert: certs.server.cert, key: certs.server.key }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
    });
    server.on("connection", (socket: Socket) => {
      const entry = { socket, openedAt: Date.now(), closed: false };
      sockets.push(entry);
      socket.on("close", () => {
        entry.closed = true;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("closes the old pool's sockets after a reload and every socket on close()", async () => {
    const certs = await makeCertificates();
    const ca = join(dir, "pool-ca.crt");
    copyFileSync(certs.ca.certFile, ca);
    const c = new PrometheusClient({ url, tls: { ca }, retry: 0 });
    await Promise.all(Array.from({ length: 4 }, () => query(c)));
    const before = sockets.length;
    expect(before).toBeGreaterThan(0);
    expect(sockets.filter((s) => !s.closed)).toHaveLength(before);

    // A CA bundle that still trusts the server, with different bytes: a reload.
    writeFileSync(ca, certs.ca.cert + certs.foreignCa.cert);
    await sleep(1_100);
    await Promise.all(Array.from({ length: 4 }, () => query(c)));
    expect(sockets.length).toBeGreaterThan(before);
    await eventually(() => sockets.slice(0, before).every((s) => s.closed));
    expect(sockets.slice(before).some((s) => !s.closed)).toBe(true);

    await c.close();
    await eventually(() => sockets.every((s) => s.closed));
  });
});
