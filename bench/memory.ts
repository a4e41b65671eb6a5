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
  for (let i = 0; i < 2; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Bytes still held per result after `copies` calls of `run` resolved, all results referenced.
 * Small bodies are measured over many copies: one 20 kB result is below the heap's noise.
 *
 * One unmeasured call goes first, so what a client keeps between calls (pools, its last
 * response on a keep-alive socket) is in both figures and only the result is counted.
 */
export async function retainedBytes(run: () => Promise<unknown>, copies = 1): Promise<number> {
  await run();
  await settle();
  const before = used();
  const held: unknown[] = [];
  for (let i = 0; i < copies; i++) held.push(await run());
  sink = held;
  await settle();
  const after = used();
  sink = undefined;
  return (after - before) / copies;
}

/** Whether a measurement is possible in this process. */
export function canMeasure(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** The last result kept alive (read to keep the optimiser honest). */
export function lastSink(): unknown {
  return sink;
}
