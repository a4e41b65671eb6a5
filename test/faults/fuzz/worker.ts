import { parentPort, workerData } from "node:worker_threads";
import { fuzzArguments } from "./arguments.ts";
import { fuzzCacheEntries } from "./cacheEntries.ts";
import { type FuzzReport, fuzzDecoders } from "./properties.ts";

/**
 * Runs one fuzz property in a worker thread, so that a decoder stuck in a loop can be stopped by
 * the test (worker.terminate()) instead of hanging the run.
 */
const { property, seed, runs } = workerData as { property: string; seed: number; runs: number };
const properties: Record<string, (seed: number, runs: number) => FuzzReport> = {
  decoders: fuzzDecoders,
  arguments: fuzzArguments,
  cacheEntries: fuzzCacheEntries,
};
const run = properties[property];
if (!run) throw new Error(`unknown fuzz property ${property}`);
parentPort?.postMessage(run(seed, runs));
