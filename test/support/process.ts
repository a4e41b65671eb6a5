import { type ChildProcess, spawn } from "node:child_process";
import { killSync, registerExitCleanup } from "./cleanup.ts";

/**
 * A child process owned by a launcher: its output is kept (tail only) for error messages, it is
 * SIGKILLed at exit if nobody stopped it, and stopping it is bounded.
 */
export interface ManagedProcess {
  /** The process id (set once spawned). */
  readonly pid: number;
  /** Resolves when the process has exited (or failed to spawn); never rejects. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Resolves once its stdout and stderr are closed, so `output()` holds all it wrote: "exit" can
   * come before the last output is read (seen under load: an empty `htpasswd` hash). Never rejects.
   */
  readonly outputClosed: Promise<void>;
  /** Whether `exited` has resolved. */
  hasExited(): boolean;
  /** The last ~16 KB of stdout and stderr, interleaved, for diagnostics. */
  output(): string;
  /** Sends a signal (no-op once exited). */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (+SIGCONT so a paused process can act on it), SIGKILL after `graceMs`; waits for exit. */
  stop(graceMs?: number): Promise<void>;
}

/** How a managed process ended. */
export interface ExitInfo {
  /** Exit code, or null when ended by a signal or never started. */
  code: number | null;
  /** Ending signal, if any. */
  signal: NodeJS.Signals | null;
  /** Spawn error (e.g. ENOENT), if the process never started. */
  error?: Error;
}

const TAIL_BYTES = 16 * 1024;

/** Starts `command` with `args` (no shell), stdin closed, output captured. */
export function spawnManaged(
  command: string,
  args: readonly string[],
  cwd?: string,
  env?: Record<string, string>,
): ManagedProcess {
  const child: ChildProcess = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd === undefined ? {} : { cwd }),
    ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
  });
  let tail = "";
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-TAIL_BYTES);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  let done = false;
  const outputClosed = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    child.once("error", () => {
      if (child.pid === undefined) resolve();
    });
  });
  const unregister = child.pid === undefined ? () => {} : registerExitCleanup(() => killSync(child.pid ?? 0));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      // "error" without "exit" means the spawn itself failed.
      if (child.pid === undefined) {
        done = true;
        resolve({ code: null, signal: null, error });
      }
    });
    child.once("exit", (code, signal) => {
      done = true;
      unregister();
      resolve({ code, signal });
    });
  });

  const kill = (signal: NodeJS.Signals = "SIGTERM") => {
    if (!done) child.kill(signal);
  };

  return {
    pid: child.pid ?? -1,
    exited,
    outputClosed,
    hasExited: () => done,
    output: () => tail,
    kill,
    async stop(graceMs = 5000) {
      if (done) return;
      kill("SIGTERM");
      kill("SIGCONT");
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `check` every `intervalMs` until it returns true, for at most `timeoutMs`. A check that throws
 * counts as "not yet". `abortIf` ends the wait early (e.g. the server process died) with its message.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted !== undefined) throw new Error(`${what}: ${aborted}`);
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`${what}: not done within ${options.timeoutMs} ms${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Runs a short-lived tool, bounded; resolves with its output or rejects with it. */
export async function runTool(
  command: string,
  args: string[],
  timeoutMs = 15_000,
  env?: Record<string, string>,
): Promise<string> {
  const child = spawnManaged(command, args, undefined, env);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await child.exited;
  // The output is read to its end (bounded: a grandchild could hold the pipes open).
  await Promise.race([child.outputClosed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  clearTimeout(timer);
  if (exit.error) throw new Error(`${command}: ${exit.error.message}`);
  if (exit.code !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal} (limit ${timeoutMs} ms)` : `exited ${exit.code}`;
    throw new Error(`${command} ${args.slice(0, 3).join(" ")} ${how}:\n${child.output().slice(-2000)}`);
  }
  return child.output();
}
