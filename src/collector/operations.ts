/**
 * What each fan-out call of {@link MetricsCollector} does on one cluster, built once per call
 * after its arguments are checked (before any lookup or request): a syntax error, a bad range or
 * a bad matcher throws here, once, instead of failing on every cluster.
 */
import { checkNamespace } from "../client/callOptions.ts";
import { prepareAlerts } from "../client/rules.ts";
import { prepareLabelNames, prepareLabelValues, prepareSeries } from "../client/series.ts";
import type { AlertsData } from "../decode/api/rules.ts";
import type { ApiResponse } from "../decode/response.ts";
import type { Labels, MatrixData, QueryData } from "../decode/types.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import {
  type ClusterCall,
  type FleetAlertsOptions,
  type FleetLabelsOptions,
  type FleetQueryOptions,
  type FleetQueryRangeOptions,
  type FleetSeriesOptions,
  precheckQuery,
  precheckQueryOptions,
  precheckRange,
  precheckSelectors,
  splitOptions,
} from "./calls.ts";
import type { Operation } from "./fanout.ts";
import { type ClusterHealth, type FleetHealthOptions, healthOperation } from "./health.ts";
import { mergeAlerts, mergeLabelSets, mergeMatrix, mergeQuery, mergeStrings } from "./merge.ts";

type Answer<T> = ApiResponse<T>;

/** `query` on each cluster; `merged()` joins the vectors (or scalars, matrices). */
export function queryOperation(
  promql: string,
  options: FleetQueryOptions | undefined,
  checkSyntax: boolean,
): Operation<Answer<QueryData>, Answer<QueryData>> {
  const query = precheckQuery(promql, checkSyntax);
  precheckQueryOptions(query, options);
  const { call } = splitOptions(options);
  return {
    name: "query",
    call: (client, deadline) => client.query(query, { ...call, ...deadline }),
    merge: mergeQuery,
  };
}

/** `queryRange` on each cluster; `merged()` joins the matrices. `cached`: the collector has a cache. */
export function queryRangeOperation(
  promql: string,
  options: FleetQueryRangeOptions,
  checkSyntax: boolean,
  cached = false,
): Operation<Answer<MatrixData>, Answer<MatrixData>> {
  const query = precheckQuery(promql, checkSyntax);
  precheckRange(query, options, cached);
  const { call } = splitOptions(options);
  return {
    name: "queryRange",
    call: (client, deadline) => client.queryRange(query, { ...call, ...deadline }),
    merge: mergeMatrix,
  };
}

/** `series` on each cluster; `merged()` labels each label set with its cluster. */
export function seriesOperation(
  matchers: string | readonly string[],
  options: FleetSeriesOptions | undefined,
  checkSyntax: boolean,
): Operation<Answer<Labels[]>, Answer<Labels[]>> {
  precheckSelectors(matchers, "matchers", checkSyntax);
  const { call } = splitOptions(options);
  prepareSeries(matchers, call);
  return {
    name: "series",
    call: (client, deadline) => client.series(matchers, { ...call, ...deadline }),
    merge: mergeLabelSets,
  };
}

/** `labelNames` on each cluster; `merged()` is the sorted union. */
export function labelNamesOperation(
  options: FleetLabelsOptions | undefined,
  checkSyntax: boolean,
): Operation<Answer<string[]>, Answer<string[]>> {
  precheckSelectors(options?.match, "match", checkSyntax);
  const { call } = splitOptions(options);
  prepareLabelNames(call);
  return {
    name: "labelNames",
    call: (client, deadline) => client.labelNames({ ...call, ...deadline }),
    merge: mergeStrings,
  };
}

/** `labelValues(name)` on each cluster; `merged()` is the sorted union. */
export function labelValuesOperation(
  name: string,
  options: FleetLabelsOptions | undefined,
  checkSyntax: boolean,
): Operation<Answer<string[]>, Answer<string[]>> {
  precheckSelectors(options?.match, "match", checkSyntax);
  const { call } = splitOptions(options);
  prepareLabelValues(name, call);
  return {
    name: "labelValues",
    call: (client, deadline) => client.labelValues(name, { ...call, ...deadline }),
    merge: mergeStrings,
  };
}

/** `health` on each cluster (open circuits included: the checks are their probes). */
export function fleetHealthOperation(
  options: FleetHealthOptions | undefined,
): Operation<ClusterHealth, never> {
  const { call } = splitOptions(options);
  checkNamespace(call.namespace);
  return healthOperation(call.namespace);
}

/** `alerts` on each cluster; `merged()` is every active alert, labelled with its cluster. */
export function alertsOperation(
  options: FleetAlertsOptions | undefined,
): Operation<Answer<AlertsData>, Answer<AlertsData>> {
  const { call } = splitOptions(options);
  prepareAlerts(call);
  return {
    name: "alerts",
    call: (client, deadline) => client.alerts({ ...call, ...deadline }),
    merge: mergeAlerts,
  };
}

/** The caller's own `call` on each cluster (`each`). */
export function eachOperation<T>(call: ClusterCall<T>): Operation<T, never> {
  if (typeof call !== "function") {
    throw new InvalidArgumentError("call", "each() takes a function (client, options, cluster) => Promise");
  }
  // Run by the fan-out through runCallerCode (deadline, signal, slot and client held until it ends).
  return { name: "each", callerCode: true, call };
}
