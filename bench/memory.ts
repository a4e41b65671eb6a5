/**
 * Retained memory of a result: heap and array buffers after full collections, before and after
 * the call, with the result still referenced. Needs `--expose-gc` (run.ts restarts itself with it).
 */

/** Runs a full collection (twice: the second frees what the first's finalizers released). */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run node with --expose-gc");
  gc();
  gc();
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Somewhere to keep a result alive while it is measured. */
let sink: unknown;

/**
 * Collects until the heap is quiet: array buffers are freed after a collection returns, and
 * pending callbacks (sockets, streams) may still hold the last call's buffers.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Bytes still held after `run` resolved, its result referenced. */
export async function retainedBytes(run: () => Promise<unknown>): Promise<number> {
  await settle();
  const before = used();
  sink = await run();
  await settle();
  const after = used();
  sink = undefined;
  return after - before;
}

/** Whether a measurement is possible in this process. */
export function canMeasure(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** The last result kept alive (read to keep the optimiser honest). */
export function lastSink(): unknown {
  return sink;
}
