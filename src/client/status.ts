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
import type { BodyDecoder } from "../transport/decoder.ts";
import { checkOptions, type EndpointOptions, prepare, pushLimit } from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `tsdbStatus()`. */
export interface TsdbStatusOptions extends EndpointOptions {
  /** Items per list (10 by default on the server, at most 10,000; Prometheus 2.50+). */
  limit?: number | undefined;
}

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
  pushLimit(params, "limit", o.limit, "limit");
  return prepare("get", "api/v1/status/tsdb", params, o, decodeTsdbStatus);
}
