import {
  decodeFeatures,
  decodeNotifications,
  decodeSelfMetrics,
  decodeTsdbBlocks,
  type FeaturesData,
  type MetricFamily,
  type ServerNotification,
  type TsdbBlocksData,
} from "../decode/api/server.ts";
import {
  type BuildInfo,
  type ConfigData,
  decodeBuildInfo,
  decodeConfig,
  decodeFlags,
  decodeRuntimeInfo,
  decodeTsdbStatus,
  decodeWalReplay,
  type FlagsData,
  type RuntimeInfo,
  type TsdbStatus,
  type WalReplayStatus,
} from "../decode/api/status.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { BodyDecoder } from "../transport/decoder.ts";
import { checkName, checkOptions, type EndpointOptions, prepare } from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `tsdbStatus()`. */
export interface TsdbStatusOptions extends EndpointOptions {
  /** Items per list: 1 to 10,000 (10 by default on the server; Prometheus 2.50+, older ones ignore it). */
  limit?: number | undefined;
}

/** Options of `selfMetrics()`. */
export interface SelfMetricsOptions extends EndpointOptions {
  /**
   * Only the families whose name fully matches this regular expression (Go RE2 syntax, anchored
   * by the server), e.g. `"prometheus_tsdb_.*"` (`metric_name_pattern`).
   */
  metricNamePattern?: string | undefined;
}

/** The largest `limit` `/api/v1/status/tsdb` accepts. */
const MAX_TSDB_LIMIT = 10_000;

function prepareStatus<T>(
  name: string,
  decode: BodyDecoder<T>,
  options: EndpointOptions | undefined,
): PreparedRequest<T> {
  return prepare("get", `api/v1/status/${name}`, [], checkOptions(options), decode);
}

/** Builds `/api/v1/status/buildinfo`. */
export function prepareBuildInfo(options: EndpointOptions | undefined): PreparedRequest<BuildInfo> {
  return prepareStatus("buildinfo", decodeBuildInfo, options);
}

/** Builds `/api/v1/status/runtimeinfo`. */
export function prepareRuntimeInfo(options: EndpointOptions | undefined): PreparedRequest<RuntimeInfo> {
  return prepareStatus("runtimeinfo", decodeRuntimeInfo, options);
}

/** Builds `/api/v1/status/flags`. */
export function prepareFlags(options: EndpointOptions | undefined): PreparedRequest<FlagsData> {
  return prepareStatus("flags", decodeFlags, options);
}

/** Builds `/api/v1/status/config`. */
export function prepareConfig(options: EndpointOptions | undefined): PreparedRequest<ConfigData> {
  return prepareStatus("config", decodeConfig, options);
}

/** Builds `/api/v1/status/walreplay`. */
export function prepareWalReplay(options: EndpointOptions | undefined): PreparedRequest<WalReplayStatus> {
  return prepareStatus("walreplay", decodeWalReplay, options);
}

/** Builds `/api/v1/status/tsdb`. */
export function prepareTsdbStatus(options: TsdbStatusOptions | undefined): PreparedRequest<TsdbStatus> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.limit !== undefined) {
    // Unlike the other limits, 0 does not mean "none" here: Prometheus refuses it.
    const limit = o.limit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_TSDB_LIMIT) {
      throw new InvalidArgumentError("limit", `limit must be an integer from 1 to ${MAX_TSDB_LIMIT}`);
    }
    params.push(["limit", String(limit)]);
  }
  return prepare("get", "api/v1/status/tsdb", params, o, decodeTsdbStatus);
}

/** Builds `/api/v1/status/tsdb/blocks` (experimental, Prometheus 3.6+). */
export function prepareTsdbBlocks(options: EndpointOptions | undefined): PreparedRequest<TsdbBlocksData> {
  return prepareStatus("tsdb/blocks", decodeTsdbBlocks, options);
}

/** Builds `/api/v1/status/self_metrics` (experimental, Prometheus 3.12+). */
export function prepareSelfMetrics(options: SelfMetricsOptions | undefined): PreparedRequest<MetricFamily[]> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.metricNamePattern !== undefined) {
    params.push(["metric_name_pattern", checkName(o.metricNamePattern, "metricNamePattern")]);
  }
  return prepare("get", "api/v1/status/self_metrics", params, o, decodeSelfMetrics);
}

/** Builds `/api/v1/notifications` (experimental, Prometheus 3.0+). */
export function prepareNotifications(
  options: EndpointOptions | undefined,
): PreparedRequest<ServerNotification[]> {
  return prepare("get", "api/v1/notifications", [], checkOptions(options), decodeNotifications);
}

/** Builds `/api/v1/features` (Prometheus 3.9+). */
export function prepareFeatures(options: EndpointOptions | undefined): PreparedRequest<FeaturesData> {
  return prepare("get", "api/v1/features", [], checkOptions(options), decodeFeatures);
}
