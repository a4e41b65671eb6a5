import { inspect } from "node:util";
import type Keyv from "keyv";
import type { PrometheusClientOptions } from "../client/options.ts";
import type { PrometheusClient } from "../client/PrometheusClient.ts";
import type { AlertsData } from "../decode/api/rules.ts";
import type { ApiResponse } from "../decode/response.ts";
import type { Labels, MatrixData, QueryData } from "../decode/types.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { Events, type Listener, type PromfleetEvents } from "../observe/events.ts";
import { CircuitBreakers } from "./breaker.ts";
import { CallLimit } from "./callLimit.ts";
import {
  type ClusterCall,
  type FleetAlertsOptions,
  type FleetLabelsOptions,
  type FleetOptions,
  type FleetQueryOptions,
  type FleetQueryRangeOptions,
  type FleetSeriesOptions,
  splitOptions,
} from "./calls.ts";
import { ClusterClients } from "./clients.ts";
import type { Cluster } from "./cluster.ts";
import { describeCollector } from "./describe.ts";
import { type FanoutContext, fanOut, type Operation } from "./fanout.ts";
import type { ClusterHealth, FleetHealthOptions } from "./health.ts";
import {
  alertsOperation,
  eachOperation,
  fleetHealthOperation,
  labelNamesOperation,
  labelValuesOperation,
  queryOperation,
  queryRangeOperation,
  seriesOperation,
} from "./operations.ts";
import {
  type MetricsCollectorOptions,
  type NormalizedCollectorOptions,
  normalizeCollectorOptions,
} from "./options.ts";
import { openCache } from "./ownedCache.ts";
import type { FleetResult } from "./result.ts";
import { ClusterChecker, type ClusterSelection, lookupCluster, resolveTargets } from "./selection.ts";

/**
 * Asks one question of many clusters. Clusters come from a {@link ClusterRegistry}; each gets
 * one {@link PrometheusClient}, reused across calls and replaced when its URL, credentials, TLS
 * or headers change. A call fans out through a pool (`concurrency` at once, the next cluster
 * starting as soon as a slot frees), each cluster with its own deadline from its start, the
 * whole under an optional overall deadline. Results come back per cluster — never
 * all-or-nothing — with `merged()` to join them.
 *
 * @example
 * ```ts
 * const fleet = new MetricsCollector({ registry: new StaticClusterRegistry(clusters), timeout: 10_000 });
 * const r = await fleet.query("sum by (namespace) (kube_pod_info)", { clusters: { env: "prod" } });
 * for (const c of r.failed()) console.warn(`${c.cluster}: ${c.status} ${c.error?.message}`);
 * console.log(r.merged().data);
 * await fleet.close();
 * ```
 */
export class MetricsCollector {
  readonly #options: NormalizedCollectorOptions;
  readonly #events = new Events();
  readonly #checker = new ClusterChecker();
  readonly #clients: ClusterClients;
  readonly #breakers: CircuitBreakers | undefined;
  readonly #callLimit: CallLimit | undefined;
  readonly #cache: { keyv: Keyv; owned: boolean } | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Checks the options; no cluster is contacted until the first call. */
  constructor(options: MetricsCollectorOptions) {
    this.#options = normalizeCollectorOptions(options);
    const o = this.#options;
    this.#cache = o.cache === undefined ? undefined : openCache(o.cache, o.logger);
    const shared: Partial<PrometheusClientOptions> & Record<string, unknown> = {
      ...o.clientOptions,
      logger: o.logger,
    };
    if (this.#cache) shared.cache = this.#cache.keyv;
    if (o.cacheTtl !== undefined) shared.cacheTtl = o.cacheTtl;
    if (o.cacheKeySecret !== undefined) shared.cacheKeySecret = o.cacheKeySecret;
    this.#clients = new ClusterClients(shared, this.#events, o.logger);
    this.#breakers = o.breaker ? new CircuitBreakers(o.breaker, this.#events, o.logger) : undefined;
    this.#callLimit = o.maxInFlight === undefined ? undefined : new CallLimit(o.maxInFlight);
  }

  /** Subscribes to a typed event: `cluster` (one per finished cluster), `circuit`, and every client event. */
  on<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): () => void {
    return this.#events.on(name, listener);
  }

  /** Removes a listener added with {@link MetricsCollector.on}. */
  off<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): void {
    this.#events.off(name, listener);
  }

  /**
   * An instant query on every selected cluster. The PromQL is syntax-checked once, locally,
   * first (unless `checkSyntax: false`): a syntax error rejects with one BadQueryError and
   * nothing is sent.
   */
  query(
    promql: string,
    options?: FleetQueryOptions,
  ): Promise<FleetResult<ApiResponse<QueryData>, ApiResponse<QueryData>>> {
    return this.#fanOut(options, () => queryOperation(promql, options, this.#options.checkSyntax));
  }

  /** A range query on every selected cluster; `merged()` joins the matrices. */
  queryRange(
    promql: string,
    options: FleetQueryRangeOptions,
  ): Promise<FleetResult<ApiResponse<MatrixData>, ApiResponse<MatrixData>>> {
    const { checkSyntax, cache } = this.#options;
    return this.#fanOut(options, () =>
      queryRangeOperation(promql, options, checkSyntax, cache !== undefined),
    );
  }

  /** `series()` on every selected cluster; `merged()` labels each label set with its cluster. */
  series(
    matchers: string | readonly string[],
    options?: FleetSeriesOptions,
  ): Promise<FleetResult<ApiResponse<Labels[]>, ApiResponse<Labels[]>>> {
    return this.#fanOut(options, () => seriesOperation(matchers, options, this.#options.checkSyntax));
  }

  /** `labelNames()` on every selected cluster; `merged()` is the sorted union. */
  labelNames(
    options?: FleetLabelsOptions,
  ): Promise<FleetResult<ApiResponse<string[]>, ApiResponse<string[]>>> {
    return this.#fanOut(options, () => labelNamesOperation(options, this.#options.checkSyntax));
  }

  /** `labelValues(name)` on every selected cluster; `merged()` is the sorted union. */
  labelValues(
    name: string,
    options?: FleetLabelsOptions,
  ): Promise<FleetResult<ApiResponse<string[]>, ApiResponse<string[]>>> {
    return this.#fanOut(options, () => labelValuesOperation(name, options, this.#options.checkSyntax));
  }

  /**
   * Active alerts of every selected cluster; `merged()` lists them all, each alert's labels given
   * its cluster's (`cluster="east"`), so "what is firing across the fleet" is one call.
   */
  alerts(
    options?: FleetAlertsOptions,
  ): Promise<FleetResult<ApiResponse<AlertsData>, ApiResponse<AlertsData>>> {
    return this.#fanOut(options, () => alertsOperation(options));
  }

  /**
   * Runs your own `call` on every selected cluster's client, with the fan-out's pool, deadlines,
   * circuit breakers, `maxInFlight` and events: for endpoints the collector does not fan out
   * itself (targets, rules, metadata) or several calls in turn. Pass the options `call` gets to
   * each client call so it ends by the cluster's deadline.
   *
   * @example
   * ```ts
   * const down = await fleet.each(async (client, options) =>
   *   (await client.targets({ ...options, state: "active" })).data.activeTargets.filter((t) => t.health === "down"),
   * );
   * for (const c of down.ok()) console.log(c.cluster, c.value?.length);
   * ```
   */
  each<T>(call: ClusterCall<T>, options?: FleetOptions): Promise<FleetResult<T>> {
    return this.#fanOut(options, () => eachOperation(call));
  }

  /**
   * Health of every selected cluster: `ok` when healthy and ready, else `error` (or `timeout`),
   * the cluster's answer in `value` either way. Health checks are never skipped by an open
   * circuit: they are how a recovered cluster closes it early.
   */
  health(options?: FleetHealthOptions): Promise<FleetResult<ClusterHealth>> {
    return this.#fanOut(options, () => fleetHealthOperation(options));
  }

  /** The checked clusters a selection picks (all when omitted), from the registry. */
  async clusters(selection?: ClusterSelection): Promise<Cluster[]> {
    this.#assertOpen();
    const targets = await resolveTargets(this.#options.registry, this.#checker, selection, (ids) =>
      this.#retain(ids),
    );
    const out: Cluster[] = [];
    for (const t of targets) {
      // An entry that fails its check is that cluster's error in a fan-out; here it is left out.
      if (t.error !== undefined) continue;
      const raw = t.cluster ?? (await this.#options.registry.get(t.id));
      if (raw !== undefined) out.push(this.#checker.check(raw));
    }
    return out;
  }

  /**
   * The collector's client for one cluster, for endpoints it does not fan out (metadata,
   * targets, rules). It belongs to the collector: do not close it; it may be replaced (and
   * closed) when the cluster's settings change, so ask again rather than keeping it.
   */
  async client(id: string): Promise<PrometheusClient> {
    this.#assertOpen();
    // When the registry was asked, not when it answered: a slow answer may be older than one a
    // fan-out got meanwhile, and must not switch the cluster back to it.
    const seenAt = performance.now();
    const cluster = await lookupCluster(this.#options.registry, this.#checker, id, "id");
    return this.#clients.clientFor(cluster, undefined, seenAt);
  }

  /**
   * Drops cached results of one cluster, or of every cluster of the registry (with `{ query }`,
   * only those of that PromQL text), by bumping a generation in the cache: other replicas see it
   * within a second. Without a cache it does nothing.
   */
  async invalidate(clusterId?: string, options?: { query?: string | undefined }): Promise<void> {
    this.#assertOpen();
    if (!this.#cache) return;
    const ids = clusterId === undefined ? (await this.clusters()).map((c) => c.id) : [clusterId];
    await Promise.all(ids.map(async (id) => (await this.client(id)).invalidate(options)));
  }

  /**
   * Closes every client and, when the collector built it from a URL, the cache. Calls made
   * afterwards reject. Safe to call twice.
   */
  close(): Promise<void> {
    // A second call gets the first one's promise: it resolves only once everything is closed.
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const clients = this.#clients.closeAll();
    // Calls still waiting for a slot are skipped as "the collector was closed" (clients are closed by now).
    this.#callLimit?.close();
    await clients;
    if (this.#cache?.owned) {
      await this.#cache.keyv.disconnect().catch((error: unknown) => {
        this.#options.logger.warn({ error: String(error) }, "closing the collector's cache failed");
      });
    }
  }

  /** `await using fleet = new MetricsCollector(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    return describeCollector(this.#options, {
      callLimit: this.#callLimit,
      breakers: this.#breakers,
      cache: this.#cache,
      clients: this.#clients.size,
      closed: this.#closed,
    });
  }

  /** `util.inspect` shows the same secret-free description. */
  [inspect.custom](): string {
    return `MetricsCollector ${inspect(this.toJSON(), { depth: 5 })}`;
  }

  #assertOpen(): void {
    if (this.#closed) throw new PrometheusError("the MetricsCollector is closed: make a new one");
  }

  get #context(): FanoutContext {
    const o = this.#options;
    return {
      registry: o.registry,
      checker: this.#checker,
      clients: this.#clients,
      breakers: this.#breakers,
      events: this.#events,
      logger: o.logger,
      concurrency: o.concurrency,
      callLimit: this.#callLimit,
      timeoutMs: o.timeoutMs,
      deadlineMs: o.deadlineMs,
      clusterLabel: o.clusterLabel,
    };
  }

  /** Checks arguments (before any lookup or request), resolves the selection, fans out. */
  async #fanOut<T, M>(
    options: FleetOptions | undefined,
    build: () => Operation<T, M>,
  ): Promise<FleetResult<T, M>> {
    this.#assertOpen();
    const op = build();
    const { fleet } = splitOptions(options);
    const list = () =>
      resolveTargets(this.#options.registry, this.#checker, fleet.clusters, (ids) => this.#retain(ids));
    return fanOut(this.#context, list, op, fleet);
  }

  /** Drops what the collector holds for clusters the registry no longer lists. */
  #retain(ids: ReadonlySet<string>): void {
    this.#clients.retain(ids);
    this.#breakers?.retain(ids);
  }
}
