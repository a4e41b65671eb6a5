/**
 * `npm run demo`: promfleet against a small fleet, in one minute.
 *
 * It starts three real Prometheus servers on loopback ports (no auth, basic auth, and a bearer token
 * behind a kube-rbac-proxy-like proxy), registers them as a fleet, asks every cluster one instant
 * and one range question, prints a table per question (a sparkline per cluster for the range), asks
 * again to show cache hits, and stops every server it started — also on Ctrl-C, an error, or when
 * the whole run takes longer than DEMO_TIMEOUT_MS (default 120 s).
 *
 * Environment:
 *   REDIS_URL=redis://127.0.0.1:6379/2   cache in Redis (createRedisCache) instead of memory
 *   PROMETHEUS_URL=https://...           query this server instead of starting local ones
 *   PROMETHEUS_TOKEN=...                 its bearer token (e.g. `oc whoami -t`)
 *   PROMETHEUS_CA=/path/ca.crt           the CA that signed its certificate, if not a public one
 */
import { Keyv } from "keyv";
import {
  type ClusterConfig,
  createRedisCache,
  MetricsCollector,
  StaticClusterRegistry,
} from "../src/index.ts";
import { FIXTURE_END, FIXTURE_STEP_SECONDS, FIXTURE_T0 } from "../test/support/fixtures.ts";
import { instantTable, rangeTable, SPARKLINE_LEGEND } from "./demo/render.ts";
import { type LocalFleet, onPath, startLocalFleet } from "./demo/servers.ts";

// Never hang: whatever happens, the process ends. process.exit() runs the launchers' exit cleanup,
// which kills the servers and removes their directories. unref(): the timer alone keeps nothing alive.
const limitMs = Number(process.env.DEMO_TIMEOUT_MS ?? 120_000);
setTimeout(() => {
  console.error(`demo: not done after ${limitMs / 1000} s; stopping everything`);
  process.exit(1);
}, limitMs).unref();
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    console.error(`\ndemo: ${signal}: stopping the servers`);
    process.exit(code);
  });
}

const remoteUrl = process.env.PROMETHEUS_URL;
if (!remoteUrl && !(onPath("prometheus") && onPath("promtool"))) {
  console.error(
    "npm run demo starts local Prometheus servers, but `prometheus` (and its `promtool`) is not installed.\n" +
      "On Debian/Ubuntu install the package `prometheus`:\n" +
      "  sudo apt-get install -y --no-install-recommends prometheus\n" +
      "or point the demo at a server you have: PROMETHEUS_URL=https://... PROMETHEUS_TOKEN=... npm run demo",
  );
  process.exit(1);
}

/** What to ask: the local servers hold a backfilled dataset from November 2023 and scrape themselves. */
const now = Math.floor(Date.now() / 1000);
const plan = remoteUrl
  ? {
      instant: { promql: "count(up == 1)", about: "targets up" },
      range: {
        promql: "sum(rate(prometheus_http_requests_total[5m]))",
        about: "HTTP requests per second to Prometheus, the last hour",
        options: { start: now - 3600, end: now, step: 60 },
      },
    }
  : {
      instant: {
        promql: 'process_resident_memory_bytes{job="prometheus"} / 2^20',
        about: "each server's resident memory in MiB, from its live self-scrape",
      },
      range: {
        promql: "fixture_temperature",
        about: "a backfilled gauge holding NaN, ±Inf and outliers on purpose",
        // The fixture window, trimmed to multiples of the step: with a cache, promfleet aligns a range
        // to its step before sending it (so that dashboards a few seconds apart share an entry).
        options: {
          start: Math.ceil(FIXTURE_T0 / FIXTURE_STEP_SECONDS) * FIXTURE_STEP_SECONDS,
          end: Math.floor(FIXTURE_END / FIXTURE_STEP_SECONDS) * FIXTURE_STEP_SECONDS,
          step: FIXTURE_STEP_SECONDS,
        },
      },
    };

let local: LocalFleet | undefined;
let fleet: MetricsCollector | undefined;
const cache = process.env.REDIS_URL ? createRedisCache(process.env.REDIS_URL) : new Keyv();
try {
  let clusters: ClusterConfig[];
  if (remoteUrl) {
    const { PROMETHEUS_TOKEN: token, PROMETHEUS_CA: ca } = process.env;
    clusters = [
      {
        id: "remote",
        url: remoteUrl,
        ...(token ? { auth: { type: "bearer", token } } : {}),
        ...(ca ? { tls: { ca } } : {}),
      },
    ];
    console.log(`promfleet demo against ${remoteUrl}${token ? " (bearer token)" : ""}\n`);
  } else {
    console.log(
      "Starting three local Prometheus servers (about 6 s: each waits for its first self-scrape)...",
    );
    local = await startLocalFleet();
    clusters = local.clusters;
    console.log(`\n${local.description.map((line) => `  ${line}`).join("\n")}\n`);
  }

  if (process.env.REDIS_URL) {
    // Say whether Redis answers. Only reported: a query never fails because of its cache.
    const reachable = await cache.get("promfleet:demo:ping").then(
      () => "reachable",
      (error: unknown) => `not reachable (${error instanceof Error ? error.message : error}): no caching`,
    );
    console.log(`cache: Redis, ${reachable}\n`);
  }

  // The fleet: one client per cluster, an in-memory (or Redis) cache shared by all of them.
  fleet = new MetricsCollector({
    registry: new StaticClusterRegistry(clusters),
    cache,
    timeout: 10_000, // per cluster, from that cluster's start
  });
  const counts = { hit: 0, miss: 0 };
  fleet.on("cache", (e) => {
    if (e.type === "hit" || e.type === "miss") counts[e.type]++;
  });

  let failures = 0;
  for (const run of [1, 2]) {
    console.log(
      run === 1 ? "== Run 1" : "== Run 2: the same questions again; the answers come from the cache",
    );
    const instant = await fleet.query(plan.instant.promql);
    console.log(`\ninstant  ${plan.instant.promql}  (${plan.instant.about})`);
    console.log(instantTable(instant));

    const { start, end, step } = plan.range.options;
    const range = await fleet.queryRange(plan.range.promql, plan.range.options);
    const iso = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").replace(".000Z", "Z");
    const when = `${iso(start)} to ${iso(end)}, step ${step}s`;
    console.log(`\nrange    ${plan.range.promql}  (${plan.range.about})\n         ${when}`);
    console.log(rangeTable(range, { start, end, step }));
    console.log(`  ${SPARKLINE_LEGEND}\n`);
    failures = instant.failed().length + range.failed().length;
    if (run === 2) {
      const merged = instant.merged(); // one vector over every ok cluster, labelled cluster="..."
      const labels =
        merged.data.resultType === "vector" ? merged.data.result.map((s) => s.metric.cluster) : [];
      console.log(`merged(): ${labels.length} samples, labelled cluster=${labels.join(", ")}`);
    }
  }

  const store = process.env.REDIS_URL ? "Redis" : "in-memory Keyv";
  console.log(`cache (${store}): ${counts.hit} hits, ${counts.miss} misses`);
  if (local) {
    // The proxy's view: the read-only token may not POST (verb create), so each endpoint's first
    // call fell back to GET, and the client stays on GET for that endpoint from then on.
    console.log(`openshift proxy saw: ${local.proxyLog().join(", ")} (POST refused: GET fallback)`);
  }
  process.exitCode = failures > 0 ? 1 : 0;
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await fleet?.close(); // every client and its connections; the cache is ours to close
  await cache.disconnect();
  if (local) {
    await local.stop();
    console.log("Stopped the three Prometheus servers and the proxy.");
  }
}
