import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { htpasswdMissing, opensslMissing, prometheusMissing, redisMissing } from "../support/binaries.ts";
import { waitFor } from "../support/process.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";

/**
 * `npm run demo` (examples/demo.ts) run as the README says, as a child process. Each run gets its own
 * TMPDIR, which every server the demo starts lives under (config, data, certificates): a process whose
 * command line names that directory is one the demo started, so "nothing left" is checked exactly.
 */
const demo = fileURLToPath(new URL("../../examples/demo.ts", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The run's TMPDIR. */
  dir: string;
}

/**
 * Runs the demo with `env` (PATH kept unless given) on `node` (this one by default), bounded;
 * `interrupt` decides when to send SIGINT.
 */
function runDemo(
  env: Record<string, string>,
  options: {
    interrupt?: (run: { stdout: string; dir: string }) => boolean;
    timeoutMs?: number;
    node?: string;
  } = {},
): Promise<DemoRun> {
  const dir = mkdtempSync(join(tmpdir(), "promfleet-demo-test-"));
  dirs.push(dir);
  const child = spawn(options.node ?? process.execPath, [demo], {
    env: { PATH: process.env.PATH ?? "", TMPDIR: dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  let poll: NodeJS.Timeout | undefined;
  if (options.interrupt) {
    const interrupt = options.interrupt;
    poll = setInterval(() => {
      if (interrupt({ stdout, dir })) {
        clearInterval(poll);
        child.kill("SIGINT");
      }
    }, 50);
  }
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(killer);
      clearInterval(poll);
      resolve({ code, stdout, stderr, dir });
    });
  });
}

/** Command lines of the running processes that mention `dir` (Linux /proc). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(dir)) found.push(`${pid} ${cmdline}`);
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

/** After a run: no process of it is left, and its servers' directories are gone. */
async function expectNothingLeft(run: DemoRun): Promise<void> {
  // SIGKILLed children are reaped by the kernel a moment after the demo exits.
  await waitFor("the demo's processes to end", () => processesUnder(run.dir).length === 0, {
    timeoutMs: 5_000,
  });
  expect(readdirSync(run.dir)).toEqual([]);
}

/** The table rows of `cluster` in `text`: [status, latency ms, cached, rest of the line]. */
function rows(text: string, cluster: string): string[][] {
  const pattern = new RegExp(`^  ${cluster} +(\\w+) +(\\d+) ms +(yes|no) +(.*)$`, "gm");
  return [...text.matchAll(pattern)].map((m) => m.slice(1, 5) as string[]);
}

/** fixture_temperature over its window: NaN at step 3, +Inf at 5, -Inf at 7, outliers clipped. */
const TEMPERATURE_SPARKLINE = "▃▃▃·▄↑▄↓▄▁▄█▄▁▄▁▄▁▅▁▅▅▅▅▅▅▅▅▅▅▅▅▅▆▆▆▆▆▆";

describe.skipIf(prometheusMissing ?? htpasswdMissing ?? opensslMissing)("npm run demo, local fleet", () => {
  it("queries three guarded servers, shows tables, sparklines and cache hits, and stops them all", async () => {
    const run = await runDemo({});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [first = "", second = ""] = run.stdout.split("== Run 2");
    expect(first).toMatch(/^ {2}west +basic auth \(Prometheus web config\) +http:\/\/127\.0\.0\.1:\d+$/m);
    expect(first).toMatch(
      /^ {2}openshift +bearer token file, HTTPS kube-rbac-proxy .*https:\/\/127\.0\.0\.1:\d+$/m,
    );
    expect(first).toContain("  cluster    status  latency  cached  value");
    expect(first).toContain("  cluster    status  latency  cached  points  last  sparkline");
    for (const cluster of ["east", "west", "openshift"]) {
      // Instant (resident memory, MiB), then range (39 points, last 29.5, the sparkline).
      const [instant, range] = rows(first, cluster);
      expect(instant?.slice(0, 1).concat(instant.slice(2))).toEqual([
        "ok",
        "no",
        expect.stringMatching(/^\d+(\.\d+)?$/),
      ]);
      expect(range).toEqual(["ok", expect.any(String), "no", `39  29.5  ${TEMPERATURE_SPARKLINE}`]);
      // The second run: the same answers, from the cache.
      const [again, rangeAgain] = rows(second, cluster);
      expect(again).toEqual(["ok", expect.any(String), "yes", instant?.[3]]);
      expect(rangeAgain).toEqual(["ok", expect.any(String), "yes", range?.[3]]);
    }
    expect(run.stdout).toContain("↑ +Inf, ↓ -Inf, · NaN");
    expect(run.stdout).toContain("merged(): 3 samples, labelled cluster=east, west, openshift");
    expect(run.stdout).toContain("cache (in-memory Keyv): 6 hits, 6 misses");
    // The read-only token: each endpoint's POST refused once, then GET; nothing in run 2.
    expect(run.stdout).toContain("openshift proxy saw: POST 403, GET 200, POST 403, GET 200 (");
    expect(run.stdout).toMatch(/Stopped the three Prometheus servers and the proxy\.\n$/);
    await expectNothingLeft(run);
  });

  it("Ctrl-C while the servers start stops them and exits 130", async () => {
    const run = await runDemo(
      {},
      { interrupt: ({ dir }) => processesUnder(dir).some((p) => p.includes("--web.listen-address")) },
    );
    expect(run.code).toBe(130);
    expect(run.stderr).toContain("demo: SIGINT: stopping the servers");
    await expectNothingLeft(run);
  });

  it("never hangs: past DEMO_TIMEOUT_MS it stops everything and exits non-zero", async () => {
    const run = await runDemo({ DEMO_TIMEOUT_MS: "1500" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("demo: not done after 1.5 s; stopping everything");
    await expectNothingLeft(run);
  });
});

/** A Node 22 binary (scripts/test.sh passes it on), to prove the README's oldest supported Node. */
const node22 = process.env.PROMFLEET_NODE22;

describe.skipIf(!node22 || (prometheusMissing ?? htpasswdMissing ?? opensslMissing))(
  "npm run demo on Node 22",
  () => {
    it("runs end to end on the oldest supported Node (type stripping, no `using`)", async () => {
      const run = await runDemo({}, { node: node22 ?? "" });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`  east       ok`);
      expect(run.stdout).toContain(TEMPERATURE_SPARKLINE);
      expect(run.stdout).toContain("cache (in-memory Keyv): 6 hits, 6 misses");
      await expectNothingLeft(run);
    });
  },
);

describe("npm run demo without Prometheus installed", () => {
  it("names the Debian package to install and exits non-zero", async () => {
    const emptyPath = mkdtempSync(join(tmpdir(), "promfleet-empty-path-"));
    dirs.push(emptyPath);
    const run = await runDemo({ PATH: emptyPath });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("sudo apt-get install -y --no-install-recommends prometheus");
    expect(run.stderr).toContain("PROMETHEUS_URL=");
  });
});

describe.skipIf(prometheusMissing ?? redisMissing)(
  "npm run demo against a real server (PROMETHEUS_URL)",
  () => {
    const TOKEN = "demo-remote-token-RECOGNISABLE";
    let proxy: RbacProxy;
    let redis: RedisServer;
    afterAll(async () => {
      await proxy?.close();
      await redis?.stop();
    });

    it("uses PROMETHEUS_TOKEN, starts no server, and caches in Redis with REDIS_URL", async () => {
      [proxy, redis] = await Promise.all([
        startRbacProxy({
          upstream: inject("prometheusUrl") ?? "",
          tokens: { [TOKEN]: { user: "someone", verbs: ["get", "create"] } },
        }),
        startRedis(),
      ]);
      const run = await runDemo({
        PROMETHEUS_URL: proxy.url,
        PROMETHEUS_TOKEN: TOKEN,
        REDIS_URL: `${redis.url}/4`,
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`promfleet demo against ${proxy.url} (bearer token)`);
      expect(run.stdout).not.toContain("Starting");
      expect(run.stdout).not.toContain(TOKEN);
      expect(run.stdout).toContain("cache: Redis, reachable");
      const [first = "", second = ""] = run.stdout.split("== Run 2");
      expect(rows(first, "remote").map((r) => r.slice(0, 1).concat(r[2] ?? ""))).toEqual([
        ["ok", "no"],
        ["ok", "no"],
      ]);
      expect(rows(second, "remote").map((r) => r.slice(0, 1).concat(r[2] ?? ""))).toEqual([
        ["ok", "yes"],
        ["ok", "yes"],
      ]);
      expect(run.stdout).toContain("cache (Redis): 2 hits, 2 misses");
      // Two requests in all (run 2 came from Redis), both with the token.
      expect(proxy.requests.map((r) => [r.method, r.status, r.authorization])).toEqual([
        ["POST", 200, true],
        ["POST", 200, true],
      ]);
      // The entries are in the DB the URL names.
      expect(String(await redis.command("INFO", "keyspace"))).toMatch(/^db4:keys=2,/m);
    });
  },
);
