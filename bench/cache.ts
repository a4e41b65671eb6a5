/**
 * Cache benchmark (issue 5): how long a cache hit takes — memory Keyv and a real redis-server via
 * createRedisCache — against a loopback miss (a full request to a local Prometheus-shaped server,
 * decoded). Interleaved rounds, medians, ratios to the miss. A hit still reads the generation
 * tokens (memoised for a second), the entry, validates and decodes it, and returns a fresh copy.
 *
 * Self-contained: its own loopback server (in this process, so a miss here is the cheapest a miss
 * can be) and its own redis-server (skipped with a note when the binary is missing).
 * Run alone with `node bench/cache.ts`; `npm run bench` calls {@link benchCache}.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Keyv } from "keyv";
import { type ApiResponse, createRedisCache, PrometheusClient } from "../src/index.ts";

interface Body {
  name: string;
  /** The PromQL text the server answers with `text`. */
  query: string;
  text: string;
  call: (client: PrometheusClient) => Promise<ApiResponse<unknown>>;
}

/** A matrix body of `series` × `points`, values with decimals (what a rate() gives). */
function matrixText(series: number, points: number): string {
  const result = [];
  for (let s = 0; s < series; s++) {
    const values = [];
    for (let i = 0; i < points; i++)
      values.push([1_700_000_000 + i * 15, String(Math.sin(s + i) * 1000 + 1000)]);
    result.push({
      metric: { __name__: "http_requests_total", job: "api", instance: `10.0.0.${s}:9090` },
      values,
    });
  }
  return JSON.stringify({ status: "success", data: { resultType: "matrix", result } });
}

function vectorText(series: number): string {
  const result = [];
  for (let s = 0; s < series; s++) {
    result.push({
      metric: { __name__: "up", job: "api", instance: `10.0.0.${s}:9090` },
      value: [1_700_000_000, "1"],
    });
  }
  return JSON.stringify({ status: "success", data: { resultType: "vector", result } });
}

const BODIES: Body[] = [
  {
    name: "vector, 20 series",
    query: "small",
    text: vectorText(20),
    call: (c) => c.query("small", { time: 1_700_000_000 }),
  },
  {
    name: "matrix, 50 series × 240",
    query: "large",
    text: matrixText(50, 240),
    call: (c) => c.queryRange("large", { start: 1_700_000_000, end: 1_700_003_585, step: 15 }),
  },
];

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts redis-server on a free port; undefined when it is not installed or does not come up. */
async function startRedis(): Promise<{ url: string; child: ChildProcess } | undefined> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const up = await new Promise<boolean>((resolve) => {
    let out = "";
    const timer = setTimeout(() => resolve(false), 5_000);
    child.once("error", () => resolve(false));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  if (!up) {
    child.kill("SIGKILL");
    return undefined;
  }
  return { url: `redis://127.0.0.1:${port}/2`, child };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
const ms = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(3));

/** Runs the cache benchmark and prints a markdown section; returns the medians in ms. */
export async function benchCache(rounds = 60): Promise<Record<string, Record<string, number>>> {
  const bodies = new Map(
    BODIES.map((b) => [b.call.toString().includes("small") ? "small" : "large", b.text]),
  );
  const server = createHttpServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => {
      const query = new URLSearchParams(text).get("query") ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(bodies.get(query));
    });
  });
  const url = `http://127.0.0.1:${await listen(server)}`;
  const redis = await startRedis();
  const redisCache = redis ? createRedisCache(redis.url) : undefined;
  const clients: Record<string, PrometheusClient> = {
    miss: new PrometheusClient({ url }),
    memory: new PrometheusClient({ url, cache: new Keyv() }),
  };
  if (redisCache) clients.redis = new PrometheusClient({ url, cache: redisCache, cacheTimeout: 1_000 });
  const figures: Record<string, Record<string, number>> = {};
  try {
    console.log("\n## Cache hits against a loopback miss (issue 5)\n");
    if (!redis) console.log("(redis-server not found: the Redis column is skipped)\n");
    const names = Object.keys(clients);
    console.log(
      `| body | ${names.map((n) => `${n} median ms`).join(" | ")} | ${names
        .slice(1)
        .map((n) => `${n} / miss`)
        .join(" | ")} |`,
    );
    console.log(
      `|---|${names.map(() => "---:").join("|")}|${names
        .slice(1)
        .map(() => "---:")
        .join("|")}|`,
    );
    for (const body of BODIES) {
      for (const client of Object.values(clients)) {
        // Warm up: connections, the entry written, JIT.
        for (let i = 0; i < 5; i++) await body.call(client);
        await new Promise((r) => setTimeout(r, 50));
      }
      const times = new Map(names.map((n) => [n, [] as number[]]));
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < names.length; k++) {
          const name = names[(k + round) % names.length]!;
          const started = performance.now();
          const result = await body.call(clients[name]!);
          times.get(name)!.push(performance.now() - started);
          if ((name === "miss") === result.cached)
            throw new Error(`${name}: unexpected cached=${result.cached}`);
        }
      }
      const med = Object.fromEntries(names.map((n) => [n, median(times.get(n)!)]));
      figures[body.name] = med;
      const ratios = names.slice(1).map((n) => (med[n]! / med.miss!).toFixed(2));
      console.log(`| ${body.name} | ${names.map((n) => ms(med[n]!)).join(" | ")} | ${ratios.join(" | ")} |`);
    }
    console.log(
      `\n${rounds} interleaved rounds per body. A ratio below 1 means the hit is that fraction of a miss.`,
    );
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    await redisCache?.disconnect().catch(() => {});
    redis?.child.kill("SIGKILL");
    await new Promise((resolve) => server.close(resolve));
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchCache();
}
