import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type AuthStrategy,
  authFromConfig,
  basicAuth,
  bearerAuth,
  headerAuth,
  inClusterOptions,
  type Logger,
  PrometheusClient,
  type PrometheusClientOptions,
} from "../../src/index.ts";
import { htpasswdMissing, opensslMissing, prometheusMissing } from "../support/binaries.ts";
import { makeCertificates, mutualTlsOptions, type TestCertificates } from "../support/certs.ts";
import { pemBodyLines, viewsOf } from "../support/leaks.ts";
import { type PrometheusServer, startPrometheus } from "../support/prometheus.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { projectedVolume, scratchDir } from "../unit/authFiles.ts";

/**
 * Every secret promfleet is given, each recognisable, driven through success and failure against
 * real peers; then everything a person, a logger or a listener can see is searched for them.
 */
const SECRETS = {
  token: "tok-RECOGNISABLE-static-5e1f",
  providerToken: "tok-RECOGNISABLE-provider-77c2",
  fileToken: "tok-RECOGNISABLE-file-0a9d",
  rotatedToken: "tok-RECOGNISABLE-rotated-3b44",
  password: "pw-RECOGNISABLE-basic-c0de",
  filePassword: "pw-RECOGNISABLE-file-beef",
  wrongPassword: "pw-RECOGNISABLE-wrong-dead",
  headerValue: "hdr-RECOGNISABLE-value-1234",
  fileHeaderValue: "hdr-RECOGNISABLE-file-5678",
};

const dir = scratchDir("secrets");
const seen: unknown[] = [];
const errors: unknown[] = [];
const logLines: unknown[] = [];
const events: unknown[] = [];
const clients: PrometheusClient[] = [];

const logger: Logger = {
  debug: (obj, msg) => logLines.push({ level: "debug", obj, msg }),
  info: (obj, msg) => logLines.push({ level: "info", obj, msg }),
  warn: (obj, msg) => logLines.push({ level: "warn", obj, msg }),
  error: (obj, msg) => logLines.push({ level: "error", obj, msg }),
};

/**
 * A client with the capturing logger and a listener on every event; its options are kept for the
 * scan, except a `tls` holding key PEM inline: that object is the caller's own, as visible as they
 * make it (a key file path keeps the key out of it).
 */
function client(options: PrometheusClientOptions): PrometheusClient {
  const c = new PrometheusClient({ retry: { limit: 1, baseDelayMs: 5, maxDelayMs: 10 }, logger, ...options });
  for (const name of ["request", "response", "retry", "error", "cache"] as const) {
    c.on(name, (event) => events.push({ name, event }));
  }
  clients.push(c);
  const inlineKey = options.tls?.key?.includes("-----BEGIN") ?? false;
  seen.push(c, inlineKey ? { ...options, tls: "(the caller's own object)" } : options);
  return c;
}

/** Runs a call, keeping its result or its error for the scan. */
async function drive(call: Promise<unknown>, expectOk: boolean): Promise<void> {
  try {
    seen.push(await call);
    expect(expectOk, "the call should have failed").toBe(true);
  } catch (error) {
    if ((error as Error).name === "AssertionError") throw error;
    errors.push(error);
    expect(expectOk, `the call should have succeeded: ${(error as Error).message}`).toBe(false);
  }
}

/** Runs a constructor or a factory that should refuse its arguments. */
function refused(build: () => unknown): void {
  try {
    seen.push(build());
  } catch (error) {
    errors.push(error);
    return;
  }
  throw new Error("expected the arguments to be refused");
}

/** Every form in which a secret could leak: as is, in basic auth's base64, and key body lines. */
function needles(certs: TestCertificates | undefined): string[] {
  const out = Object.values(SECRETS);
  for (const [user, password] of [
    ["admin", SECRETS.password],
    ["admin", SECRETS.filePassword],
    ["admin", SECRETS.wrongPassword],
  ] as const) {
    out.push(Buffer.from(`${user}:${password}`).toString("base64"));
  }
  if (certs) {
    for (const key of [certs.client.key, certs.foreignServer.key]) {
      out.push(...pemBodyLines(key));
    }
  }
  return out;
}

/** Every view of `value` a person or a tool would look at (an error's own fields, not its causes). */
const views = (value: unknown): string[] => viewsOf(value, 1);

describe.skipIf(prometheusMissing ?? htpasswdMissing ?? opensslMissing)(
  "no secret anywhere a person can see",
  () => {
    const upstream = inject("prometheusUrl") ?? "";
    let certs: TestCertificates;
    let basic: PrometheusServer;
    let mtls: PrometheusServer;
    let proxy: RbacProxy;

    beforeAll(async () => {
      certs = await makeCertificates();
      [basic, mtls] = await Promise.all([
        startPrometheus({
          backfill: false,
          scrapeSelf: false,
          basicAuth: { username: "admin", password: SECRETS.password },
        }),
        startPrometheus({
          backfill: false,
          scrapeSelf: false,
          tls: mutualTlsOptions(certs),
        }),
      ]);
      const entry = {
        user: "system:serviceaccount:monitoring:collector",
        verbs: ["get", "create"] as ("get" | "create")[],
      };
      proxy = await startRbacProxy({
        upstream,
        tokens: {
          [SECRETS.token]: entry,
          [SECRETS.providerToken]: entry,
          [SECRETS.fileToken]: entry,
          [SECRETS.rotatedToken]: entry,
        },
      });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all([basic?.stop(), mtls?.stop(), proxy?.close()]);
    });

    it("drives every strategy and the TLS key through success and failure", async () => {
      const q = (c: PrometheusClient) => c.query("vector(1)", { time: 1_700_000_000 });
      const passwordFile = join(dir, "password");
      writeFileSync(passwordFile, `${SECRETS.filePassword}\n`);
      const headerFile = join(dir, "header");
      writeFileSync(headerFile, SECRETS.fileHeaderValue);
      const volume = projectedVolume(dir, SECRETS.fileToken);

      // Basic auth: right, from a file (wrong for this server), wrong.
      await drive(
        q(client({ url: basic.url, auth: basicAuth({ username: "admin", password: SECRETS.password }) })),
        true,
      );
      await drive(q(client({ url: basic.url, auth: basicAuth({ username: "admin", passwordFile }) })), false);
      const wrong = client({
        url: basic.url,
        auth: basicAuth({ username: "admin", password: SECRETS.wrongPassword }),
      });
      await drive(q(wrong), false);
      await drive(wrong.queryRange("vector(1)", { start: 0, end: 60, step: 15 }), false);

      // Bearer through the proxy: static, provider (refresh after a 401 included), file with rotation.
      await drive(q(client({ url: proxy.url, auth: bearerAuth({ token: SECRETS.token }) })), true);
      let providerCalls = 0;
      const provided = client({
        url: proxy.url,
        auth: bearerAuth({
          token: async () =>
            ++providerCalls === 1 ? `${SECRETS.providerToken}-stale` : SECRETS.providerToken,
        }),
      });
      await drive(q(provided), true);
      const fromFile = client({ url: proxy.url, auth: bearerAuth({ tokenFile: volume.tokenFile }) });
      await drive(q(fromFile), true);
      volume.rotate(SECRETS.rotatedToken);
      proxy.revoke(SECRETS.fileToken);
      await drive(q(fromFile), true);
      proxy.revoke(SECRETS.rotatedToken);
      await drive(q(fromFile), false);
      await drive(q(client({ url: proxy.url, auth: bearerAuth({ tokenFile: join(dir, "absent") }) })), false);
      const failingProvider = bearerAuth({
        token: () => {
          throw new Error("identity provider unreachable");
        },
      });
      await drive(q(client({ url: proxy.url, auth: failingProvider })), false);

      // Header auth: ignored by a Prometheus without auth (success), refused by the proxy (401).
      await drive(
        q(client({ url: upstream, auth: headerAuth({ name: "X-API-Key", value: SECRETS.headerValue }) })),
        true,
      );
      await drive(
        q(client({ url: proxy.url, auth: headerAuth({ name: "X-API-Key", valueFile: headerFile }) })),
        false,
      );

      // The client key, as PEM contents and as a file: success, an untrusted server CA, an aborted call.
      const pemKey = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };
      await drive(
        q(client({ url: mtls.url, tls: pemKey, auth: bearerAuth({ token: SECRETS.token }) })),
        true,
      );
      const keyFile = {
        ca: certs.foreignCa.certFile,
        cert: certs.client.certFile,
        key: certs.client.keyFile,
      };
      await drive(q(client({ url: mtls.url, tls: keyFile })), false);
      const foreignKey = { ca: certs.ca.cert, cert: certs.foreignServer.cert, key: certs.foreignServer.key };
      await drive(q(client({ url: mtls.url, tls: foreignKey })), false);
      await drive(
        client({ url: mtls.url, tls: pemKey }).query("vector(1)", {
          signal: AbortSignal.abort(new Error("stop")),
        }),
        false,
      );
      await drive(q(client({ url: mtls.url, tls: { ...pemKey, insecureSkipVerify: true } })), true);

      // Refused arguments quoting nothing they were given.
      refused(() => bearerAuth({ token: `${SECRETS.token} ` }));
      refused(() => basicAuth({ username: "a:b", password: SECRETS.password }));
      refused(() => headerAuth({ name: "X Key", value: SECRETS.headerValue }));
      refused(() => headerAuth({ name: "X-Key", value: `${SECRETS.headerValue}\n` }));
      refused(() => authFromConfig({ type: "bearer", token: SECRETS.token, tokenFile: "/x" } as never));
      refused(() => authFromConfig({ type: "oauth", secret: SECRETS.token } as never));
      refused(() =>
        authFromConfig({ type: "basic", username: "u", password: SECRETS.password, pasword: 1 } as never),
      );
      refused(
        () =>
          new PrometheusClient({
            url: mtls.url,
            tls: { cert: certs.client.cert, key: certs.foreignServer.key },
          }),
      );
      refused(() => new PrometheusClient({ url: `https://admin:${SECRETS.password}@127.0.0.1:1` }));

      // Declarative and in-cluster options, and the strategies themselves.
      const strategies: AuthStrategy[] = [
        authFromConfig({ type: "bearer", token: SECRETS.token }),
        authFromConfig({ type: "basic", username: "admin", password: SECRETS.password }),
        authFromConfig({ type: "header", name: "X-API-Key", value: SECRETS.headerValue }),
      ];
      writeFileSync(join(volume.dir, "service-ca.crt"), certs.ca.cert);
      seen.push(strategies, inClusterOptions({ dir: volume.dir }));
      for (const c of clients) seen.push(await c.fingerprint(), await c.fingerprint("hmac-key"));

      expect(providerCalls).toBeGreaterThan(0);
      expect(errors.length).toBeGreaterThanOrEqual(18);
      expect(logLines.length).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThan(0);
    });

    it("finds none of them in errors, clients, options, results, log lines or events", () => {
      const haystack = [...seen, ...errors, ...logLines, ...events].flatMap(views);
      const hits: string[] = [];
      for (const needle of needles(certs)) {
        for (const text of haystack)
          if (text.includes(needle)) hits.push(`${needle} in ${text.slice(0, 300)}`);
      }
      expect(hits).toEqual([]);
      // The scan itself can find: the tokens are in the proxy's table, which is not ours to hide.
      expect(views({ table: SECRETS }).join("").includes(SECRETS.token)).toBe(true);
    });
  },
);
