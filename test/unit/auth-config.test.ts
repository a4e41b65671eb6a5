import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AuthConfig,
  authFromConfig,
  bearerAuth,
  InvalidArgumentError,
  inClusterOptions,
  OPENSHIFT_THANOS_QUERIER_URL,
  SERVICE_ACCOUNT_DIR,
} from "../../src/index.ts";
import { scratchDir } from "./authFiles.ts";

const SECRET = "s3cr3t-CONFIG-77a1";
const dir = scratchDir("auth-config");

async function header(config: AuthConfig, name = "authorization") {
  const headers = new Headers();
  await authFromConfig(config).apply({
    headers,
    url: new URL("http://x/"),
    signal: new AbortController().signal,
  });
  return headers.get(name);
}

function invalid(config: unknown, argument?: string): InvalidArgumentError {
  try {
    authFromConfig(config as AuthConfig, argument);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("authFromConfig", () => {
  it("builds every strategy from its declarative form", async () => {
    const file = join(dir, "token");
    writeFileSync(file, "from-file\n");
    expect(authFromConfig({ type: "none" }).describe()).toBe("none");
    expect(await header({ type: "bearer", token: "t" })).toBe("Bearer t");
    expect(await header({ type: "bearer", tokenFile: file })).toBe("Bearer from-file");
    expect(await header({ type: "basic", username: "u", password: "p" })).toBe(
      `Basic ${Buffer.from("u:p").toString("base64")}`,
    );
    expect(await header({ type: "basic", username: "u", passwordFile: file })).toBe(
      `Basic ${Buffer.from("u:from-file").toString("base64")}`,
    );
    expect(await header({ type: "header", name: "X-Key", value: "k" }, "x-key")).toBe("k");
    expect(await header({ type: "header", name: "X-Key", valueFile: file }, "x-key")).toBe("from-file");
  });

  it("passes a strategy through unchanged", () => {
    const strategy = bearerAuth({ token: "t" });
    expect(authFromConfig(strategy)).toBe(strategy);
  });

  it("names the field at fault and never quotes a value", () => {
    expect(invalid({ type: "oauth", token: SECRET }).argument).toBe("auth.type");
    expect(invalid({ token: SECRET }).argument).toBe("auth.type");
    expect(invalid(SECRET).argument).toBe("auth");
    expect(invalid(null).argument).toBe("auth");
    expect(invalid({ type: "bearer", token: 5 }).argument).toBe("auth.token");
    const unknown = invalid({ type: "bearer", token: "x", pasword: SECRET });
    expect(unknown.argument).toBe("auth.pasword");
    expect(unknown.message).toBe("auth.pasword is not an option of this auth type");
    expect(invalid({ type: "none", token: SECRET }).argument).toBe("auth.token");
    expect(invalid({ type: "basic", password: SECRET }).argument).toBe("auth.username");
  });

  it("reports the strategy's own checks under the config's name", () => {
    const both = invalid({ type: "bearer", token: SECRET, tokenFile: "/x" }, "clusters.east.auth");
    expect(both.argument).toBe("clusters.east.auth");
    expect(both.message).toContain("clusters.east.auth: bearerAuth needs exactly one of");
    expect(invalid({ type: "bearer", token: `${SECRET} x` }).argument).toBe("auth.token");
    expect(invalid({ type: "basic", username: "a:b", password: SECRET }).argument).toBe("auth.username");
    expect(invalid({ type: "header", name: "X-Key" }).argument).toBe("auth");
    expect(invalid({ type: "header", name: "bad name", value: SECRET }).argument).toBe("auth.name");
  });
});

describe("inClusterOptions", () => {
  function serviceAccount(files: Record<string, string>): string {
    const sa = scratchDir("sa");
    for (const [name, text] of Object.entries(files)) writeFileSync(join(sa, name), text);
    return sa;
  }

  it("on OpenShift: token file, service CA, and Thanos Querier as the default URL", async () => {
    const sa = serviceAccount({ token: "sa-token\n", "ca.crt": "kube CA", "service-ca.crt": "service CA" });
    const options = inClusterOptions({ dir: sa });
    expect(options.url).toBe(OPENSHIFT_THANOS_QUERIER_URL);
    expect(options.tls).toEqual({ ca: join(sa, "service-ca.crt") });
    expect(options.auth.describe()).toBe(`bearer(tokenFile=${join(sa, "token")})`);
    const headers = new Headers();
    await options.auth.apply({ headers, url: new URL("http://x/"), signal: new AbortController().signal });
    expect(headers.get("authorization")).toBe("Bearer sa-token");
    expect(
      inClusterOptions({ dir: sa, url: "https://prometheus-k8s.openshift-monitoring.svc:9091" }).url,
    ).toBe("https://prometheus-k8s.openshift-monitoring.svc:9091");
  });

  it("elsewhere: the cluster CA and no URL unless given; every path can be overridden", () => {
    const sa = serviceAccount({ token: "t", "ca.crt": "kube CA" });
    const options = inClusterOptions({ dir: sa });
    expect("url" in options).toBe(false);
    expect(options.tls).toEqual({ ca: join(sa, "ca.crt") });
    const other = serviceAccount({ "my-token": "t", "my-ca": "ca" });
    const custom = inClusterOptions({
      tokenFile: join(other, "my-token"),
      caFile: join(other, "my-ca"),
      serviceCaFile: join(other, "absent"),
    });
    expect(custom.tls).toEqual({ ca: join(other, "my-ca") });
    expect(inClusterOptions({ dir: serviceAccount({ token: "t" }) }).tls).toEqual({});
  });

  it("says so when there is no service-account token", () => {
    const sa = serviceAccount({});
    expect(() => inClusterOptions({ dir: sa })).toThrow(
      /no readable service-account token at .*: not running in a pod/,
    );
    expect(SERVICE_ACCOUNT_DIR).toBe("/var/run/secrets/kubernetes.io/serviceaccount");
  });
});
