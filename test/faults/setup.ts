import { afterAll } from "vitest";

/**
 * Setup file of the "faults" project: records every unhandled rejection and uncaught exception
 * (an EventEmitter's 'error' without a listener ends up as one) in the file's process, and fails
 * the file when any was seen. Vitest fails the run on them too; this makes the guarantee explicit
 * and names what escaped.
 */

const escaped: string[] = [];

const describe = (kind: string, reason: unknown): string =>
  `${kind}: ${reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)}`;

process.on("unhandledRejection", (reason) => escaped.push(describe("unhandled rejection", reason)));
// The monitor variant observes without changing how the process reacts.
process.on("uncaughtExceptionMonitor", (error) => escaped.push(describe("uncaught exception", error)));

afterAll(async () => {
  // Let rejections of promises dropped in the last test surface (they are reported a tick late).
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (escaped.length > 0) {
    throw new Error(`nothing may escape unhandled, but:\n${escaped.join("\n")}`);
  }
});
