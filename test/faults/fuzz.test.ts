import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { decodeEntry } from "../../src/cache/entry.ts";
import { InvalidArgumentError, PrometheusClient } from "../../src/index.ts";
import { fuzzSeed } from "../support/seed.ts";
import type { FuzzReport } from "./fuzz/properties.ts";

/**
 * Property-based fuzzing (fast-check) of everything promfleet reads from outside: response
 * bodies, call arguments, and cache entries read back from a store. Each property runs in a
 * worker thread that the test stops after a bound, so a decoder caught in a loop fails the test
 * instead of hanging the run. The seed is printed in the failure, to replay it:
 * `FUZZ_SEED=<seed> npx vitest run --project faults test/faults/fuzz.test.ts`.
 */

const SEED = fuzzSeed();
const BOUND_MS = 90_000;

function runInWorker(property: string, runs: number): Promise<FuzzReport> {
  const worker = new Worker(new URL("./fuzz/worker.ts", import.meta.url), {
    workerData: { property, seed: SEED, runs },
  });
  return new Promise<FuzzReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the ${property} fuzz did not finish within ${BOUND_MS} ms (seed ${SEED}): a hang`));
    }, BOUND_MS);
    worker.once("message", (report: FuzzReport) => {
      clearTimeout(timer);
      resolve(report);
      void worker.terminate();
    });
    worker.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function expectPassed(report: FuzzReport): void {
  if (report.failure !== undefined)
    throw new Error(`${report.name} fuzz failed (seed ${SEED}):\n${report.failure}`);
}

describe("fuzzing", () => {
  it("10,000 generated bodies through the query and query_range decoders: a result or a PrometheusError, never anything else", {
    timeout: BOUND_MS + 5_000,
  }, async () => {
    const report = await runInWorker("decoders", 10_000);
    expectPassed(report);
    console.info(
      `decoders (seed ${SEED}): ${JSON.stringify(report.outcomes)}, slowest ${report.slowestMs} ms`,
    );
    // The sample covered every outcome.
    for (const kind of ["ok vector", "ok matrix", "ok scalar", "ok string", "DecodeError"]) {
      expect(report.outcomes[kind], kind).toBeGreaterThan(50);
    }
    expect(Object.keys(report.outcomes).some((k) => k.startsWith("error envelope"))).toBe(true);
  });

  it("generated arguments (times, steps, durations, limits, timeouts, matchers, selector()): prepared and checked, or an InvalidArgumentError", {
    timeout: BOUND_MS + 5_000,
  }, async () => {
    const report = await runInWorker("arguments", 10_000);
    expectPassed(report);
    console.info(`arguments (seed ${SEED}): ${JSON.stringify(report.outcomes)}`);
    for (const what of ["query", "queryRange", "series", "labelValues", "timeout", "cache", "selector"]) {
      expect(report.outcomes[`${what}: accepted`], what).toBeGreaterThan(20);
      expect(report.outcomes[`${what}: refused`], what).toBeGreaterThan(20);
    }
  });

  it("generated cache entries read back (fresh, expired, foreign, damaged, forged tags, deep): a valid result or a miss, never a throw", {
    timeout: BOUND_MS + 5_000,
  }, async () => {
    const report = await runInWorker("cacheEntries", 4_000);
    expectPassed(report);
    console.info(`cache entries (seed ${SEED}): ${JSON.stringify(report.outcomes)}`);
    expect(report.outcomes["fresh: served"]).toBeGreaterThan(100);
    expect(report.outcomes["subtree replaced: miss (corrupt)"]).toBeGreaterThan(50);
  });

  it("regressions the fuzz found: times and durations too large to send are refused before any request", async () => {
    // Nothing listens there: a request would fail differently.
    const client = new PrometheusClient({ url: "http://127.0.0.1:9/", retry: 0 });
    const huge = "9".repeat(400);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["time", () => client.query("up", { time: huge })],
      ["time", () => client.query("up", { time: 1e306 })],
      ["end", () => client.queryRange("up", { start: 0, end: huge, step: 1 })],
      ["step", () => client.queryRange("up", { start: 0, end: 1, step: `${huge}y` })],
      ["step", () => client.queryRange("up", { start: 0, end: 1, step: 1.7976931348623157e308 })],
      ["lookbackDelta", () => client.query("up", { lookbackDelta: huge })],
      ["end", () => client.series(["up"], { end: huge })],
    ];
    for (const [argument, call] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error, argument).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
    await client.close();
  });

  it("regression the fuzz found: a stored entry with a non-string value under a label named prototype, constructor or __proto__ is a miss", () => {
    const key = "promfleet:r1:east:fp:g1:g2:api/v1/query_range:abc";
    for (const name of ["prototype", "constructor", "__proto__"]) {
      const metric = `{"__name__":"m",${JSON.stringify(name)}:{"$o":{"x":1}}}`;
      const data = `{"resultType":"matrix","result":[{"$rs":[${metric},{"$f64":""},{"$f64":""},{"$u":0}]}]}`;
      const raw = `{"promfleet":1,"key":${JSON.stringify(key)},"storedAt":1000,"ttlMs":30000,"infos":[],"data":${data}}`;
      const read = decodeEntry(raw, key, "api/v1/query_range", 2000);
      expect(read.ok, name).toBe(false);
      // The same entry with a string there is served, that label included.
      const good = decodeEntry(raw.replace('{"$o":{"x":1}}', '"v"'), key, "api/v1/query_range", 2000);
      expect(good.ok, name).toBe(true);
    }
  });
});
