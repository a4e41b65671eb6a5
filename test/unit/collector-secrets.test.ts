import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";

// A private key as a Kubernetes Secret's `data` holds it: base64 of the PEM (no "-----BEGIN " visible).
const SECRET_KEY_B64 = Buffer.from(
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
).toString("base64");
const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("cluster errors never quote a secret", () => {
  it("tls.key given as base64 (a k8s Secret's data) is not echoed in the cluster's error, JSON or inspect", async () => {
    let thrown = "";
    let fleet: MetricsCollector | undefined;
    try {
      fleet = new MetricsCollector({
        registry: [{ id: "east", url: "https://127.0.0.1:9", tls: { cert: CERT, key: SECRET_KEY_B64 } }],
        clientOptions: { retry: false },
      });
    } catch (error) {
      thrown = `${(error as Error).message} ${inspect(error)}`;
    }
    let text = thrown;
    if (fleet) {
      const r = await fleet.query("up", { timeout: 2_000 }).catch((e: unknown) => e);
      text += ` ${JSON.stringify(r)} ${inspect(r, { depth: 6 })}`;
      await fleet.close();
    }
    expect(text).not.toContain(SECRET_KEY_B64.slice(0, 40));
  });
});

describe("quotePath", () => {
  it("shows paths, and not what looks like the secret itself", async () => {
    const { quotePath } = await import("../../src/errors/quotePath.ts");
    for (const path of [
      "/var/run/secrets/kubernetes.io/serviceaccount/token",
      "./certs/client.key",
      "C:\\certs\\client.key",
      "/etc/prometheus/password",
      "/run/secrets/prometheus/remote/read/password",
      "/run/secrets/prometheus01/remote02/read/password",
    ])
      expect(quotePath(path)).toBe(path);
    const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    for (const secret of [SECRET_KEY_B64, jwt, "line one\nline two", "x".repeat(1025)]) {
      expect(quotePath(secret)).toMatch(/^\(a value that is not a path: \d+ characters, not shown\)$/);
    }
  });

  it("a JWT given as tokenFile is not shown in the strategy's description or its error", async () => {
    const { bearerAuth, PrometheusClient } = await import("../../src/index.ts");
    const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl";
    const auth = bearerAuth({ tokenFile: jwt });
    const client = new PrometheusClient({ url: "http://127.0.0.1:9", auth, retry: false });
    const error = await client.query("up").catch((e: unknown) => e);
    await client.close();
    const text = `${auth.describe()} ${inspect(auth)} ${(error as Error).message} ${inspect(error)}`;
    expect(text).toMatch(/not a path/);
    expect(text).not.toContain(jwt.slice(0, 20));
  });
});
