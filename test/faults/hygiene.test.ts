import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisMissing } from "../support/binaries.ts";
import { freePort } from "../support/ports.ts";
import { type RedisServer, startRedis } from "../support/redis.ts";
import { jsonBody, neverAnswers, type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * Process hygiene: a child process uses clients, a fleet and caches the way a service does —
 * successes, timeouts, a dead server, a close() during a call, a Redis that is down — closes
 * them, and must then exit by itself within a few seconds: no timer, socket or reconnection
 * loop of promfleet keeps the event loop alive.
 */

const CHILD = fileURLToPath(new URL("./fixtures/hygiene-child.ts", import.meta.url));
const EXIT_BOUND_MS = 8_000;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from "closed" to the exit. */
  exitAfterCloseMs: number;
  killed: boolean;
}

function runChild(scenario: string, env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, scenario], {
      env: { ...process.env, ...env, NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let closedAt: number | undefined;
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closedAt === undefined && stdout.includes("closed")) closedAt = performance.now();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, EXIT_BOUND_MS);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const exitAfterCloseMs = closedAt === undefined ? Number.NaN : performance.now() - closedAt;
      resolve({ code, signal, stdout, stderr, exitAfterCloseMs, killed });
    });
  });
}

describe("after close(), nothing keeps the process alive", () => {
  let ok: StubServer;
  let hang: StubServer;
  let redis: RedisServer | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    const vector = jsonBody(200, {
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [1, "1"] }] },
    });
    const matrix = jsonBody(200, {
      status: "success",
      data: { resultType: "matrix", result: [{ metric: {}, values: [[1, "1"]] }] },
    });
    ok = await startStubServer((req, res) => (req.url?.includes("query_range") ? matrix : vector)(req, res));
    hang = await startStubServer(neverAnswers());
    if (!redisMissing) redis = await startRedis();
    env = {
      OK_URL: ok.url,
      HANG_URL: hang.url,
      DEAD_URL: `http://127.0.0.1:${await freePort()}`,
      REDIS_URL: redis ? `${redis.url}/7` : "",
    };
  });
  afterAll(async () => {
    await Promise.all([ok?.close(), hang?.close(), redis?.stop()]);
  });

  const scenarios: Array<[string, string, boolean]> = [
    ["client", "queries, a range, health and an aborted call", false],
    ["faults", "a timeout against a server that never answers, and a dead port", false],
    ["inFlight", "close() while a call waits on a server that never answers", false],
    ["forgotten", "a client never closed, once its connections are idle", false],
    ["cache", "a Redis cache: hits, an invalidation, disconnect()", true],
    ["deadRedis", "a Redis cache whose Redis is down, then disconnect()", true],
    ["fleet", "a fleet with an owned Redis cache, a hung and a dead cluster, then close()", true],
  ];

  for (const [scenario, what, needsRedis] of scenarios) {
    it.skipIf(needsRedis && redisMissing !== undefined)(`${scenario}: ${what}`, async () => {
      const run = await runChild(scenario, env);
      const diagnostics = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
      expect(run.killed, `the child did not exit by itself within ${EXIT_BOUND_MS} ms\n${diagnostics}`).toBe(
        false,
      );
      expect(run.code, diagnostics).toBe(0);
      expect(run.stdout).toContain("closed");
      // Exiting is prompt once everything is closed (generous: a loaded machine).
      expect(run.exitAfterCloseMs, diagnostics).toBeLessThan(2_500);
      if (scenario === "inFlight") {
        const ms = Number(/close took (\d+) ms/.exec(run.stdout)?.[1]);
        expect(ms, diagnostics).toBeLessThan(2_500);
        expect(run.stdout).toContain("the call ended with UnavailableError");
      }
    });
  }
});
