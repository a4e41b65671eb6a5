import type { PrometheusClient } from "../client/PrometheusClient.ts";
import {
  prepareQuery,
  prepareQueryRange,
  type QueryOptions,
  type QueryRangeOptions,
} from "../client/query.ts";
import type { AlertsOptions } from "../client/rules.ts";
import type { LabelsOptions, SeriesOptions } from "../client/series.ts";
import { planSplitRange } from "../client/split/plan.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { Cluster } from "./cluster.ts";
import type { ClusterSelection } from "./selection.ts";
import { checkPromqlSyntax } from "./syntax.ts";

/** What every fan-out takes: which clusters, the caller's signal, and deadlines. */
export interface FleetOptions {
  /** All clusters (omitted), a list of ids, a label selector such as `{ env: "prod" }`, or a predicate. */
  clusters?: ClusterSelection | undefined;
  /** Aborts the fan-out: it then rejects with an AbortError. */
  signal?: AbortSignal | undefined;
  /** Per-cluster deadline in ms for this call, counted from each cluster's start. */
  timeout?: number | undefined;
  /** Overall deadline in ms for this call: clusters not started by then are `skipped`. */
  deadline?: number | undefined;
}

/**
 * Options of `MetricsCollector.query`: the client's query options (per-call `cache` included) and
 * the fan-out's; `signal` and `timeout` are the fan-out's (the collector sets each cluster's).
 */
export type FleetQueryOptions = Omit<QueryOptions, "signal" | "timeout"> & FleetOptions;
/** Options of `MetricsCollector.queryRange`. */
export type FleetQueryRangeOptions = Omit<QueryRangeOptions, "signal" | "timeout"> & FleetOptions;
/** Options of `MetricsCollector.series`. */
export type FleetSeriesOptions = Omit<SeriesOptions, "signal" | "timeout"> & FleetOptions;
/** Options of `MetricsCollector.labelNames` and `labelValues`. */
export type FleetLabelsOptions = Omit<LabelsOptions, "signal" | "timeout"> & FleetOptions;
/** Options of `MetricsCollector.alerts`. */
export type FleetAlertsOptions = Omit<AlertsOptions, "signal" | "timeout"> & FleetOptions;

/** What {@link ClusterCall} gets for one cluster: spread it into each client call it makes. */
export interface ClusterCallOptions {
  /**
   * Aborts when the fan-out is aborted, and also 250 ms after this cluster's deadline: a call
   * given only this signal still ends, as this cluster's timeout.
   */
  signal: AbortSignal;
  /** Milliseconds left of this cluster's deadline. */
  timeout: number;
}

/**
 * A caller's own call on one cluster, for `MetricsCollector.each`: any client methods, awaited in
 * any order. Pass `options` to each so they end by the cluster's deadline (the fan-out stops
 * waiting then either way).
 */
export type ClusterCall<T> = (
  client: PrometheusClient,
  options: ClusterCallOptions,
  cluster: Cluster,
) => Promise<T>;

const FLEET_KEYS = ["clusters", "signal", "timeout", "deadline"] as const;

/** Splits a fan-out's options into its own (`fleet`) and those passed to each client call (`call`). */
export function splitOptions<T extends FleetOptions>(
  options: T | undefined,
): { fleet: FleetOptions; call: Omit<T, keyof FleetOptions> } {
  if (options === undefined) return { fleet: {}, call: {} as Omit<T, keyof FleetOptions> };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError("options", "options must be an object");
  }
  const call: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of FLEET_KEYS) delete call[key];
  const { clusters, signal, timeout, deadline } = options;
  return { fleet: { clusters, signal, timeout, deadline }, call: call as Omit<T, keyof FleetOptions> };
}

/** Checks a query once for the whole fleet: non-empty, and (unless turned off) valid PromQL syntax. */
export function precheckQuery(promql: unknown, checkSyntax: boolean): string {
  if (checkSyntax) return checkPromqlSyntax(promql, "query");
  // prepareQuery's own check: a non-empty string.
  prepareQuery(promql as string, undefined);
  return promql as string;
}

/**
 * Checks a range query's options once (start ≤ end, step > 0, times, `split`); the points limit
 * stays per cluster. `cached`: the clients have the collector's cache, which floors ranges.
 */
export function precheckRange(query: string, options: FleetQueryRangeOptions, cached = false): void {
  const { call } = splitOptions(options);
  prepareQueryRange(query, call as QueryRangeOptions, Number.MAX_SAFE_INTEGER);
  // The pieces' size against each server's limit is checked per cluster; the rest once.
  // Planned as given and, with a cache, as the cache floors it: either may have several pieces.
  if (call.split !== undefined) {
    const aligns = cached && call.cache !== false ? [false, true] : [false];
    for (const align of aligns)
      planSplitRange(query, call as QueryRangeOptions, Number.MAX_SAFE_INTEGER, align);
  }
}

/** Checks an instant query's other options (time, limit, ...) once for the whole fleet. */
export function precheckQueryOptions(query: string, options: FleetQueryOptions | undefined): void {
  const { call } = splitOptions(options);
  prepareQuery(query, call as QueryOptions);
}

/** Syntax-checks series selectors (`match[]`) once, when syntax checks are on. */
export function precheckSelectors(value: unknown, argument: string, checkSyntax: boolean): void {
  if (value === undefined || !checkSyntax) return;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) return; // the client's own check names the problem.
  for (const selector of list) if (typeof selector === "string") checkPromqlSyntax(selector, argument);
}
