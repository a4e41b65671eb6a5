import { readFileSync } from "node:fs";

/**
 * Last-resort cleanup for everything test/support starts.
 *
 * Tests are expected to call `stop()`/`close()` themselves; this registry exists for the cases where they
 * cannot: a test file that throws in `beforeAll`, a worker that vitest ends with SIGTERM, a developer
 * pressing Ctrl-C. Handlers run synchronously because the `exit` event allows nothing else.
 */
const handlers = new Set<() => void>();
let installed = false;

/** Signals on which we clean up and then let the default action (termination) happen. */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs every registered handler once, newest first (as `defer` would), swallowing errors so one
 * failure does not leak the rest. Newest first matters: a server registers its kill after its
 * temp directory, and removing the directory while the server still writes would let the dying
 * process repopulate it.
 */
function runAll(): void {
  for (const handler of [...handlers].reverse()) {
    handlers.delete(handler);
    try {
      handler();
    } catch {
      // Best effort: at exit there is nobody left to report to.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once("exit", runAll);
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      runAll();
      // Adding a listener disables Node's default "terminate on signal"; restore it when nobody else
      // (vitest, a test) has taken responsibility for the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Registers a synchronous handler run at process exit or on SIGINT/SIGTERM/SIGHUP.
 * Returns a function that unregisters it (call it once the resource was released normally).
 */
export function registerExitCleanup(handler: () => void): () => void {
  install();
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/** A reusable sleep for synchronous code (exit handlers cannot await). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Kills `pid` with SIGKILL (and SIGCONT, so a stopped process can die) and waits, synchronously and for at
 * most `maxMs`, until the kernel reports it dead, so a data directory removed afterwards is not
 * repopulated by a dying writer. Linux-only check through /proc; elsewhere it only sends the signal.
 */
export function killSync(pid: number, maxMs = 1000): void {
  try {
    process.kill(pid, "SIGKILL");
    process.kill(pid, "SIGCONT");
  } catch {
    return; // Already gone.
  }
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    let state: string | undefined;
    try {
      // Field 3 of /proc/PID/stat is the state; "Z" (zombie) means dead but not yet reaped by Node.
      state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    } catch {
      return; // No such process (or no /proc): nothing more to wait for.
    }
    if (state === "Z" || state === "X") return;
    Atomics.wait(sleepCell, 0, 0, 10);
  }
}
