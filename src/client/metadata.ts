import {
  decodeMetadata,
  decodeTargetsMetadata,
  type MetadataData,
  type TargetMetadata,
} from "../decode/api/metadata.ts";
import { checkName, checkOptions, type EndpointOptions, prepare, pushLimit } from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `metadata()`. */
export interface MetadataOptions extends EndpointOptions {
  /** Only this metric. */
  metric?: string | undefined;
  /** Most metrics returned. */
  limit?: number | undefined;
  /** Most metadata entries per metric (Prometheus 2.42+). */
  limitPerMetric?: number | undefined;
}

/** Options of `targetsMetadata()`. */
export interface TargetsMetadataOptions extends EndpointOptions {
  /** Label selectors the targets must match, e.g. `{job="api"}` (`match_target`); all targets when omitted. */
  matchTarget?: string | undefined;
  /** Only this metric. */
  metric?: string | undefined;
  /** Most targets matched. */
  limit?: number | undefined;
}

/** Builds `/api/v1/metadata` (GET only). */
export function prepareMetadata(options: MetadataOptions | undefined): PreparedRequest<MetadataData> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.metric !== undefined) params.push(["metric", checkName(o.metric, "metric")]);
  pushLimit(params, "limit", o.limit, "limit");
  pushLimit(params, "limit_per_metric", o.limitPerMetric, "limitPerMetric");
  return prepare("get", "api/v1/metadata", params, o, decodeMetadata);
}

/** Builds `/api/v1/targets/metadata` (GET only). */
export function prepareTargetsMetadata(
  options: TargetsMetadataOptions | undefined,
): PreparedRequest<TargetMetadata[]> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.matchTarget !== undefined) params.push(["match_target", checkName(o.matchTarget, "matchTarget")]);
  if (o.metric !== undefined) params.push(["metric", checkName(o.metric, "metric")]);
  pushLimit(params, "limit", o.limit, "limit");
  return prepare("get", "api/v1/targets/metadata", params, o, decodeTargetsMetadata);
}
