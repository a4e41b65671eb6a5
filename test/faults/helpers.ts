import { expect } from "vitest";
import type { Logger } from "../../src/index.ts";

/** What a call ended with, and how long it took. */
export type Settled<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

/** Runs `call` to its end, never throwing, timing it. */
export async function settle<T>(call: () => Promise<T>): Promise<Settled<T>> {
  const started = performance.now();
  try {
    const value = await call();
    return { ok: true, value, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}

/** The error of a call that must have failed. */
export function failure<T>(settled: Settled<T>): Error {
  if (settled.ok) throw new Error("the call should have failed but succeeded");
  expect(settled.error).toBeInstanceOf(Error);
  return settled.error as Error;
}

/** Open TCP sockets of this process (client and server ends alike), by Node's own accounting. */
export function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
}

/** Polls `check` until it holds (bounded); fails with `what` when it never does. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

/** A promise of a pause. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One line a logger was given. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  obj: unknown;
  msg: string | undefined;
}

/** A pino-compatible logger that keeps every line, at every level. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}
