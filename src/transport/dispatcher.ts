import { Agent, type Dispatcher, EnvHttpProxyAgent } from "undici";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { Logger } from "../observe/logger.ts";
import type { ConnectOptions, TlsMaterial } from "./tls.ts";

/** Whether the environment asks for a proxy (HTTPS_PROXY, HTTP_PROXY, any case). */
export function proxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * One connection pool per client, so `close()` can release its sockets and TLS settings stay
 * per client. HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured through undici's
 * EnvHttpProxyAgent, with the same TLS settings for the tunnelled connection.
 */
export function createDispatcher(connect: ConnectOptions): Dispatcher {
  const options = { connect, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 };
  if (proxyFromEnvironment()) return new EnvHttpProxyAgent({ ...options, requestTls: connect });
  return new Agent(options);
}

/**
 * How long a replaced pool stays open before it is closed: a request that picked it just before
 * the swap may still be on its way to `dispatch`, and a closed pool would refuse it.
 */
const RETIRE_AFTER_MS = 1_000;

/** How long a client's close() lets its calls in flight finish before cutting their connections. */
export const CLOSE_GRACE_MS = 1_000;

/** Options of {@link DispatcherPool}. */
export interface DispatcherPoolOptions {
  /** Where reloads are reported (never with key material). */
  logger: Logger;
  /** The client's URL without credentials, for log lines and the closed-client error. */
  endpoint: string;
  /** Builds a pool; {@link createDispatcher} by default (tests count pools through it). */
  create?: (connect: ConnectOptions) => Dispatcher;
}

/**
 * A client's connection pools: the main one (with its TLS material, client certificate included)
 * and an anonymous one (no client certificate) for opted-in cross-origin redirects. When a TLS
 * file changes, the next request gets a pool built from the new material and the old pool is
 * closed gracefully — requests already on it finish, then its sockets close — so certificate
 * rotation neither breaks calls in flight nor leaks sockets.
 */
export class DispatcherPool {
  readonly #tls: TlsMaterial;
  readonly #options: DispatcherPoolOptions;
  readonly #create: (connect: ConnectOptions) => Dispatcher;
  #main: Dispatcher | undefined;
  #anonymous: Dispatcher | undefined;
  #closed = false;
  /** Pools replaced by a reload: closed after a grace period, or at once by close(). */
  readonly #retiring = new Map<Dispatcher, NodeJS.Timeout | undefined>();
  readonly #closing = new Set<Promise<void>>();
  /** The last TLS reload failure warned about (files and reason), so it is not warned about each second. */
  #lastFailure: string | undefined;
  /** Retired pools closing gracefully (waiting for their requests): close() destroys them. */
  readonly #draining = new Set<Dispatcher>();

  /** Pools are created lazily, on the first request. */
  constructor(tls: TlsMaterial, options: DispatcherPoolOptions) {
    this.#tls = tls;
    this.#options = options;
    this.#create = options.create ?? createDispatcher;
  }

  /** The pool for a request to the client's own origin; picks up changed TLS files first. */
  main(): Dispatcher {
    this.#assertOpen();
    this.#reloadIfChanged();
    this.#main ??= this.#create(this.#tls.connect);
    return this.#main;
  }

  /** A pool with no client certificate (the CA is kept: trusting it is not a credential). */
  anonymous(): Dispatcher {
    this.#assertOpen();
    this.#reloadIfChanged();
    if (!this.#anonymous) {
      const { ca, rejectUnauthorized } = this.#tls.connect;
      this.#anonymous = this.#create(ca === undefined ? { rejectUnauthorized } : { ca, rejectUnauthorized });
    }
    return this.#anonymous;
  }

  /** The client certificate in force (public, but part of who the client is under mTLS). */
  clientCertificate(): string | undefined {
    if (!this.#closed) this.#reloadIfChanged();
    return this.#tls.connect.cert;
  }

  /**
   * Destroys every pool and its sockets. The client calls it once its own calls are done or
   * their grace is over: undici's graceful close() would also wait for requests it never
   * settled after an abort (nodejs/undici#386), and with them keep the process alive. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [this.#main, this.#anonymous, ...this.#retiring.keys(), ...this.#draining].filter(
      (p) => p !== undefined,
    );
    this.#draining.clear();
    for (const [, timer] of this.#retiring) clearTimeout(timer);
    this.#retiring.clear();
    this.#main = undefined;
    this.#anonymous = undefined;
    for (const pool of pools) this.#track(pool.destroy());
    await Promise.all(this.#closing);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new PrometheusError(`the client for ${this.#options.endpoint} is closed`, {
        endpoint: this.#options.endpoint,
      });
    }
  }

  #reloadIfChanged(): void {
    const result = this.#tls.check();
    const { logger, endpoint } = this.#options;
    if (result.kind === "failed") {
      // Tried again each second until it loads: warned about once per distinct failure.
      const failure = `${result.files.join("\n")}\n${result.reason}`;
      if (failure !== this.#lastFailure) {
        logger.warn(
          { url: endpoint, files: result.files, reason: result.reason },
          "TLS files changed but could not be loaded; the previous certificates stay in use",
        );
      }
      this.#lastFailure = failure;
      return;
    }
    if (result.kind === "unchanged") return;
    this.#lastFailure = undefined;
    logger.info({ url: endpoint, files: result.files }, "TLS files changed: new connections use them");
    for (const pool of [this.#main, this.#anonymous]) if (pool) this.#retire(pool, RETIRE_AFTER_MS);
    this.#main = undefined;
    this.#anonymous = undefined;
  }

  /** Closes `pool` after `delayMs`. undici's close() lets requests on it finish first. */
  #retire(pool: Dispatcher, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#retiring.delete(pool);
      this.#draining.add(pool);
      this.#track(pool.close().finally(() => this.#draining.delete(pool)));
    }, delayMs);
    // A pending retirement must not keep the process alive; its sockets time out on their own.
    timer.unref();
    this.#retiring.set(pool, timer);
  }

  /** Keeps a closing pool's promise until it settles, so close() can wait for it. */
  #track(closing: Promise<void>): void {
    const settled = closing.catch(() => {});
    this.#closing.add(settled);
    void settled.finally(() => this.#closing.delete(settled));
  }
}
