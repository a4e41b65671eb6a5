import { inspect } from "node:util";
import KeyvRedis, { createClient } from "@keyv/redis";
import { Keyv } from "keyv";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type Logger, safeLogger } from "../observe/logger.ts";
import { otherScheme } from "../transport/url.ts";
import { ENTRY_PREFIX } from "./entry.ts";
import { describeStoreError } from "./guard.ts";
import { RedisWatchdog } from "./redisWatchdog.ts";

/** Options of {@link createRedisCache}. */
export interface RedisCacheOptions {
  /** Bound on connecting (and on each reconnection), ms. Default 500. */
  connectTimeout?: number | undefined;
  /** Longest pause between reconnection attempts, ms (100 ms doubled up to this). Default 2,000. */
  maxReconnectDelay?: number | undefined;
  /** Commands allowed to wait for a hung Redis before new ones are refused at once. Default 1,000. */
  commandsQueueMaxLength?: number | undefined;
  /**
   * How often the connection is checked with a PING, ms; 0 turns the checks off. Default 10,000.
   * A connection dropped without being closed (a NAT or load balancer timing it out, a cloud
   * Redis failing over) is found by the next check instead of after the kernel's ~15 minutes.
   */
  pingInterval?: number | undefined;
  /** A PING unanswered this long, ms, means the connection is dead: it is dropped and made again at once. Default 5,000. */
  pingTimeout?: number | undefined;
  /** Where connection errors go (debug level; query-side failures are reported by the clients). */
  logger?: Logger | undefined;
}

/**
 * KeyvRedis connects lazily in the first command; commands issued while that connection is
 * being made would fail at once ("The client is offline", since the offline queue is off), so a
 * fleet's first fan-out would count dozens of cache errors and open the circuit breaker. Here the
 * commands of that first moment wait for the one connection attempt (itself bounded by
 * `connectTimeout`, and every cache call by the client's cache deadline).
 */
class SharedConnectKeyvRedis extends KeyvRedis<string> {
  #connecting: ReturnType<KeyvRedis<string>["getClient"]> | undefined;

  override getClient(): ReturnType<KeyvRedis<string>["getClient"]> {
    if (this.#connecting) return this.#connecting;
    if (this.client.isOpen) return super.getClient();
    this.#connecting = super.getClient().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }
}

/** How long closing waits for queued commands before dropping the connection: a client's close() grace. */
const CLOSE_GRACE_MS = 1_000;

/**
 * A Keyv whose `disconnect()` also stops its connection's watchdog, and ends for certain: a
 * graceful close waits for the commands still queued, which on a silent connection is for ever,
 * so after `closeTimeoutMs` the connection is dropped instead.
 */
class WatchedKeyv extends Keyv {
  readonly #watchdog: RedisWatchdog;
  readonly #closeTimeoutMs: number;

  constructor(
    watchdog: RedisWatchdog,
    closeTimeoutMs: number,
    options: ConstructorParameters<typeof Keyv>[0],
  ) {
    super(options);
    this.#watchdog = watchdog;
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  override async disconnect(): Promise<void> {
    this.#watchdog.stop();
    const closing = super.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.#closeTimeoutMs);
    });
    try {
      if ((await Promise.race([closing, late])) === "late") {
        closing.catch(() => {});
        this.#watchdog.drop();
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A Redis URL without its password, for descriptions. */
function describeUrl(url: URL): string {
  return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname === "/" ? "" : url.pathname}`;
}

function positive(value: number | undefined, name: string, fallback: number, zeroTurnsOff = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    const wanted = zeroTurnsOff ? "0 (off) or a positive number" : "a positive number";
    throw new InvalidArgumentError(name, `${name} must be ${wanted}`);
  }
  return value;
}

/** Hides secrets from `util.inspect` and `JSON.stringify` of an object holding the connection options. */
function describeAs(target: object, text: string): void {
  Object.defineProperty(target, inspect.custom, { value: () => text, enumerable: false });
  Object.defineProperty(target, "toJSON", { value: () => text, enumerable: false, configurable: true });
}

/**
 * A Keyv over Redis for the result cache, with bounded connection behaviour (keyv 5.6 +
 * @keyv/redis 5.1.6, TOOLCHAIN.md): connecting gives up after `connectTimeout` instead of
 * waiting for ever, commands fail at once while disconnected instead of queueing, reconnection
 * backs off to at most `maxReconnectDelay`, errors throw (so the client's circuit breaker sees
 * them) and an 'error' listener is attached (an emitter without one would crash the process).
 * The DB comes from the URL path (`redis://host:6379/2`); a password in the URL is used to log in
 * and never shown by `util.inspect` or `JSON.stringify`. Keys are written as promfleet builds
 * them (no Keyv prefix, no double `ns::ns:` prefix), and entries are stored as their own JSON
 * string, not wrapped again.
 *
 * Redis itself may hang (SIGSTOP, a stalled network): no option bounds that, which is why each
 * client races every cache call against its own short deadline (`cacheTimeout`).
 *
 * @example
 * ```ts
 * const cache = createRedisCache("redis://127.0.0.1:6379/2");
 * const client = new PrometheusClient({ url, cache, cacheKeySecret: process.env.CACHE_KEY_SECRET });
 * // at shutdown: await cache.disconnect();
 * ```
 */
export function createRedisCache(url: string | URL, options: RedisCacheOptions = {}): Keyv {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new InvalidArgumentError("url", "url must be a Redis URL such as redis://127.0.0.1:6379/2");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new InvalidArgumentError(
      "url",
      `url must use redis: or rediss:${otherScheme(parsed.protocol, "redis:// or rediss://")}`,
    );
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
    throw new InvalidArgumentError(
      "url",
      "the path of a Redis URL is the DB number, e.g. redis://host:6379/2",
    );
  }
  const connectTimeout = positive(options.connectTimeout, "connectTimeout", 500);
  const maxDelay = positive(options.maxReconnectDelay, "maxReconnectDelay", 2_000);
  const queue = positive(options.commandsQueueMaxLength, "commandsQueueMaxLength", 1_000);
  const pingInterval =
    options.pingInterval === 0 ? 0 : positive(options.pingInterval, "pingInterval", 10_000, true);
  const pingTimeout = positive(options.pingTimeout, "pingTimeout", 5_000);
  const logger = safeLogger(options.logger);
  const description = `Keyv(redis ${describeUrl(parsed)})`;

  const client = createClient({
    url: parsed.href,
    disableOfflineQueue: true,
    commandsQueueMaxLength: queue,
    socket: {
      connectTimeout,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, maxDelay),
    },
  });
  let lastMessage: string | undefined;
  client.on("error", (error: unknown) => {
    // Reconnection errors repeat every few hundred ms while Redis is down: log each kind once.
    const message = describeStoreError(error);
    if (message !== lastMessage) logger.debug({ redis: describeUrl(parsed), error: message }, "redis error");
    lastMessage = message;
  });
  client.on("ready", () => {
    lastMessage = undefined;
  });
  const store = new SharedConnectKeyvRedis(client, {
    throwOnConnectError: false,
    throwOnErrors: true,
    connectionTimeout: connectTimeout,
  });
  const watchdog = new RedisWatchdog(
    client,
    pingInterval,
    pingTimeout,
    () => {
      logger.debug(
        { redis: describeUrl(parsed), pingTimeout },
        "redis did not answer PING in time: reconnecting",
      );
    },
    // Connect now rather than in the next cache call, which would wait for it past its deadline;
    // a failure is reported by the client's error listener, and the next call tries again.
    () => void store.getClient().catch(() => {}),
  );
  const keyv = new WatchedKeyv(watchdog, CLOSE_GRACE_MS, {
    store,
    useKeyPrefix: false,
    throwOnErrors: true,
    // promfleet's entries are JSON strings already: store them as they are (readable in
    // redis-cli, parsed once). Any other value gets Keyv's usual JSON wrapping.
    serialize: (data) =>
      typeof data.value === "string" && data.value.startsWith(ENTRY_PREFIX)
        ? data.value
        : JSON.stringify(data),
    deserialize: (text) => {
      if (text.startsWith(ENTRY_PREFIX)) return { value: text };
      try {
        return JSON.parse(text);
      } catch {
        // Someone else's value under our key: handed on as is, and refused as a foreign entry.
        return { value: text };
      }
    },
  });
  keyv.namespace = undefined;
  keyv.on("error", () => {
    // Counted by the clients' guards; this listener only makes sure an error is never unhandled.
  });
  for (const target of [keyv, store, client]) describeAs(target, description);
  watchdog.start();
  return keyv;
}
