import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { opensslMissing, prometheusMissing, redisMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { freePort } from "../support/ports.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { projectedVolume, scratchDir } from "../unit/authFiles.ts";

/**
 * Every example in examples/ run as a script (`node examples/x.ts`, as their headers say) against the
 * test servers, asserting on what it prints and how it exits. custom-auth.ts has its own file
 * (auth-example.test.ts); the demo too (demo.test.ts).
 */
const dir = scratchDir("examples");
const upstream = inject("prometheusUrl") ?? "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs examples/`name` with only `env` (and PATH) on `node` (this one by default), bounded; a non-zero
 * exit is returned, not thrown.
 */
function runExample(
  name: string,
  env: Record<string, string>,
  args: string[] = [],
  node = process.execPath,
): Promise<Run> {
  const script = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  return new Promise((resolve) => {
    execFile(
      node,
      [script, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 45_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The self-scrape's `up` series of the shared Prometheus, as the examples print its labels. */
const UP_LABELS = () =>
  JSON.stringify({ __name__: "up", instance: new URL(upstream).host, job: "prometheus" });

describe.skipIf(prometheusMissing)("examples/single-prometheus.ts", () => {
  it("prints an instant and a range query of the server", async () => {
    const run = await runExample("single-prometheus.ts", { PROMETHEUS_URL: upstream });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain(`instant: 1 series\n  ${UP_LABELS()} = 1\n`);
    expect(run.stdout).toMatch(/^range: 1 series, step 30s$/m);
    const rangeLine = run.stdout.split("\n").find((line) => line.startsWith(`  ${UP_LABELS()}: `));
    expect(rangeLine).toMatch(/: \d+ points, last 1$/);
    // The server has run for seconds, not a week: its points are all in the newest piece.
    expect(run.stdout).toMatch(/^week: 1 series, [1-9]\d* points, in day-long pieces$/m);
  });

  it("reports a bad query as a BadQueryError with the server's status, and exits 1", async () => {
    const run = await runExample("single-prometheus.ts", { PROMETHEUS_URL: upstream, QUERY: "sum(" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^BadQueryError: .*\(status 400\)$/m);
  });
});

describe.skipIf(prometheusMissing ?? opensslMissing)(
  "the OpenShift examples, against HTTPS kube-rbac-proxies",
  () => {
    let certs: TestCertificates;
    let proxy: RbacProxy;
    let tenancy: RbacProxy;
    const SA_TOKEN = "sa-token-RECOGNISABLE";
    const OC_TOKEN = "sha256~oc-token-RECOGNISABLE";
    const user = "system:serviceaccount:team-a:promfleet";

    beforeAll(async () => {
      certs = await makeCertificates();
      const tls = { cert: certs.server.cert, key: certs.server.key };
      [proxy, tenancy] = await Promise.all([
        startRbacProxy({
          upstream,
          tls,
          tokens: {
            [SA_TOKEN]: { user, verbs: ["get", "create"] },
            [OC_TOKEN]: { user: "kube:admin", verbs: ["get", "create"] },
          },
        }),
        startRbacProxy({
          upstream,
          tls,
          tenancy: true,
          tokens: { [SA_TOKEN]: { user, verbs: ["get"], namespaces: ["team-a"] } },
        }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([proxy?.close(), tenancy?.close()]);
    });

    /** A service-account directory as the kubelet lays it out, with OpenShift's service CA. */
    function serviceAccountDir(): string {
      const volume = projectedVolume(dir, SA_TOKEN);
      writeFileSync(join(volume.dir, "service-ca.crt"), certs.ca.cert);
      writeFileSync(join(volume.dir, "ca.crt"), certs.foreignCa.cert); // the API's CA: must not be the one used
      return volume.dir;
    }

    it("in-cluster: the service-account token and service CA, all namespaces", async () => {
      const saDir = serviceAccountDir();
      const from = proxy.requests.length;
      const run = await runExample("openshift-in-cluster.ts", {
        SERVICE_ACCOUNT_DIR: saDir,
        PROMETHEUS_URL: proxy.url,
        QUERY: "sum by (job) (up)",
      });
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toContain(`auth: 'bearer(tokenFile=${saDir}/token)'`);
      expect(run.stdout).toContain('sum by (job) (up): 1 series\n  {"job":"prometheus"} 1\n');
      expect(run.stdout).not.toContain(SA_TOKEN);
      expect(proxy.requests.slice(from).map((r) => `${r.method} ${r.status}`)).toEqual(["POST 200"]);
    });

    it("in-cluster: one namespace through the tenancy port (GET, namespace in the URL); another is forbidden", async () => {
      const saDir = serviceAccountDir();
      const env = { SERVICE_ACCOUNT_DIR: saDir, PROMETHEUS_URL: tenancy.url, QUERY: "sum by (job) (up)" };
      const allowed = await runExample("openshift-in-cluster.ts", { ...env, NAMESPACE: "team-a" });
      expect(allowed).toMatchObject({ code: 0, stderr: "" });
      expect(allowed.stdout).toContain("sum by (job) (up) in namespace team-a: 1 series");
      const denied = await runExample("openshift-in-cluster.ts", { ...env, NAMESPACE: "team-b" });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toBe(
        `AuthorizationError: ${tenancy.url}/api/v1/query answered 403: Forbidden (user=${user}, verb=get, resource=pods, subresource=)\n`,
      );
      const seen = tenancy.requests.map((r) => [
        r.method,
        new URLSearchParams(r.search).get("namespace"),
        r.status,
      ]);
      expect(seen).toEqual([
        ["GET", "team-a", 200],
        ["GET", "team-b", 403],
      ]);
    });

    it("in-cluster: outside a pod it names the missing token file", async () => {
      const run = await runExample("openshift-in-cluster.ts", { SERVICE_ACCOUNT_DIR: join(dir, "none") });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `InvalidArgumentError: no readable service-account token at ${join(dir, "none", "token")}`,
      );
    });

    /** A stand-in for `oc`: the route's host and the login token, as the real one prints them. */
    function fakeOc(whoami: string): string {
      const path = join(dir, `oc-${Math.random().toString(36).slice(2)}`);
      const route = "get route thanos-querier -n openshift-monitoring -o jsonpath={.spec.host}";
      writeFileSync(
        path,
        `#!/bin/sh\ncase "$*" in\n  "whoami -t") ${whoami} ;;\n  "${route}") printf '%s' '${new URL(proxy.url).host}' ;;\n` +
          `  *) echo "fake oc: unexpected $*" >&2; exit 2 ;;\nesac\n`,
        { mode: 0o755 },
      );
      return path;
    }

    it("out of cluster: the route from `oc get route`, the token from `oc whoami -t`, the router's CA", async () => {
      const from = proxy.requests.length;
      const run = await runExample("openshift-out-of-cluster.ts", {
        OC: fakeOc(`echo '${OC_TOKEN}'`),
        PROMETHEUS_CA: certs.ca.certFile,
      });
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toBe(`sum by (job) (up) at ${proxy.url}: 1 series\n  {"job":"prometheus"} 1\n`);
      expect(proxy.requests.slice(from).map((r) => `${r.method} ${r.status}`)).toEqual(["POST 200"]);
    });

    it("out of cluster, not logged in: an AuthenticationError with oc's message, nothing sent", async () => {
      const from = proxy.requests.length;
      const run = await runExample("openshift-out-of-cluster.ts", {
        OC: fakeOc(`echo 'error: You must be logged in to the server (Unauthorized)' >&2; exit 1`),
        PROMETHEUS_URL: proxy.url,
        PROMETHEUS_CA: certs.ca.certFile,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^AuthenticationError: .*You must be logged in to the server \(Unauthorized\)/m,
      );
      expect(proxy.requests.length).toBe(from);
    });
  },
);

describe("examples/cancel.ts, against a server that never answers", () => {
  let stub: StubServer;
  const bodies: string[] = [];
  beforeAll(async () => {
    stub = await startStubServer((req: IncomingMessage) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => bodies.push(body)); // and never an answer
    });
  });
  afterAll(() => stub?.close());

  it("ends each call at its bound with the error each kind of cancellation gives", async () => {
    const run = await runExample("cancel.ts", { PROMETHEUS_URL: stub.url, CANCEL_AFTER_MS: "300" });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trim().split("\n");
    const endpoint = `${stub.url}/api/v1/query`;
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^AbortController: AbortError after \\d+ ms: the call to ${endpoint} was aborted \\(cause: Error: the dashboard was closed\\)$`,
        ),
      ),
      expect.stringMatching(
        /^AbortSignal\.timeout: AbortError after \d+ ms: .* \(cause: TimeoutError: The operation was aborted due to timeout\)$/,
      ),
      expect.stringMatching(
        new RegExp(
          `^timeout option: TimeoutError after \\d+ ms: ${endpoint} did not complete within the deadline of 300 ms$`,
        ),
      ),
    ]);
    // Never before the bound, and not long after it (generous: a loaded machine).
    for (const line of lines) {
      const ms = Number(/after (\d+) ms/.exec(line)?.[1]);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(5_000);
    }
    // The deadline also went to Prometheus as its own `timeout` parameter, in seconds.
    expect(new URLSearchParams(bodies[2]).get("timeout")).toMatch(/^0\.[0-3]\d*$/);
  });
});

describe.skipIf(prometheusMissing ?? redisMissing)("examples/fleet.ts, with a Redis cache", () => {
  const FLEET_TOKEN = "fleet-secret-RECOGNISABLE";
  let proxy: RbacProxy;
  let redis: RedisServer;
  beforeAll(async () => {
    [proxy, redis] = await Promise.all([
      startRbacProxy({ upstream, tokens: { [FLEET_TOKEN]: { user: "fleet", verbs: ["get", "create"] } } }),
      startRedis(),
    ]);
  });
  afterAll(async () => {
    await proxy?.close();
    await redis?.stop();
  });

  it("reports health, queries every cluster, merges the answers and says which cluster failed", async () => {
    const tokenFile = join(dir, "fleet-token");
    writeFileSync(tokenFile, `${FLEET_TOKEN}\n`);
    const clustersFile = join(dir, "clusters.json");
    const clusters = [
      { id: "east", url: upstream, labels: { env: "prod" } },
      { id: "west", url: proxy.url, auth: { type: "bearer", tokenFile }, labels: { env: "prod" } },
      { id: "gone", url: `http://127.0.0.1:${await freePort()}`, labels: { env: "dev" } },
    ];
    writeFileSync(clustersFile, JSON.stringify(clusters));
    const run = await runExample("fleet.ts", { REDIS_URL: `${redis.url}/5` }, [clustersFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^east +ok +v2\.\d+\.\d+\S* via \w+$/m);
    expect(run.stdout).toMatch(/^west +ok +v2\.\d+\.\d+\S* via \w+$/m);
    expect(run.stdout).toMatch(/^gone +error +/m);
    expect(run.stdout).toContain("east\tprometheus\t1\n");
    expect(run.stdout).toContain("west\tprometheus\t1\n");
    expect(run.stdout).toContain("{ ok: 2, error: 1, timeout: 0, skipped: 0 }");
    // The shared Prometheus evaluates an always-firing fixture rule.
    expect(run.stdout).toContain("firing\teast\tFixtureAlwaysFiring\n");
    expect(run.stderr).toMatch(/^gone: error: /m);
    expect(run.stderr).toMatch(/^warning: cluster "gone" failed/m);
    expect(run.stdout + run.stderr).not.toContain(FLEET_TOKEN);
    // The query results went to the Redis DB the URL names.
    expect(String(await redis.command("INFO", "keyspace"))).toMatch(/^db5:keys=\d+,/m);
  });
});

/** A Node 22 binary (scripts/test.sh passes it on): the examples must run on the oldest supported Node. */
const node22 = process.env.PROMFLEET_NODE22;

describe.skipIf(!node22 || prometheusMissing)("the examples on Node 22", () => {
  const none = join(dir, "does-not-exist");
  // ESM parses every module before running any: reaching this output proves the whole graph loads.
  it.each([
    ["single-prometheus.ts", () => ({ PROMETHEUS_URL: upstream }), 0, /^instant: 1 series$/m],
    ["fleet.ts", () => ({ PROMETHEUS_URL: upstream }), 0, /^local\tprometheus\t1$/m],
    [
      "openshift-in-cluster.ts",
      () => ({ SERVICE_ACCOUNT_DIR: none }),
      1,
      /InvalidArgumentError: no readable/,
    ],
    [
      "openshift-out-of-cluster.ts",
      () => ({ OC: none, PROMETHEUS_URL: upstream }),
      1,
      /AuthenticationError: /,
    ],
    ["cancel.ts", () => ({ PROMETHEUS_URL: upstream, QUERY: "up" }), 0, /^timeout option: answered after/m],
    [
      "custom-auth.ts",
      () => ({
        PROMETHEUS_URL: upstream,
        TOKEN_URL: `${upstream}/no-token-here`,
        CLIENT_ID: "a",
        CLIENT_SECRET: "b",
      }),
      1,
      /the token endpoint answered 404/,
    ],
  ] as const)("%s", async (name, env, code, output) => {
    const run = await runExample(name, env(), [], node22);
    expect(run.stderr).not.toContain("SyntaxError");
    expect(run.code).toBe(code);
    expect(run.stdout + run.stderr).toMatch(output);
  });
});
