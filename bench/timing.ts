/**
 * The timing side of the benchmark: one worker thread per contestant (bench/timingWorker.ts),
 * driven call by call from the main thread so rounds stay interleaved. Times are taken inside
 * the worker, around the call alone.
 */
import { Worker } from "node:worker_threads";
import type { TimingReply, TimingRequest, TimingWorkerData } from "./timingWorker.ts";

/** Workers timing the contestants, by contestant name. */
export class TimingWorkers {
  readonly #workers = new Map<string, Worker>();

  /** Starts one worker per contestant name, each with its own client against `base`. */
  constructor(base: string, names: readonly string[]) {
    for (const contestant of names) {
      const workerData: TimingWorkerData = { base, contestant };
      this.#workers.set(
        contestant,
        new Worker(new URL("./timingWorker.ts", import.meta.url), { workerData }),
      );
    }
  }

  /** Runs contestant `name` `calls` times in a row on body `body`; resolves to milliseconds per call. */
  calls(name: string, body: string, calls: number): Promise<number[]> {
    const worker = this.#workers.get(name);
    if (!worker) return Promise.reject(new Error(`no worker for ${name}`));
    return new Promise((resolve, reject) => {
      const onMessage = (reply: TimingReply): void => {
        worker.off("error", onError);
        if ("error" in reply) reject(new Error(`${name}: ${reply.error}`));
        else resolve(reply.ms);
      };
      const onError = (error: Error): void => {
        worker.off("message", onMessage);
        reject(error);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage({ body, calls } satisfies TimingRequest);
    });
  }

  /** Closes every worker's client, then the workers. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once("exit", () => resolve());
            worker.postMessage("close");
            // A worker stuck in a call must not keep the benchmark from ending.
            setTimeout(() => void worker.terminate(), 5_000).unref();
          }),
      ),
    );
  }
}
