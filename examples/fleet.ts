/**
 * One question to a fleet of clusters, with a shared Redis cache. Run with Node ≥ 22.18 (type stripping):
 *   node examples/fleet.ts clusters.json            # a JSON array of clusters (format below), re-read when it changes
 *   PROMETHEUS_URL=http://127.0.0.1:9090 node examples/fleet.ts   # one cluster, for a quick try
 *   REDIS_URL=redis://127.0.0.1:6379/2 node examples/fleet.ts clusters.json   # with a shared cache
 *
 * clusters.json (auth is declarative; prefer files to inline secrets):
 *   [
 *     { "id": "east", "url": "https://thanos-querier.east.example:9091", "labels": { "env": "prod" },
 *       "auth": { "type": "bearer", "tokenFile": "/secrets/east/token" }, "tls": { "ca": "/secrets/east/ca.crt" } },
 *     { "id": "lab", "url": "http://10.0.0.7:9090", "labels": { "env": "dev" } }
 *   ]
 * (In your own code import from "promfleet"; this repository's examples import the sources.)
 */
import {
  FileClusterRegistry,
  type InstantSample,
  MetricsCollector,
  StaticClusterRegistry,
} from "../src/index.ts";

// Bad data (a missing url, a duplicate id, an unknown auth type) throws here, naming the file,
// the cluster and the field. The file is read again when it changes (a ConfigMap update).
const path = process.argv[2];
const registry =
  path === undefined
    ? new StaticClusterRegistry([
        { id: "local", url: process.env.PROMETHEUS_URL ?? "http://127.0.0.1:9090", labels: { env: "dev" } },
      ])
    : new FileClusterRegistry(path);

const fleet = new MetricsCollector({
  registry,
  // A Redis URL: the collector builds the cache and closes it with itself. Or pass any Keyv.
  ...(process.env.REDIS_URL
    ? { cache: process.env.REDIS_URL, cacheKeySecret: process.env.CACHE_KEY_SECRET }
    : {}),
  concurrency: 16, // clusters queried at once by one call; the next starts as soon as one finishes
  maxInFlight: 48, // cluster calls in flight across all of this collector's calls together
  timeout: 10_000, // per cluster, from that cluster's start
  deadline: 30_000, // overall: clusters not started by then are "skipped"
});

try {
  // Progress: one event per finished cluster.
  fleet.on("cluster", (e) =>
    console.error(`[${e.done}/${e.total}] ${e.cluster}: ${e.status} in ${Math.round(e.latencyMs)} ms`),
  );
  fleet.on("circuit", (e) =>
    console.error(`circuit ${e.state} for ${e.cluster}${e.reason ? `: ${e.reason}` : ""}`),
  );

  // Health first: healthy/ready, version, and whether /-/healthy answered or a proxy hid it.
  for (const c of await fleet.health()) {
    const about = c.value?.healthy
      ? `v${c.value.version ?? "?"} via ${c.value.via}`
      : (c.error?.message ?? "");
    console.log(`${c.cluster.padEnd(12)} ${c.status.padEnd(8)} ${about}`);
  }

  // One query everywhere (or { clusters: { env: "prod" } }, or a list of ids).
  const result = await fleet.query("count by (job) (up)");
  for (const c of result.failed()) console.warn(`${c.cluster}: ${c.status}: ${c.error?.message}`);

  // One vector over the clusters that answered, each sample labelled cluster="<id>".
  const merged = result.merged();
  for (const sample of merged.data.result as InstantSample[]) {
    console.log(`${sample.metric.cluster}\t${sample.metric.job ?? "-"}\t${sample.value}`);
  }
  for (const warning of merged.warnings) console.warn(`warning: ${warning}`);
  console.log(result.summary());

  // What is firing across the fleet: every cluster's active alerts, each labelled with its cluster.
  const alerts = (await fleet.alerts()).merged();
  for (const alert of alerts.data.alerts.filter((a) => a.state === "firing")) {
    console.log(`firing\t${alert.labels.cluster}\t${alert.labels.alertname}`);
  }
} finally {
  await fleet.close(); // every client, and the Redis cache it built (`await using` on Node 24)
}
