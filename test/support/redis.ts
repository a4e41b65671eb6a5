import { freePort, tempDir } from "./ports.ts";
import { type ManagedProcess, spawnManaged, waitFor } from "./process.ts";
import { RedisReplyError, RespConnection, type RespValue, redisCommand } from "./resp.ts";

/** Re-exported: what `command()` resolves to, and rejects with on an error reply such as OOM. */
export { RedisReplyError, type RespValue } from "./resp.ts";

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** `--maxmemory` (e.g. "2mb"), with `--maxmemory-policy noeviction` so a full Redis refuses writes. */
  maxmemory?: string;
  /** `--requirepass`; the URL then carries it. */
  password?: string;
  /** Bound on start-up (default 10 s). */
  startTimeoutMs?: number;
}

/** A running test Redis. Nothing is persisted: a restart starts empty. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, or `redis://:PASSWORD@127.0.0.1:PORT` with a password. */
  readonly url: string;
  /** Listening port (kept across restarts). */
  readonly port: number;
  /** Stops the process and removes its directory. Final; idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: Redis vanishes at once, connections are reset. Use restart() to bring it back. */
  kill(): void;
  /** SIGSTOP: Redis hangs (connections are accepted by the kernel, nothing answers). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Stops the current process if running (also when paused or killed) and starts an empty one, same port. */
  restart(): Promise<void>;
  /** Sends one command on a fresh connection (bounded, 2 s); error replies reject with RedisReplyError. */
  command(...args: string[]): Promise<RespValue>;
  /**
   * With `maxmemory` only: writes filler keys until Redis answers OOM, then pins it full (CONFIG SET
   * maxmemory 1), so every later write fails with OOM while reads work. Undo with
   * `command("CONFIG", "SET", "maxmemory", "0")` or restart().
   */
  fill?(): Promise<void>;
}

/**
 * Starts `redis-server` on a free loopback port (`--port 0` would disable TCP) without persistence, and
 * resolves once it answers PING over a raw socket.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const tmp = await tempDir("redis");
  const auth = options.password === undefined ? {} : { password: options.password };
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  args.push("--dir", tmp.path, "--daemonize", "no");
  if (options.maxmemory !== undefined)
    args.push("--maxmemory", options.maxmemory, "--maxmemory-policy", "noeviction");
  if (options.password !== undefined) args.push("--requirepass", options.password);
  let proc: ManagedProcess | undefined;
  let stopped = false;

  const launch = async () => {
    const current = spawnManaged("redis-server", args, tmp.path);
    proc = current;
    try {
      await waitFor("redis PING", async () => (await redisCommand(port, ["PING"], auth)) === "PONG", {
        timeoutMs: options.startTimeoutMs ?? 10_000,
        abortIf: () => (current.hasExited() ? "redis-server exited during start-up" : undefined),
      });
    } catch (error) {
      const log = current.output().slice(-2000);
      await current.stop();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n--- redis-server output tail ---\n${log}`, { cause: error });
    }
  };

  try {
    await launch();
  } catch (error) {
    await tmp.remove();
    throw error;
  }

  const password = options.password === undefined ? "" : `:${encodeURIComponent(options.password)}@`;
  const server: RedisServer = {
    url: `redis://${password}127.0.0.1:${port}`,
    port,
    kill: () => proc?.kill("SIGKILL"),
    pause: () => proc?.kill("SIGSTOP"),
    resume: () => proc?.kill("SIGCONT"),
    command: (...command) => redisCommand(port, command, auth),
    async restart() {
      if (stopped) throw new Error("restart() after stop()");
      await proc?.stop(2000);
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc?.stop(2000);
      await tmp.remove();
    },
  };
  if (options.maxmemory !== undefined) server.fill = () => fill(port, auth);
  return server;
}

/**
 * Writes 64 KiB values until Redis refuses with OOM (bounded: 10 s, 100k keys), then lowers maxmemory to
 * 1 byte. The pinning matters: Redis only refuses a write when memory is *already* over the limit, and
 * part of that was our own connection's query buffer, freed when it closes; a small write would then pass.
 */
async function fill(port: number, auth: { password?: string }): Promise<void> {
  const connection = await RespConnection.open(port, auth);
  const value = "x".repeat(64 * 1024);
  const deadline = Date.now() + 10_000;
  try {
    for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
      try {
        await connection.send(["SET", `promfleet-test-filler:${i}`, value]);
      } catch (error) {
        if (error instanceof RedisReplyError && error.message.startsWith("OOM")) {
          await connection.send(["CONFIG", "SET", "maxmemory", "1"]);
          return;
        }
        throw error;
      }
    }
    throw new Error("redis fill(): no OOM reply within 10 s; is maxmemory set?");
  } finally {
    connection.close();
  }
}
