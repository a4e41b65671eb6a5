import { createHmac, randomBytes } from "node:crypto";
import type { PrometheusClientOptions } from "../client/options.ts";
import { PrometheusClient } from "../client/PrometheusClient.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { Events, PromfleetEvents } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import type { Cluster } from "./cluster.ts";

/** A client's default call deadline (PrometheusClient's `timeout` default). */
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Client events a collector passes on to its own listeners. */
const FORWARDED = ["request", "response", "retry", "error", "cache"] as const satisfies ReadonlyArray<
  keyof PromfleetEvents
>;

interface Entry {
  /** HMAC of everything the client was built from; equal keys mean an equal client. */
  key: string;
  client: PrometheusClient;
  unsubscribe: () => void;
  /** The client's own call deadline, for calls made on it outside a fan-out. */
  callTimeoutMs: number;
  /** When (performance.now()) the last call handed this client may still run: a replaced client waits that long. */
  busyUntil: number;
  /** When (performance.now()) the registry answer it was built from was asked for. */
  seenAt: number;
  /** Leases not yet released: fan-outs holding the client that have not started their call on it. */
  leases: number;
  /** Wakes a retirement waiting for the leases to end. */
  onReleased?: (() => void) | undefined;
}

/** A client handed to one fan-out's call: release it once the call on it has started. */
export interface ClientLease {
  client: PrometheusClient;
  release(): void;
}

/** The grace `close()` gives calls in flight (PrometheusClient's default). */
const CLOSE_GRACE_MS = 1_000;

/**
 * Time a retired client waits past the last deadline handed out with it: a call's own deadline
 * timer must fire first, so the call ends as the timeout it is, not as "closed during the call".
 */
const RETIRE_MARGIN_MS = 250;

/** The grace of a client retired while calls may run until `busyUntil` (performance.now()). */
function graceUntil(busyUntil: number): number {
  return Math.max(0, busyUntil - performance.now()) + RETIRE_MARGIN_MS;
}

/** JSON with object keys sorted, so equal settings give equal text whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof URL) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });
}

/**
 * The collector's clients, one per cluster, reused across fan-outs and replaced — the old one
 * closed — when the cluster's URL, identity, TLS, headers or client settings change. The original
 * system keyed its pool by URL alone, so a rotated token was never picked up; here the key is an
 * HMAC (keyed by a random per-process secret, never stored elsewhere) over all of them, with the
 * identity as the auth strategy reports it now.
 */
export class ClusterClients {
  readonly #entries = new Map<string, Entry>();
  /** Clients replaced or let go, still letting calls finish: closeAll() must end them too. */
  readonly #retiring = new Set<Entry>();
  readonly #secret = randomBytes(32);
  readonly #shared: Partial<PrometheusClientOptions>;
  readonly #events: Events;
  readonly #logger: Logger;
  #closed = false;

  /** `shared` are the options every client gets (logger, cache, collector-wide client options). */
  constructor(shared: Partial<PrometheusClientOptions>, events: Events, logger: Logger) {
    this.#shared = shared;
    this.#events = events;
    this.#logger = logger;
  }

  /** Number of open clients. */
  get size(): number {
    return this.#entries.size;
  }

  /** True once {@link ClusterClients.closeAll} was called: no client is made any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The client for `cluster`: the current one when nothing changed, else a new one. `until` is
   * when (performance.now()) the call it is wanted for must end; without it, the client's own
   * timeout from now. Should the client be replaced, it is closed only after that. `seenAt` is
   * when the registry was asked for `cluster` (see {@link ClusterClients.lease}).
   */
  async clientFor(
    cluster: Cluster,
    until?: number,
    seenAt: number = performance.now(),
  ): Promise<PrometheusClient> {
    return (await this.#entryFor(cluster, until, seenAt, false)).client;
  }

  /**
   * Like {@link ClusterClients.clientFor}, for a fan-out: the client is not closed while the lease
   * is held, so a call that got it cannot find it closed before it starts (another fan-out may
   * replace it in between). `seenAt` is when the registry answer `cluster` comes from was asked
   * for: a fan-out working from an answer older than the current client's lends that client
   * rather than switch the cluster back to older settings (a token already rotated away).
   */
  async lease(cluster: Cluster, until: number, seenAt: number): Promise<ClientLease> {
    const entry = await this.#entryFor(cluster, until, seenAt, true);
    let released = false;
    return {
      client: entry.client,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.leases === 0) entry.onReleased?.();
      },
    };
  }

  /** The entry for `cluster`, made or replaced as needed; leased (in the same turn) when `leased`. */
  async #entryFor(
    cluster: Cluster,
    until: number | undefined,
    seenAt: number,
    leased: boolean,
  ): Promise<Entry> {
    this.#assertOpen(cluster.id);
    const settings = { ...this.#shared, ...cluster.clientSettings() };
    const identity = await cluster.auth.identity();
    // Checked again after the await: a client built after closeAll() would never be closed.
    this.#assertOpen(cluster.id);
    const {
      logger: _logger,
      cache: _cache,
      auth,
      ...plain
    } = settings as typeof settings & { cache?: unknown };
    const key = createHmac("sha256", this.#secret)
      .update(canonical([plain, auth?.type, identity]))
      .digest("hex");
    // Checked after the await: two fan-outs racing for a new cluster build one client.
    const current = this.#entries.get(cluster.id);
    if (current?.key === key) {
      // A later answer with the same settings: an answer older than it must not switch them back.
      current.seenAt = Math.max(current.seenAt, seenAt);
      return this.#lend(current, until, leased);
    }
    if (current !== undefined && seenAt < current.seenAt) return this.#lend(current, until, leased);
    const callTimeoutMs = settings.timeout ?? DEFAULT_CALL_TIMEOUT_MS;
    const client = new PrometheusClient(settings);
    const unsubscribe = this.#forward(client);
    const entry: Entry = { key, client, unsubscribe, callTimeoutMs, busyUntil: 0, seenAt, leases: 0 };
    this.#entries.set(cluster.id, entry);
    if (current) {
      this.#logger.info(
        { cluster: cluster.id, url: cluster.url },
        "cluster settings or credentials changed: client replaced",
      );
      // Calls already running on the old client end by their own deadlines: wait that long.
      void this.#retire(current, graceUntil(current.busyUntil));
    }
    return this.#lend(entry, until, leased);
  }

  /**
   * Hands out `entry`, noting how long the call it is for may run. A lease is taken here, in the
   * turn that chose the entry: another fan-out replacing it right after must find it held.
   */
  #lend(entry: Entry, until: number | undefined, leased: boolean): Entry {
    entry.busyUntil = Math.max(entry.busyUntil, until ?? performance.now() + entry.callTimeoutMs);
    if (leased) entry.leases++;
    return entry;
  }

  #assertOpen(cluster: string): void {
    if (this.#closed) {
      throw new PrometheusError("the MetricsCollector is closed: make a new one", { cluster });
    }
  }

  /**
   * Closes the clients of clusters no longer in the registry (`ids` is all it has now), each
   * after the calls handed to it end: a fleet whose registry drops clusters would otherwise keep
   * a client, and its connection pool, for every cluster it ever saw.
   */
  retain(ids: ReadonlySet<string>): void {
    if (this.#closed) return;
    for (const [id, entry] of this.#entries) {
      if (ids.has(id)) continue;
      this.#entries.delete(id);
      this.#logger.info({ cluster: id }, "cluster no longer in the registry: client closed");
      void this.#retire(entry, graceUntil(entry.busyUntil));
    }
  }

  /**
   * Closes and forgets every client, also those replaced or let go whose calls were still being
   * waited for (they get the same short grace now); later {@link ClusterClients.clientFor} calls throw.
   */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    const retiring = [...this.#retiring];
    for (const entry of retiring) entry.onReleased?.();
    await Promise.all([
      ...entries.map((e) => this.#retire(e, CLOSE_GRACE_MS)),
      ...retiring.map((e) => e.client.close({ graceMs: CLOSE_GRACE_MS }).catch(() => {})),
    ]);
  }

  /**
   * Closes a client. A replaced one lets the calls running on it finish (`graceMs`: their
   * deadline, plus {@link RETIRE_MARGIN_MS}) while new calls go to the new client, and waits for
   * its leases first; on the collector's close the short grace of 1 s applies, so close() never
   * waits for a hung server.
   */
  async #retire(entry: Entry, graceMs: number): Promise<void> {
    this.#retiring.add(entry);
    try {
      // A fan-out that leased the client but has not started its call yet gets to start it.
      const started = performance.now();
      if (entry.leases > 0) await this.#leasesEnded(entry, graceMs);
      const left = Math.max(0, graceMs - (performance.now() - started));
      await entry.client.close({ graceMs: left }).catch((error: unknown) => {
        this.#logger.warn({ error: String(error) }, "closing a replaced client failed");
      });
    } finally {
      this.#retiring.delete(entry);
      // Only now: the calls it let finish still report their events.
      entry.unsubscribe();
    }
  }

  /** Resolves once `entry`'s leases are released, or after `ms` (a lease's call is bounded too). */
  #leasesEnded(entry: Entry, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(wake, ms);
      timer.unref();
      function wake(): void {
        clearTimeout(timer);
        entry.onReleased = undefined;
        resolve();
      }
      entry.onReleased = wake;
    });
  }

  #forward(client: PrometheusClient): () => void {
    const offs = FORWARDED.map(<K extends (typeof FORWARDED)[number]>(name: K) =>
      client.on(name, (event: PromfleetEvents[K]) => this.#events.emit(name, event)),
    );
    return () => {
      for (const off of offs) off();
    };
  }
}
