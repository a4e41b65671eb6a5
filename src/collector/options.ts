import type Keyv from "keyv";
import * as v from "valibot";
import { MAX_TIMEOUT_MS } from "../client/callOptions.ts";
import {
  MAX_CACHE_TTL_MS,
  normalizeClientOptions,
  type PrometheusClientOptions,
  throwFirstIssue,
} from "../client/options.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type Logger, safeLogger } from "../observe/logger.ts";
import type { BreakerOptions } from "./breaker.ts";
import type { Cluster, ClusterConfig } from "./cluster.ts";
import { type ClusterRegistry, StaticClusterRegistry } from "./registry.ts";

/** Client settings every cluster's client gets, unless the cluster sets its own. */
export type SharedClientOptions = Omit<
  PrometheusClientOptions,
  "url" | "auth" | "tls" | "headers" | "cluster" | "logger" | "timeout"
>;

/** Options of {@link MetricsCollector}. Only `registry` is required. */
export interface MetricsCollectorOptions {
  /** Where clusters come from; an array is wrapped in a {@link StaticClusterRegistry}. */
  registry: ClusterRegistry | ReadonlyArray<ClusterConfig | Cluster>;
  /**
   * A result cache shared by every cluster's client: any Keyv (yours: the collector never closes
   * it), or a Redis URL, for which the collector builds one with `createRedisCache` and closes
   * it in `close()`. None by default.
   */
  cache?: Keyv | string | undefined;
  /** Time-to-live of cached results, in ms (the client's default when omitted). */
  cacheTtl?: number | undefined;
  /** Keys identity fingerprints in cache keys with HMAC-SHA256 (recommended with a shared Redis). */
  cacheKeySecret?: string | undefined;
  /** Most clusters queried at once by one call (default 16). */
  concurrency?: number | undefined;
  /**
   * Most cluster calls in flight at once across all of this collector's calls together (none by
   * default). `concurrency` bounds each call alone, so overlapping calls add up: ten dashboards
   * asking forty clusters at once send 160 requests. With `maxInFlight` they queue, first come
   * first served; a cluster's `timeout` starts once it gets a slot, and a cluster still waiting
   * when the call's `deadline` passes is `skipped`.
   */
  maxInFlight?: number | undefined;
  /** Per-cluster deadline in ms, counted from that cluster's start (default 10,000). */
  timeout?: number | undefined;
  /** Overall deadline of a fan-out in ms: clusters not started by then are `skipped`. None by default. */
  deadline?: number | undefined;
  /** Name of the label `merged()` adds (default `cluster`). */
  clusterLabel?: string | undefined;
  /** Check PromQL syntax locally before any request (default true); false for MetricsQL and other dialects. */
  checkSyntax?: boolean | undefined;
  /** Per-cluster circuit breaker settings (default 5 failures, 30 s cool-down); false turns it off. */
  breaker?: BreakerOptions | false | undefined;
  /** A pino-compatible logger, also given to every client; silent by default. */
  logger?: Logger | undefined;
  /** Client settings for every cluster (retry, size caps, ...); a cluster's own `clientOptions` win. */
  clientOptions?: SharedClientOptions | undefined;
}

/** Options with defaults applied. */
export interface NormalizedCollectorOptions {
  registry: ClusterRegistry;
  cache: Keyv | string | undefined;
  cacheTtl: number | undefined;
  cacheKeySecret: string | undefined;
  concurrency: number;
  maxInFlight: number | undefined;
  timeoutMs: number;
  deadlineMs: number | undefined;
  clusterLabel: string;
  checkSyntax: boolean;
  breaker: Required<BreakerOptions> | false;
  logger: Logger;
  clientOptions: SharedClientOptions;
}

// At most what a timer can hold: setTimeout fires at once past 2^31 - 1 ms.
const positiveMs = v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(MAX_TIMEOUT_MS));

const OptionsSchema = v.strictObject({
  registry: v.unknown(),
  cache: v.optional(
    v.union([
      v.pipe(v.string(), v.minLength(1)),
      v.custom<Keyv>(
        (x) => typeof x === "object" && x !== null && typeof (x as Keyv).get === "function",
        "a Keyv instance or a Redis URL",
      ),
    ]),
  ),
  // The clients' own bound, checked here so a bad value fails now, not every cluster of every call.
  cacheTtl: v.optional(v.pipe(positiveMs, v.maxValue(MAX_CACHE_TTL_MS))),
  cacheKeySecret: v.optional(v.pipe(v.string(), v.minLength(1))),
  concurrency: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  maxInFlight: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  timeout: v.optional(positiveMs),
  deadline: v.optional(positiveMs),
  clusterLabel: v.optional(v.pipe(v.string(), v.regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/))),
  checkSyntax: v.optional(v.boolean()),
  breaker: v.optional(
    v.union([
      v.literal(false),
      v.strictObject({
        failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
        coolDownMs: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
      }),
    ]),
  ),
  logger: v.optional(v.unknown()),
  clientOptions: v.optional(v.looseObject({})),
});

function isRegistry(value: unknown): value is ClusterRegistry {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.get === "function" && typeof r.list === "function";
}

/** Validates the collector's options (values never echoed) and fills in defaults. */
export function normalizeCollectorOptions(options: MetricsCollectorOptions): NormalizedCollectorOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "MetricsCollector needs an options object with { registry }");
  }
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) throwFirstIssue(parsed.issues);
  const o = parsed.output;
  let registry: ClusterRegistry;
  if (Array.isArray(o.registry)) registry = new StaticClusterRegistry(o.registry);
  else if (isRegistry(o.registry)) registry = o.registry;
  else {
    throw new InvalidArgumentError(
      "registry",
      "registry must be a ClusterRegistry ({ get(id), list() }) or an array of clusters",
    );
  }
  const clientOptions = { ...(o.clientOptions ?? {}) } as SharedClientOptions & Record<string, unknown>;
  for (const name of ["url", "auth", "tls", "headers", "cluster", "logger", "timeout"]) {
    if (name in clientOptions) {
      throw new InvalidArgumentError(
        `clientOptions.${name}`,
        `clientOptions.${name} is set per cluster (or, for timeout, as the collector's own option)`,
      );
    }
  }
  // Checked now with the client's own rules, so a bad shared option fails here, not per cluster.
  try {
    normalizeClientOptions({ ...clientOptions, url: "http://options.check.invalid" });
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(`clientOptions.${error.argument}`, `clientOptions.${error.message}`);
    }
    throw error;
  }
  return {
    registry,
    cache: o.cache,
    cacheTtl: o.cacheTtl,
    cacheKeySecret: o.cacheKeySecret,
    concurrency: o.concurrency ?? 16,
    maxInFlight: o.maxInFlight,
    timeoutMs: o.timeout ?? 10_000,
    deadlineMs: o.deadline,
    clusterLabel: o.clusterLabel ?? "cluster",
    checkSyntax: o.checkSyntax ?? true,
    breaker:
      o.breaker === false
        ? false
        : { failures: o.breaker?.failures ?? 5, coolDownMs: o.breaker?.coolDownMs ?? 30_000 },
    logger: safeLogger(o.logger as Logger | undefined),
    clientOptions,
  };
}
