/**
 * The demo's local fleet: three real Prometheus servers on loopback ports, each guarded differently,
 * started with the same launcher the integration tests use (test/support/prometheus.ts):
 *
 * - east:      no auth, plain HTTP;
 * - west:      Prometheus' own basic auth (`--web.config.file`, bcrypt hash made by `htpasswd`);
 * - openshift: behind a kube-rbac-proxy-like bearer proxy (HTTPS with a CA made by `openssl`), with a
 *              token file laid out like a service account's and a read-only token (verb `get`), so
 *              promfleet's form POST is refused with 403 and it falls back to GET, as on OpenShift.
 *
 * Every server backfills the fixture dataset (test/support/fixtures.ts) and scrapes itself, so the
 * live `process_resident_memory_bytes` differs per server. Each launcher registers its process and
 * temporary directory for removal at exit, Ctrl-C included (test/support/cleanup.ts).
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { ClusterConfig } from "../../src/index.ts";
import { makeCertificates } from "../../test/support/certs.ts";
import { tempDir } from "../../test/support/ports.ts";
import { type PrometheusServer, startPrometheus } from "../../test/support/prometheus.ts";
import { type RbacProxy, startRbacProxy } from "../../test/support/rbacProxy.ts";

/** The running fleet: what to register, what to show, and how to stop it. */
export interface LocalFleet {
  /** One config per server, for a StaticClusterRegistry. */
  readonly clusters: ClusterConfig[];
  /** One line per cluster: id, how it is guarded, URL. */
  readonly description: string[];
  /** What the bearer proxy answered, in order ("POST 403", "GET 200", ...). */
  proxyLog(): string[];
  /** Stops every server and the proxy, and removes their files. Idempotent. */
  stop(): Promise<void>;
}

/** Whether `binary` is an executable file on PATH (checked without running it). */
export function onPath(binary: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return statSync(join(dir, binary)).isFile();
    } catch {
      return false;
    }
  });
}

/** Starts the three clusters in parallel (the first self-scrape takes ~5.5 s in Prometheus 2.42). */
export async function startLocalFleet(): Promise<LocalFleet> {
  // Random secrets per run: nothing to leak, nothing to collide with a previous run's cache entries.
  const password = randomBytes(12).toString("base64url");
  const token = randomBytes(24).toString("base64url");
  const withBasicAuth = onPath("htpasswd"); // Debian package apache2-utils
  const withTls = onPath("openssl");
  const notes: string[] = [];
  if (!withBasicAuth) notes.push("west: no basic auth (install apache2-utils for htpasswd)");
  if (!withTls) notes.push("openshift: plain HTTP proxy (install openssl for HTTPS)");

  const files = await tempDir("demo");
  const started: Array<PrometheusServer | RbacProxy> = [];
  const stop = async () => {
    await Promise.allSettled(started.splice(0).map((s) => ("stop" in s ? s.stop() : s.close())));
    await files.remove();
  };

  try {
    // allSettled, not all: when one fails, the others are still stopped rather than left starting.
    const settled = await Promise.allSettled([
      startPrometheus(),
      startPrometheus(withBasicAuth ? { basicAuth: { username: "demo", password } } : {}),
      startPrometheus(),
    ]);
    for (const s of settled) if (s.status === "fulfilled") started.push(s.value);
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) throw failure.reason;
    const [east, west, upstream] = started as PrometheusServer[];
    if (!east || !west || !upstream) throw new Error("a server is missing");
    const certs = withTls ? await makeCertificates(join(files.path, "certs")) : undefined;
    const proxy = await startRbacProxy({
      upstream: upstream.url,
      // A read-only service account: kube-rbac-proxy maps GET to `get` and POST to `create`.
      tokens: { [token]: { user: "system:serviceaccount:demo:promfleet", verbs: ["get"] } },
      ...(certs ? { tls: { cert: certs.server.cert, key: certs.server.key } } : {}),
    });
    started.push(proxy);
    // The token as a pod sees it: a file (promfleet re-reads it when the kubelet rotates it).
    const tokenFile = join(files.path, "token");
    await writeFile(tokenFile, token, { mode: 0o600 });

    const clusters: ClusterConfig[] = [
      { id: "east", url: east.url, labels: { env: "prod" } },
      {
        id: "west",
        url: west.url,
        labels: { env: "prod" },
        ...(withBasicAuth ? { auth: { type: "basic", username: "demo", password } } : {}),
      },
      {
        id: "openshift",
        url: proxy.url,
        labels: { env: "dev" },
        auth: { type: "bearer", tokenFile },
        ...(certs ? { tls: { ca: certs.ca.certFile } } : {}),
      },
    ];
    const guard = {
      east: "no auth",
      west: withBasicAuth ? "basic auth (Prometheus web config)" : "no auth",
      openshift: `bearer token file, ${certs ? "HTTPS " : ""}kube-rbac-proxy (verb get only)`,
    };
    const description = clusters.map(
      (c) => `${c.id.padEnd(10)} ${guard[c.id as keyof typeof guard].padEnd(52)} ${String(c.url)}`,
    );
    return {
      clusters,
      description: [...description, ...notes.map((n) => `note: ${n}`)],
      proxyLog: () => proxy.requests.map((r) => `${r.method} ${r.status}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
