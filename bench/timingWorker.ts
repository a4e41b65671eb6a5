/**
 * One benchmark contestant in a worker thread of its own, for timing. Its own V8 heap: it pays
 * for the collection of its own garbage, and only its own, as it would in a real process.
 */
import { parentPort, workerData } from "node:worker_threads";
import { contestants } from "./contestants.ts";
import { BODIES } from "./suite.ts";

/** What the main thread gives a worker when it starts it. */
export interface TimingWorkerData {
  base: string;
  contestant: string;
}

/** A request: run the contestant `calls` times in a row on the body named `body`. */
export interface TimingRequest {
  body: string;
  calls: number;
}

/** The answer: milliseconds per call, or why the calls failed. */
export type TimingReply = { ms: number[] } | { error: string };

const { base, contestant: name } = workerData as TimingWorkerData;
const { list, close } = contestants(base);
const contestant = list.find((c) => c.name === name);
const port = parentPort;
if (!contestant || !port) throw new Error(`no contestant named ${name}, or not in a worker`);
const run = contestant.run;

async function time(request: TimingRequest): Promise<number[]> {
  const body = BODIES.find((b) => b.name === request.body);
  if (!body) throw new Error(`no body named ${request.body}`);
  const ms: number[] = [];
  for (let i = 0; i < request.calls; i++) {
    const started = performance.now();
    await run(body);
    ms.push(performance.now() - started);
  }
  return ms;
}

port.on("message", (request: TimingRequest | "close") => {
  if (request === "close") {
    void close().finally(() => port.close());
    return;
  }
  time(request).then(
    (ms) => port.postMessage({ ms } satisfies TimingReply),
    (error: unknown) => port.postMessage({ error: String(error) } satisfies TimingReply),
  );
});
