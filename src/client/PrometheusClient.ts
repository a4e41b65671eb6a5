import { inspect } from "node:util";
import { fingerprint } from "../auth/fingerprint.ts";
import type { ResultCache } from "../cache/ResultCache.ts";
import type { ApiResponse } from "../decode/response.ts";
import type { MatrixData, QueryData } from "../decode/types.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { Events, type Listener, type PromfleetEvents } from "../observe/events.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import { CLOSE_GRACE_MS, DispatcherPool } from "../transport/dispatcher.ts";
import { type RequestSpec, Transport } from "../transport/Transport.ts";
import { TlsMaterial } from "../transport/tls.ts";
import { endpointUrl, redactUrl } from "../transport/url.ts";
import { type CallOptions, callCache, callSignal, callTimeout, MAX_TIMEOUT_MS } from "./callOptions.ts";
import { createClientCache } from "./clientCache.ts";
import * as api from "./endpoints.ts";
import {
  type NormalizedClientOptions,
  normalizeClientOptions,
  type PrometheusClientOptions,
} from "./options.ts";
import { prepareQuery, prepareQueryRange, type QueryOptions, type QueryRangeOptions } from "./query.ts";
import { ReadEndpoints } from "./ReadEndpoints.ts";
import { queryRangeInPieces } from "./split/run.ts";

/**
 * A client for one Prometheus-compatible endpoint (Prometheus, Thanos Querier, OpenShift's
 * monitoring proxies, Mimir, VictoriaMetrics).
 *
 * Every call has one deadline (the `timeout` option, 30 s by default) covering connect,
 * retries and reading the body; the time left is also sent as Prometheus' own `timeout`.
 * Queries go by form POST, as the official Go client does, and fall back to GET where a proxy
 * refuses POST. Failures are {@link PrometheusError} subclasses.
 *
 * @example
 * ```ts
 * const client = new PrometheusClient({ url: "http://127.0.0.1:9090" });
 * const { data } = await client.query("up");
 * for (const s of data.resultType === "vector" ? data.result : []) console.log(s.metric, s.value);
 * await client.close();
 * ```
 */
export class PrometheusClient extends ReadEndpoints {
  readonly #options: NormalizedClientOptions;
  readonly #events = new Events();
  readonly #transport: Transport;
  /** The result cache and single flight, when a `cache` is configured. */
  readonly #cache: ResultCache | undefined;
  /** Connection pools, rebuilt when TLS files change (they hold the client key: private). */
  readonly #pools: DispatcherPool;
  #closed = false;
  /** The close under way, shared by later `close()` calls. */
  #closing: Promise<void> | undefined;
  /** Ends the close's grace: when it is over, or sooner for a later, shorter close(). */
  #endGrace: (() => void) | undefined;
  /** The client certificate in force (public, but part of the identity under mTLS; follows reloads). */
  get #clientCertificate(): string | undefined {
    return this.#pools.clientCertificate();
  }

  /** Creates a client; options are checked now and a bad one throws an InvalidArgumentError naming it. */
  constructor(options: PrometheusClientOptions) {
    super();
    this.#options = normalizeClientOptions(options);
    const tls = new TlsMaterial(this.#options.tls);
    this.#pools = new DispatcherPool(tls, { logger: this.#options.logger, endpoint: this.url });
    if (this.#options.tls?.insecureSkipVerify) {
      this.#options.logger.warn(
        { url: redactUrl(this.#options.url) },
        "tls.insecureSkipVerify is set: the server's certificate is not verified",
      );
    }
    this.#transport = new Transport({
      baseUrl: this.#options.url,
      staticHeaders: this.#options.headers,
      userAgent: this.#options.userAgent,
      auth: this.#options.auth,
      dispatcher: () => this.#pools.main(),
      anonymousDispatcher: () => this.#pools.anonymous(),
      maxResponseBytes: this.#options.maxResponseBytes,
      maxRedirects: this.#options.maxRedirects,
      followCrossOriginRedirects: this.#options.followCrossOriginRedirects,
      retry: this.#options.retry,
      logger: this.#options.logger,
      events: this.#events,
      cluster: this.#options.cluster,
    });
    this.#cache = createClientCache(this.#options, {
      url: this.url,
      events: this.#events,
      transport: this.#transport,
      identity: (secret) => this.fingerprint(secret),
    });
  }

  /** The base URL, without credentials. */
  get url(): string {
    return redactUrl(this.#options.url);
  }

  /** The cluster id given in the options, if any. */
  get cluster(): string | undefined {
    return this.#options.cluster;
  }

  /** Subscribes to a typed event (`request`, `response`, `retry`, `error`, `cache`); returns an unsubscribe function. */
  on<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): () => void {
    return this.#events.on(name, listener);
  }

  /** Removes a listener added with {@link PrometheusClient.on}. */
  off<K extends keyof PromfleetEvents>(name: K, listener: Listener<K>): void {
    this.#events.off(name, listener);
  }

  /**
   * Evaluates an instant query (`/api/v1/query`).
   *
   * @example
   * ```ts
   * const r = await client.query('sum by (namespace) (kube_pod_info)', { time: new Date() });
   * ```
   */
  query(promql: string, options?: QueryOptions): Promise<ApiResponse<QueryData>> {
    return this.run(() => prepareQuery(promql, options), options);
  }

  /**
   * Evaluates a range query (`/api/v1/query_range`). The result is a matrix whose series hold
   * their samples in `Float64Array` columns. With `split`, the range is asked in pieces under
   * the call's one deadline and joined: longer ranges than the server's points limit, and pieces
   * already past served from the cache.
   *
   * @example
   * ```ts
   * const end = new Date(); const start = new Date(end.getTime() - 3600_000);
   * const r = await client.queryRange("rate(http_requests_total[5m])", { start, end, step: "1m" });
   * // 30 days at 1m (43,201 points) in day-long pieces:
   * const month = await client.queryRange("up", { start: monthAgo, end, step: "1m", split: "1d" });
   * ```
   */
  queryRange(promql: string, options: QueryRangeOptions): Promise<ApiResponse<MatrixData>> {
    if (options?.split !== undefined) return this.#queryRangeInPieces(promql, options);
    return this.run(() => prepareQueryRange(promql, options, this.#options.maxPointsPerSeries), options);
  }

  /** `queryRange` with `split`: in flight as a whole, so close() gives every piece its grace. */
  async #queryRangeInPieces(promql: string, options: QueryRangeOptions): Promise<ApiResponse<MatrixData>> {
    this.#assertOpen();
    const maxPoints = this.#options.maxPointsPerSeries;
    const endpoint = redactUrl(endpointUrl(this.#options.url, "api/v1/query_range"));
    const inPieces = queryRangeInPieces(promql, options, {
      ask: (query, o, piece) =>
        this.#send(() => prepareQueryRange(query, o, maxPoints, piece), o, piece.quiet),
      failed: (error) => this.#transport.reportFailure(endpoint, error as Error),
      check: (query, o) => {
        prepareQueryRange(query, o, maxPoints);
        callCache(o);
      },
      maxPoints,
      timeoutMs: this.#options.timeoutMs,
      endpoint,
      cluster: this.#options.cluster,
      aligns: (o) => this.#cache?.aligns(callCache(o)) ?? false,
    });
    return this.#transport.inFlight.track(inPieces);
  }

  /**
   * Runs a prepared request: checks arguments (synchronously thrown errors become rejections),
   * then hands it to the transport under the call's deadline — through the result cache and
   * single flight when a `cache` is configured (cacheable endpoints only; see ResultCache).
   */
  protected override async run<T>(
    prepare: () => { spec: RequestSpec; decode: BodyDecoder<T> },
    options: CallOptions | undefined,
  ): Promise<ApiResponse<T>> {
    this.#assertOpen();
    return this.#send(prepare, options);
  }

  /** {@link PrometheusClient.run} once the client is known to be open (a split call's pieces). */
  async #send<T>(
    prepare: () => { spec: RequestSpec; decode: BodyDecoder<T> },
    options: CallOptions | undefined,
    quiet?: boolean,
  ): Promise<ApiResponse<T>> {
    const { spec, decode } = prepare();
    const timeoutMs = callTimeout(options, this.#options.timeoutMs);
    const signal = callSignal(options);
    const cache = callCache(options);
    // Counted in flight from here, cache reads included, so close() gives the whole call its grace.
    if (this.#cache) {
      return this.#transport.inFlight.track(
        this.#cache.run(spec, decode, { signal, timeoutMs, cache, quiet }),
      );
    }
    return this.#transport.call(spec, { signal, timeoutMs, bestEffort: quiet }, decode);
  }

  /**
   * Invalidates cached results of this client's cluster (every endpoint, every identity), or with
   * `{ query }` those of one PromQL text (query and queryRange), by bumping a generation token:
   * no SCAN, no `clear()`. This process stops serving the old entries at once; other replicas
   * sharing the cache within a second (they memoise tokens that long). Without a cache it does
   * nothing. Rejects with an UnavailableError when the cache did not take the write, and like
   * every call once the client is closed.
   *
   * @example
   * ```ts
   * await client.invalidate();                       // the whole cluster
   * await client.invalidate({ query: "up" });        // one query
   * ```
   */
  async invalidate(options?: { query?: string | undefined }): Promise<void> {
    this.#assertOpen();
    const query = options?.query;
    if (query !== undefined && (typeof query !== "string" || query.length === 0)) {
      throw new InvalidArgumentError("query", "query must be a non-empty PromQL string");
    }
    await this.#cache?.invalidate(query);
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new PrometheusError(`the client for ${this.url} is closed`, {
        endpoint: this.url,
        cluster: this.#options.cluster,
      });
    }
  }

  /**
   * Whether the server is healthy and ready: `/-/healthy` and `/-/ready`, or a `vector(1)` query
   * where a proxy hides them (`via: "query"`), plus its version when buildinfo answers in time.
   * Never throws for an unhealthy server (see `error`); only for bad arguments or an abort.
   *
   * @example
   * ```ts
   * const { healthy, ready, latencyMs, version, via } = await client.health({ timeout: 5_000 });
   * // OpenShift's tenancy port: the fallback query needs a namespace the token may read.
   * await tenant.health({ namespace: "team-a" });
   * ```
   */
  async health(options?: api.HealthOptions): Promise<api.HealthStatus> {
    this.#assertOpen();
    const timeoutMs = callTimeout(options, this.#options.timeoutMs);
    // Straight to the transport, not #run: a health check must reach the server, never a cache.
    const t = this.#transport;
    const call: api.HealthIo["call"] = (r, o) => t.call(r.spec, o, r.decode);
    const io = { probe: t.probe.bind(t), call, url: this.url, cluster: this.cluster };
    // Counted in flight as a whole: between its probes and its fallback query no request runs.
    return this.#transport.inFlight.track(
      api.checkHealth(io, { signal: callSignal(options), timeoutMs, namespace: options?.namespace }),
    );
  }

  /**
   * A fingerprint of who this client acts as: its auth identity and client certificate, hashed
   * (HMAC-SHA256 with `secret`, salted SHA-256 without). Equal for equal identities, different
   * otherwise; never reveals a secret. Used for cache keys and by the fleet to reuse clients.
   */
  async fingerprint(secret?: string): Promise<string> {
    const identity = await this.#options.auth.identity();
    return fingerprint(
      `${this.#options.auth.type}\u0000${identity}\u0000${this.#clientCertificate ?? ""}`,
      secret,
    );
  }

  /**
   * Closes the client's connections. Calls made afterwards fail; calls in flight get a grace
   * (`graceMs`, 1 s by default) to finish, then fail with an UnavailableError, so close() never
   * waits for a hung server's whole deadline. Safe to call twice: a later call returns the same
   * promise, and a shorter `graceMs` given then ends the grace sooner.
   */
  async close(options?: { graceMs?: number | undefined }): Promise<void> {
    const graceMs = options?.graceMs ?? CLOSE_GRACE_MS;
    if (typeof graceMs !== "number" || !(graceMs >= 0) || graceMs > MAX_TIMEOUT_MS) {
      throw new InvalidArgumentError("graceMs", "graceMs must be a number of milliseconds, 0 or more");
    }
    const inFlight = this.#transport.inFlight;
    // The grace ends once nothing is in flight or `graceMs` has passed, for whichever close() gets
    // there first: a later, shorter one (the collector's, of a replaced client that was letting
    // its calls run to their deadline) ends it sooner.
    void inFlight.whenIdle(graceMs).then(() => this.#endGrace?.());
    if (this.#closing) return this.#closing;
    this.#closed = true;
    const graceOver = new Promise<void>((resolve) => {
      this.#endGrace = resolve;
    });
    this.#closing = (async () => {
      await graceOver;
      // Calls still running end now, also one waiting before a retry (it has no socket to cut);
      // work the cut cannot reach (a write to a hung cache) is not waited for.
      inFlight.cut();
      await this.#pools.close();
    })();
    return this.#closing;
  }

  /** `await using client = new PrometheusClient(...)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    return {
      url: this.url,
      cluster: this.#options.cluster,
      auth: this.#options.auth.describe(),
      timeoutMs: this.#options.timeoutMs,
    };
  }

  /** `util.inspect` shows the same secret-free description. */
  [inspect.custom](): string {
    return `PrometheusClient ${inspect(this.toJSON())}`;
  }
}
