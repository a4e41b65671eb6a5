import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dispatcher } from "undici";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError, PrometheusError } from "../../src/index.ts";
import type { Logger } from "../../src/observe/logger.ts";
import { DispatcherPool, proxyFromEnvironment } from "../../src/transport/dispatcher.ts";
import { describeNetworkError } from "../../src/transport/network.ts";
import { type ConnectOptions, loadPem, resolveTls, TlsMaterial } from "../../src/transport/tls.ts";
import { opensslMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { scratchDir } from "./authFiles.ts";

const dir = scratchDir("tls-unit");

/** A logger that keeps every line. */
function capture(): Logger & { lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => {
    lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A stand-in pool recording how it was built and closed. */
interface FakePool {
  connect: ConnectOptions;
  closed: boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}
function fakePools() {
  const made: FakePool[] = [];
  const create = (connect: ConnectOptions) => {
    const pool: FakePool = {
      connect,
      closed: false,
      close: async () => {
        pool.closed = true;
      },
      destroy: async () => {
        pool.closed = true;
      },
    };
    made.push(pool);
    return pool as unknown as Dispatcher;
  };
  return { made, create };
}

describe.skipIf(opensslMissing)("TlsMaterial", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
  });

  it("takes PEM contents or paths, and maps the other options", () => {
    const inline = new TlsMaterial({ ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key });
    expect(inline.connect).toEqual({
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      rejectUnauthorized: true,
    });
    expect(inline.watchesFiles).toBe(false);
    expect(inline.check()).toEqual({ kind: "unchanged" });
    const files = new TlsMaterial({
      ca: certs.ca.certFile,
      cert: certs.client.certFile,
      key: certs.client.keyFile,
      servername: "localhost",
      insecureSkipVerify: true,
    });
    expect(files.connect).toEqual({
      ca: certs.ca.cert,
      cert: certs.client.cert,
      key: certs.client.key,
      servername: "localhost",
      rejectUnauthorized: false,
    });
    expect(files.watchesFiles).toBe(true);
    expect(resolveTls(undefined)).toEqual({ rejectUnauthorized: true });
    expect(loadPem(certs.ca.certFile, "ca")).toBe(certs.ca.cert);
  });

  it("refuses unusable material naming the option, never quoting a key", () => {
    const garbage = join(dir, "garbage.pem");
    writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    const cases: Array<[ConstructorParameters<typeof TlsMaterial>[0], string, RegExp]> = [
      [{ ca: join(dir, "nope.crt") }, "tls.ca", /tls\.ca: cannot read .*nope\.crt \(ENOENT\)/],
      [{ ca: garbage }, "tls.ca", /tls\.ca is not a usable PEM CA bundle/],
      [{ cert: certs.client.certFile }, "tls", /go together/],
      [{ key: certs.client.key }, "tls", /go together/],
      [
        { cert: certs.client.cert, key: certs.server.key },
        "tls.cert",
        /not a usable certificate and key pair/,
      ],
      [
        { cert: certs.client.cert, key: certs.client.cert },
        "tls.cert",
        /not a usable certificate and key pair/,
      ],
    ];
    for (const [options, argument, message] of cases) {
      let error: unknown;
      try {
        new TlsMaterial(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect((error as Error).message).toMatch(message);
      for (const key of [certs.client.key, certs.server.key]) {
        expect((error as Error).message).not.toContain(key.split("\n")[1]);
      }
    }
  });

  it("takes a list of CAs, PEM text and files mixed, as one bundle; errors name the entry", () => {
    const material = new TlsMaterial({ ca: [certs.ca.cert, certs.foreignCa.certFile] });
    expect(material.connect.ca).toBe(`${certs.ca.cert}\n${certs.foreignCa.cert}`);
    expect(material.watchesFiles).toBe(true);
    expect(new TlsMaterial({ ca: [certs.ca.cert] }).watchesFiles).toBe(false);

    const garbage = join(dir, "garbage-in-list.pem");
    writeFileSync(garbage, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    const refusal = (ca: string[]): InvalidArgumentError => {
      try {
        new TlsMaterial({ ca });
      } catch (error) {
        return error as InvalidArgumentError;
      }
      throw new Error("accepted");
    };
    const unreadable = refusal([certs.ca.cert, join(dir, "nope.crt")]);
    expect(unreadable).toBeInstanceOf(InvalidArgumentError);
    expect(unreadable.argument).toBe("tls.ca[1]");
    expect(unreadable.message).toMatch(/^tls\.ca\[1\]: cannot read .*nope\.crt \(ENOENT\)/);
    const unusable = refusal([garbage, certs.ca.certFile]);
    expect(unusable.argument).toBe("tls.ca[0]");
    expect(unusable.message).toMatch(/^tls\.ca\[0\] is not a usable PEM CA bundle/);
  });

  it("reloads the one entry of a CA list that changed", () => {
    const first = join(dir, "list-first.crt");
    const second = join(dir, "list-second.crt");
    copyFileSync(certs.ca.certFile, first);
    copyFileSync(certs.ca.certFile, second);
    let clock = 0;
    const material = new TlsMaterial({ ca: [first, second] }, { now: () => clock });
    copyFileSync(certs.foreignCa.certFile, second);
    clock = 1000;
    expect(material.check()).toMatchObject({ kind: "changed", files: [second] });
    expect(material.connect.ca).toBe(`${certs.ca.cert}\n${certs.foreignCa.cert}`);
  });

  it("checks files at most once per interval and reloads what changed", () => {
    const ca = join(dir, "reload-ca.crt");
    copyFileSync(certs.ca.certFile, ca);
    let clock = 0;
    const material = new TlsMaterial({ ca }, { now: () => clock, checkIntervalMs: 1000 });
    copyFileSync(certs.foreignCa.certFile, ca);
    clock = 999;
    expect(material.check()).toEqual({ kind: "unchanged" });
    clock = 1000;
    const changed = material.check();
    expect(changed).toMatchObject({ kind: "changed", files: [ca] });
    expect(material.connect.ca).toBe(certs.foreignCa.cert);
    // The same bytes written again: a new inode, nothing to rebuild.
    clock = 2000;
    copyFileSync(certs.foreignCa.certFile, `${ca}.new`);
    rmSync(ca);
    copyFileSync(`${ca}.new`, ca);
    expect(material.check()).toEqual({ kind: "unchanged" });
  });

  it("keeps the material in force while a changed set cannot be loaded, and retries", () => {
    const cert = join(dir, "half-cert.crt");
    const key = join(dir, "half-cert.key");
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    let clock = 0;
    const material = new TlsMaterial({ cert, key }, { now: () => clock });
    // Mid-rotation: the certificate is new, its key not yet.
    copyFileSync(certs.server.certFile, cert);
    clock = 1000;
    const failed = material.check();
    expect(failed).toMatchObject({ kind: "failed", files: [cert] });
    expect((failed as { reason: string }).reason).toMatch(/not a usable certificate and key pair/);
    expect(material.connect.cert).toBe(certs.client.cert);
    copyFileSync(certs.server.keyFile, key);
    clock = 2000;
    expect(material.check()).toMatchObject({ kind: "changed" });
    expect(material.connect.cert).toBe(certs.server.cert);
    rmSync(key);
    clock = 3000;
    expect(material.check()).toMatchObject({ kind: "failed", reason: expect.stringContaining("ENOENT") });
  });

  it("DispatcherPool: lazy pools, a rebuild on change with the old pool retired after a grace period", async () => {
    const ca = join(dir, "pool-ca.crt");
    const cert = join(dir, "pool.crt");
    const key = join(dir, "pool.key");
    copyFileSync(certs.ca.certFile, ca);
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    let clock = 0;
    const material = new TlsMaterial({ ca, cert, key }, { now: () => clock });
    const { made, create } = fakePools();
    const logger = capture();
    const pool = new DispatcherPool(material, { logger, endpoint: "https://prom.test/", create });
    expect(made).toHaveLength(0);
    const first = pool.main();
    expect(pool.main()).toBe(first);
    const anonymous = pool.anonymous();
    expect(made.map((p) => p.connect)).toEqual([
      { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key, rejectUnauthorized: true },
      { ca: certs.ca.cert, rejectUnauthorized: true },
    ]);
    expect(pool.anonymous()).toBe(anonymous);
    expect(pool.clientCertificate()).toBe(certs.client.cert);

    vi.useFakeTimers();
    try {
      copyFileSync(certs.server.certFile, cert);
      copyFileSync(certs.server.keyFile, key);
      clock = 1500;
      expect(pool.clientCertificate()).toBe(certs.server.cert);
      const second = pool.main();
      expect(second).not.toBe(first);
      expect((second as unknown as FakePool).connect.cert).toBe(certs.server.cert);
      expect(made[0]?.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(1000);
      expect(made[0]?.closed).toBe(true);
      expect(made[1]?.closed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: "info", msg: "TLS files changed: new connections use them" }),
    ]);

    rmSync(key);
    clock = 3000;
    expect(pool.main()).toBe(made[2]);
    expect(logger.lines[1]).toMatchObject({ level: "warn", obj: { files: [key] } });
    expect(JSON.stringify(logger.lines)).not.toContain(certs.server.key.split("\n")[1]);
  });

  it("DispatcherPool: close() closes current and retiring pools at once, and refuses new requests", async () => {
    const cert = join(dir, "close.crt");
    const key = join(dir, "close.key");
    copyFileSync(certs.client.certFile, cert);
    copyFileSync(certs.client.keyFile, key);
    let clock = 0;
    const { made, create } = fakePools();
    const pool = new DispatcherPool(new TlsMaterial({ cert, key }, { now: () => clock }), {
      logger: capture(),
      endpoint: "https://prom.test/",
      create,
    });
    pool.main();
    copyFileSync(certs.server.certFile, cert);
    copyFileSync(certs.server.keyFile, key);
    clock = 5000;
    pool.main();
    pool.anonymous();
    expect(made.map((p) => p.closed)).toEqual([false, false, false]);
    await pool.close();
    expect(made.map((p) => p.closed)).toEqual([true, true, true]);
    expect(() => pool.main()).toThrow(PrometheusError);
    expect(() => pool.anonymous()).toThrow(/the client for https:\/\/prom.test\/ is closed/);
    expect(pool.clientCertificate()).toBe(certs.server.cert);
    await pool.close();
  });
});

describe("proxyFromEnvironment", () => {
  it("sees HTTPS_PROXY and HTTP_PROXY in either case", () => {
    expect(proxyFromEnvironment({})).toBe(false);
    expect(proxyFromEnvironment({ https_proxy: "http://p:3128" })).toBe(true);
    expect(proxyFromEnvironment({ HTTP_PROXY: "http://p:3128" })).toBe(true);
  });
});

describe("describeNetworkError: TLS failures as Node and undici report them", () => {
  const fetchFailed = (code: string, message = "x", name = "Error") =>
    Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error(message), { code, name }),
    });
  afterEach(() => vi.useRealTimers());

  it("names the problem and what to set", () => {
    const cases: Array<[string, RegExp, boolean?]> = [
      ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", /not signed by a trusted CA \(set tls\.ca/],
      ["SELF_SIGNED_CERT_IN_CHAIN", /untrusted CA/],
      ["DEPTH_ZERO_SELF_SIGNED_CERT", /self-signed/],
      ["CERT_HAS_EXPIRED", /^the server's certificate has expired$/],
      ["CERT_NOT_YET_VALID", /not valid yet/],
      ["ERR_SSL_WRONG_VERSION_NUMBER", /does not speak TLS/],
      ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", /requires a client certificate/],
      ["ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE", /refused the client certificate, or requires one/],
      ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", /refused the client certificate/],
      ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", /does not trust the CA that signed the client certificate/],
      ["ERR_SSL_SSL/TLS_ALERT_DECRYPT_ERROR", /ended the TLS handshake \(alert decrypt error\)/],
      ["ERR_SSL_SOMETHING_ELSE", /the TLS handshake failed \(ERR_SSL_SOMETHING_ELSE\)/],
    ];
    for (const [code, message] of cases) {
      const failure = describeNetworkError(fetchFailed(code), true);
      expect(failure.message, code).toMatch(message);
      expect(failure.retryable, code).toBe(false);
      expect(failure.cause.code).toBe(code);
    }
  });

  it("quotes the host names of a name mismatch", () => {
    const failure = describeNetworkError(
      fetchFailed(
        "ERR_TLS_CERT_ALTNAME_INVALID",
        "Hostname/IP does not match certificate's altnames: Host: wrong.example. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost",
      ),
      true,
    );
    expect(failure.message).toBe(
      "the server's certificate does not match its host name (Host: wrong.example. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost); set tls.servername to a name the certificate holds?",
    );
    expect(describeNetworkError(fetchFailed("ERR_TLS_CERT_ALTNAME_INVALID", "odd"), true).message).toBe(
      "the server's certificate does not match its host name; set tls.servername to a name the certificate holds?",
    );
  });

  it("reads a closed socket under TLS as a possibly missing client certificate, retryable", () => {
    const closed = fetchFailed("UND_ERR_SOCKET", "other side closed", "SocketError");
    expect(describeNetworkError(closed, true)).toMatchObject({
      message: "the server closed the TLS connection (a client certificate may be required)",
      retryable: true,
    });
    expect(describeNetworkError(closed, false).message).toBe("the server closed the connection");
  });
});
