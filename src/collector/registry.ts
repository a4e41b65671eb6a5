import { inspect } from "node:util";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { Cluster, type ClusterConfig, toCluster } from "./cluster.ts";

/** A value or a promise of it: registries may answer synchronously or not. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where a {@link MetricsCollector} finds its clusters. Implement it over whatever holds them (a
 * config file, a database, a credentials store); answers may be raw {@link ClusterConfig} data
 * (checked by the collector) or {@link Cluster}s. The collector asks `list()` for a label
 * selector (it needs the labels), `get(id)` for a list of ids, and for all clusters `ids()` when
 * the registry has it (else `list()`).
 */
export interface ClusterRegistry {
  /** The cluster with this id, or undefined when there is none. */
  get(id: string): MaybePromise<ClusterConfig | Cluster | undefined>;
  /** Every cluster. */
  list(): MaybePromise<ReadonlyArray<ClusterConfig | Cluster>>;
  /**
   * Optional: the ids of every cluster, cheaper than `list()`. With it, a fan-out over all
   * clusters looks each one up with `get(id)` inside that cluster's own slot and deadline, so a
   * slow or failing lookup is that cluster's `timeout` or `error`, not the whole call's.
   */
  ids?(): MaybePromise<readonly string[]>;
}

/**
 * A fixed set of clusters, checked when built: a missing url, a duplicate id or an unknown auth
 * type throws an InvalidArgumentError naming the cluster and the field (never a secret).
 *
 * @example
 * ```ts
 * const registry = new StaticClusterRegistry([
 *   { id: "east", url: "https://prom.east.example", labels: { env: "prod" },
 *     auth: { type: "bearer", tokenFile: "/secrets/east/token" } },
 *   { id: "lab", url: "http://10.0.0.7:9090", labels: { env: "dev" } },
 * ]);
 * ```
 */
export class StaticClusterRegistry implements ClusterRegistry {
  readonly #clusters: ReadonlyMap<string, Cluster>;

  /** Checks every cluster now. */
  constructor(clusters: ReadonlyArray<ClusterConfig | Cluster>) {
    if (!Array.isArray(clusters)) {
      throw new InvalidArgumentError("clusters", "StaticClusterRegistry needs an array of clusters");
    }
    const map = new Map<string, Cluster>();
    clusters.forEach((raw, position) => {
      const cluster = toCluster(raw, position);
      if (map.has(cluster.id)) {
        throw new InvalidArgumentError("id", `cluster "${cluster.id}": id is used by more than one cluster`, {
          cluster: cluster.id,
        });
      }
      map.set(cluster.id, cluster);
    });
    this.#clusters = map;
  }

  /** The cluster with this id, or undefined. */
  get(id: string): Cluster | undefined {
    return this.#clusters.get(id);
  }

  /** Every cluster, in the order given. */
  list(): readonly Cluster[] {
    return [...this.#clusters.values()];
  }

  /** Number of clusters. */
  get size(): number {
    return this.#clusters.size;
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    return { clusters: this.list().map((c) => c.toJSON()) };
  }

  /** `util.inspect` shows the same secret-free description. */
  [inspect.custom](): string {
    return `StaticClusterRegistry ${inspect(this.toJSON(), { depth: 4 })}`;
  }
}

/** Options of {@link LookupClusterRegistry}. */
export interface LookupClusterRegistryOptions {
  /**
   * Looks one cluster up (a credentials store, a secret reader). Undefined means no such cluster.
   * The answer's `id` may be left out; when given it must equal the id asked for.
   */
  lookup(id: string): MaybePromise<
    | (Omit<ClusterConfig, "id"> & {
        /** The cluster's id: may be left out; when given, the id that was asked for. */
        id?: string;
      })
    | Cluster
    | undefined
  >;
  /** The ids of every cluster. */
  list(): MaybePromise<readonly string[]>;
  /**
   * How long an answer is reused, in ms (default 5,000): long enough that one fan-out looks each
   * cluster up once, short enough that a rotated secret is picked up soon. 0 turns reuse off,
   * except that concurrent lookups of one id still share one call.
   */
  memoMs?: number;
}

interface Memo<T> {
  promise: Promise<T>;
  /** performance.now() after which the answer is stale; Infinity while in flight. */
  expiresAt: number;
  /** performance.now() when the lookup started. */
  startedAt: number;
}

/**
 * The least time a lookup in flight is shared with later calls (else `memoMs`, when longer): so
 * concurrent fan-outs share one lookup even with `memoMs: 0`, and a hung one is started afresh
 * by the next fan-out after that, instead of failing every later call for ever.
 */
const MIN_IN_FLIGHT_SHARED_MS = 1_000;

/**
 * A registry over an async lookup function, with a short memo: concurrent and recent lookups of a
 * cluster share one call, and failures are not remembered. The memo uses timestamps, not timers,
 * so it never keeps a process alive.
 *
 * @example
 * ```ts
 * const registry = new LookupClusterRegistry({
 *   list: () => vault.listClusters(),                  // ids
 *   lookup: async (id) => ({ url: await vault.url(id), auth: { type: "bearer", token: await vault.token(id) } }),
 * });
 * ```
 */
export class LookupClusterRegistry implements ClusterRegistry {
  readonly #options: LookupClusterRegistryOptions;
  readonly #memoMs: number;
  readonly #byId = new Map<string, Memo<Cluster | undefined>>();
  #sweptAt = 0;
  #ids: Memo<readonly string[]> | undefined;

  /** Checks the options; nothing is looked up yet. */
  constructor(options: LookupClusterRegistryOptions) {
    if (typeof options?.lookup !== "function" || typeof options.list !== "function") {
      throw new InvalidArgumentError(
        "options",
        "LookupClusterRegistry needs { lookup(id), list() } functions",
      );
    }
    const memoMs = options.memoMs ?? 5_000;
    if (typeof memoMs !== "number" || !(memoMs >= 0)) {
      throw new InvalidArgumentError("memoMs", "memoMs must be a number of milliseconds ≥ 0");
    }
    this.#options = options;
    this.#memoMs = memoMs;
  }

  /** The cluster with this id (checked), or undefined. */
  get(id: string): Promise<Cluster | undefined> {
    this.#sweep();
    return this.#memo(
      this.#byId.get(id),
      (memo) => this.#byId.set(id, memo),
      () => this.#lookup(id),
    );
  }

  /** The ids of every cluster, from the `list` function, through the memo. */
  ids(): Promise<readonly string[]> {
    return this.#memo(
      this.#ids,
      (memo) => {
        this.#ids = memo;
      },
      async () => {
        const ids = await this.#options.list();
        if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string" && id.length > 0)) {
          throw new InvalidArgumentError(
            "list",
            "LookupClusterRegistry: list() must answer an array of cluster ids",
          );
        }
        return [...ids];
      },
    );
  }

  /**
   * Forgets stale answers, at most once per memo period: ids come and go (clusters created and
   * deleted, ids from user input), and a memo kept per id ever asked for would only grow.
   */
  #sweep(): void {
    const now = performance.now();
    if (now - this.#sweptAt < this.#memoMs) return;
    this.#sweptAt = now;
    for (const [id, memo] of this.#byId) if (memo.expiresAt <= now) this.#byId.delete(id);
  }

  /** Every cluster (checked), each looked up through the same memo as {@link get}; ids it has no cluster for are left out. */
  async list(): Promise<readonly Cluster[]> {
    const clusters = await Promise.all((await this.ids()).map((id) => this.get(id)));
    return clusters.filter((c) => c !== undefined);
  }

  /**
   * Reuses a fresh answer, or one in flight for less than `memoMs` (at least
   * {@link MIN_IN_FLIGHT_SHARED_MS}); else starts `load` and remembers it until it is stale. A
   * lookup that hangs (a secret store's request with no timeout) is thus tried again by later
   * calls instead of failing them all for ever.
   */
  #memo<T>(current: Memo<T> | undefined, store: (memo: Memo<T>) => void, load: () => Promise<T>): Promise<T> {
    const now = performance.now();
    const sharedMs = Math.max(this.#memoMs, MIN_IN_FLIGHT_SHARED_MS);
    const pending = current?.expiresAt === Number.POSITIVE_INFINITY;
    if (current && current.expiresAt > now && !(pending && now - current.startedAt > sharedMs)) {
      return current.promise;
    }
    const memo: Memo<T> = {
      promise: Promise.resolve().then(load),
      expiresAt: Number.POSITIVE_INFINITY,
      startedAt: now,
    };
    store(memo);
    memo.promise.then(
      () => {
        memo.expiresAt = performance.now() + this.#memoMs;
      },
      () => {
        // A failure is not remembered: the next call asks again.
        memo.expiresAt = 0;
      },
    );
    return memo.promise;
  }

  async #lookup(id: string): Promise<Cluster | undefined> {
    const found = await this.#options.lookup(id);
    if (found === undefined) return undefined;
    if (found.id !== undefined && found.id !== id) {
      throw new InvalidArgumentError("id", `cluster "${id}": the lookup answered a different id`, {
        cluster: id,
      });
    }
    return found instanceof Cluster ? found : toCluster({ ...found, id });
  }

  /** A description; the lookup functions are opaque. */
  toJSON(): Record<string, unknown> {
    return { type: "lookup", memoMs: this.#memoMs, memoised: this.#byId.size };
  }

  /** `util.inspect` shows the same description. */
  [inspect.custom](): string {
    return `LookupClusterRegistry ${inspect(this.toJSON())}`;
  }
}
