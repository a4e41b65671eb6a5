/**
 * Fleet fan-out benchmark (issue 6): 200 loopback clusters answering in 50 ms, concurrency 50,
 * one cluster that never answers, per-cluster timeout 1 s. The ideal wall time of a pool is
 * max(1 s, ⌈200 / 50⌉ × 50 ms) = 1.0 s: the dead cluster holds one slot for its timeout while the
 * others flow through the remaining 49. Waves (Promise.all per chunk of 50) would take about
 * 1 s + 3 × 50 ms. Reported: wall time and its ratio to the ideal (median of the warm rounds, and
 * the cold first round that also opens 200 connections), statuses, peak connections and requests
 * in flight at the server, and the collector process's peak memory over its baseline.
 *
 * The dead cluster is listed first, so it starts at once: the formula assumes that (listed last,
 * it would start ~200 ms later and the wall time would be ~1.2 s by design, not by overhead).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ClusterConfig, MetricsCollector } from "../src/index.ts";
import { canMeasure, collect } from "./memory.ts";
import { median, ms, row } from "./stats.ts";

/** Settings of {@link benchFleet}; the defaults are the issue's. */
export interface FleetBenchOptions {
  clusters?: number;
  latencyMs?: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Warm rounds after the cold one. */
  rounds?: number;
  /** Print the markdown section (default true). */
  print?: boolean;
}

/** What {@link benchFleet} measured. */
export interface FleetBenchFigures {
  idealMs: number;
  coldMs: number;
  warmMedianMs: number;
  ratio: number;
  coldRatio: number;
  statuses: Record<string, number>;
  peakSockets: number;
  peakInFlight: number;
  peakHeapMB: number;
  peakRssMB: number;
}

interface ServerStats {
  openSockets: number;
  peakSockets: number;
  inFlight: number;
  peakInFlight: number;
}

/** Starts bench/fleetServer.ts; `stats()` asks it for its connection figures (and resets the peaks). */
async function startServer(
  latencyMs: number,
): Promise<{ base: string; stats: () => Promise<ServerStats>; stop: () => void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL("./fleetServer.ts", import.meta.url))],
    {
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, LATENCY_MS: String(latencyMs) },
    },
  );
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const first = await Promise.race([
    next(),
    new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`fleet server exited (${code})`))),
    ),
  ]);
  const { port } = JSON.parse(first) as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    stats: async () => {
      const answer = next();
      child.stdin!.write("stats\n");
      return JSON.parse(await answer) as ServerStats;
    },
    stop: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}

/** Samples the process's memory every 5 ms while `run` runs; returns the peaks over the baseline. */
async function withMemoryPeaks<T>(run: () => Promise<T>): Promise<{ value: T; heap: number; rss: number }> {
  if (canMeasure()) collect();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
    rss = Math.max(rss, m.rss - base.rss);
  };
  const timer = setInterval(sample, 5);
  try {
    const value = await run();
    sample();
    return { value, heap, rss };
  } finally {
    clearInterval(timer);
  }
}

/** Runs the fleet benchmark and prints its section of `npm run bench`. */
export async function benchFleet(options: FleetBenchOptions = {}): Promise<FleetBenchFigures> {
  const n = options.clusters ?? 200;
  const latencyMs = options.latencyMs ?? 50;
  const concurrency = options.concurrency ?? 50;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const rounds = options.rounds ?? 5;
  const idealMs = Math.max(timeoutMs, Math.ceil(n / concurrency) * latencyMs);
  const server = await startServer(latencyMs);
  const clusters: ClusterConfig[] = [{ id: "dead", url: `${server.base}/dead` }];
  for (let i = 1; i < n; i++) clusters.push({ id: `c${i}`, url: `${server.base}/c${i}` });
  // The breaker would skip the dead cluster after five rounds: this measures the pool, so it is off.
  const fleet = new MetricsCollector({ registry: clusters, concurrency, timeout: timeoutMs, breaker: false });
  const statuses: Record<string, number> = {};
  const walls: number[] = [];
  let peakHeap = 0;
  let peakRss = 0;
  let peakSockets = 0;
  let peakInFlight = 0;
  try {
    for (let round = 0; round <= rounds; round++) {
      const { value, heap, rss } = await withMemoryPeaks(async () => {
        const started = performance.now();
        const result = await fleet.query("up");
        return { wall: performance.now() - started, result };
      });
      walls.push(value.wall);
      peakHeap = Math.max(peakHeap, heap);
      peakRss = Math.max(peakRss, rss);
      for (const c of value.result) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
      const stats = await server.stats();
      peakSockets = Math.max(peakSockets, stats.peakSockets);
      peakInFlight = Math.max(peakInFlight, stats.peakInFlight);
    }
  } finally {
    await fleet.close();
    server.stop();
  }
  const [coldMs, ...warm] = walls as [number, ...number[]];
  const warmMedianMs = median(warm);
  const figures: FleetBenchFigures = {
    idealMs,
    coldMs,
    warmMedianMs,
    ratio: warmMedianMs / idealMs,
    coldRatio: coldMs / idealMs,
    statuses,
    peakSockets,
    peakInFlight,
    peakHeapMB: peakHeap / 2 ** 20,
    peakRssMB: peakRss / 2 ** 20,
  };
  if (options.print ?? true)
    console.log(fleetSection(figures, { n, latencyMs, concurrency, timeoutMs, rounds }));
  return figures;
}

/** The markdown section of the report. */
function fleetSection(
  f: FleetBenchFigures,
  s: { n: number; latencyMs: number; concurrency: number; timeoutMs: number; rounds: number },
): string {
  const status = Object.entries(f.statuses)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `\n## Fleet fan-out (issue 6)\n`,
    `${s.n} loopback clusters at ${s.latencyMs} ms, concurrency ${s.concurrency}, one never answers ` +
      `(per-cluster timeout ${s.timeoutMs} ms); ideal of a pool max(${s.timeoutMs} ms, ⌈${s.n}/${s.concurrency}⌉ × ${s.latencyMs} ms) = ${ms(f.idealMs)} ms.\n`,
    row(["round", "wall ms", "× ideal"]),
    row(["---", "---:", "---:"]),
    row(["cold (opens connections)", ms(f.coldMs), f.coldRatio.toFixed(2)]),
    row([`warm, median of ${s.rounds}`, ms(f.warmMedianMs), f.ratio.toFixed(2)]),
    "",
    `Statuses over all rounds: ${status}. Server side: peak ${f.peakSockets} open connections ` +
      `(one keep-alive connection per cluster), peak ${f.peakInFlight} requests in flight. ` +
      `Collector process: peak heap +${f.peakHeapMB.toFixed(1)} MB, peak RSS +${f.peakRssMB.toFixed(1)} MB over its baseline.`,
  ].join("\n");
}
