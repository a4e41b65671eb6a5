import * as v from "valibot";
import { list, map, NumberSchema, schemaDecoder } from "./common.ts";

/** `/api/v1/status/buildinfo`. Only `version` is promised; Prometheus sends all of them. */
export interface BuildInfo {
  /** e.g. `"2.53.0"`; Thanos and VictoriaMetrics report their own versions. */
  version: string;
  /** The VCS revision. */
  revision?: string;
  /** The VCS branch. */
  branch?: string;
  /** Who built it. */
  buildUser?: string;
  /** When, in the builder's format (e.g. `20240618-12:00:00`). */
  buildDate?: string;
  /** The Go version used. */
  goVersion?: string;
}

/**
 * `/api/v1/status/runtimeinfo`. Prometheus says these "may change without notice between
 * versions", so every field is optional; unknown ones are kept as sent.
 */
export interface RuntimeInfo {
  /** Process start, RFC 3339. */
  startTime?: string;
  /** Working directory. */
  CWD?: string;
  /** Host name (Prometheus 3.1+). */
  hostname?: string;
  /** Server clock, RFC 3339 (Prometheus 3.1+). */
  serverTime?: string;
  /** Whether the last configuration reload worked. */
  reloadConfigSuccess?: boolean;
  /** When the configuration was last loaded, RFC 3339. */
  lastConfigTime?: string;
  /** Number of head series (older versions). */
  timeSeriesCount?: number;
  /** WAL corruptions seen. */
  corruptionCount?: number;
  /** Goroutines running. */
  goroutineCount?: number;
  /** Go's GOMAXPROCS. */
  GOMAXPROCS?: number;
  /** Go's memory limit in bytes. */
  GOMEMLIMIT?: number;
  /** Go's GOGC setting. */
  GOGC?: string;
  /** Go's GODEBUG setting. */
  GODEBUG?: string;
  /** Retention, e.g. `"15d"` or `"15d or 100GiB"`. */
  storageRetention?: string;
}

/** `/api/v1/status/flags`: flag name → value, all strings. */
export type FlagsData = Record<string, string>;

/** `/api/v1/status/config`. */
export interface ConfigData {
  /** The loaded configuration as YAML (secrets redacted by the server, comments lost). */
  yaml: string;
}

/** One name/count pair of the TSDB statistics. */
export interface TsdbStat {
  /** A metric name, a label name, or a `name=value` pair, depending on the list. */
  name: string;
  /** The count or size. */
  value: number;
}

/** Statistics of the TSDB head block. */
export interface HeadStats {
  /** Series in the head. */
  numSeries: number;
  /** Label pairs in the head (Prometheus 2.26+). */
  numLabelPairs?: number;
  /** Chunks in the head. */
  chunkCount: number;
  /**
   * Oldest and newest sample, unix milliseconds. An empty head reports Go's extremes
   * (±9223372036854775807), which a JavaScript number holds only approximately.
   */
  minTime: number;
  /** See `minTime`. */
  maxTime: number;
}

/** `/api/v1/status/tsdb`: cardinality statistics (top `limit` items of each list). */
export interface TsdbStatus {
  /** About the head block. Absent from some Prometheus-compatible servers. */
  headStats?: HeadStats;
  /** Series count per metric name. */
  seriesCountByMetricName: TsdbStat[];
  /** Distinct values per label name. */
  labelValueCountByLabelName: TsdbStat[];
  /** Bytes of label values per label name. */
  memoryInBytesByLabelName: TsdbStat[];
  /** Series count per `name=value` label pair. */
  seriesCountByLabelValuePair: TsdbStat[];
}

/** `/api/v1/status/walreplay`: progress of the WAL replay at start-up. */
export interface WalReplayStatus {
  /** First segment. */
  min: number;
  /** Last segment. */
  max: number;
  /** Segment being replayed. */
  current: number;
  /** `waiting`, `in progress` or `done`, when the server reports it. */
  state?: string;
}

const BuildInfoSchema: v.GenericSchema<unknown, BuildInfo> = v.looseObject({
  version: v.string(),
  revision: v.exactOptional(v.string()),
  branch: v.exactOptional(v.string()),
  buildUser: v.exactOptional(v.string()),
  buildDate: v.exactOptional(v.string()),
  goVersion: v.exactOptional(v.string()),
});

const optionalString = v.exactOptional(v.string());
const optionalNumber = v.exactOptional(NumberSchema);

const RuntimeInfoSchema: v.GenericSchema<unknown, RuntimeInfo> = v.looseObject({
  startTime: optionalString,
  CWD: optionalString,
  hostname: optionalString,
  serverTime: optionalString,
  reloadConfigSuccess: v.exactOptional(v.boolean()),
  lastConfigTime: optionalString,
  timeSeriesCount: optionalNumber,
  corruptionCount: optionalNumber,
  goroutineCount: optionalNumber,
  GOMAXPROCS: optionalNumber,
  GOMEMLIMIT: optionalNumber,
  GOGC: optionalString,
  GODEBUG: optionalString,
  storageRetention: optionalString,
});

const TsdbStatSchema: v.GenericSchema<unknown, TsdbStat> = v.looseObject({
  name: v.string(),
  value: NumberSchema,
});

const HeadStatsSchema: v.GenericSchema<unknown, HeadStats> = v.looseObject({
  numSeries: NumberSchema,
  numLabelPairs: optionalNumber,
  chunkCount: NumberSchema,
  minTime: NumberSchema,
  maxTime: NumberSchema,
});

const TsdbStatusSchema: v.GenericSchema<unknown, TsdbStatus> = v.looseObject({
  headStats: v.exactOptional(HeadStatsSchema),
  seriesCountByMetricName: list(TsdbStatSchema),
  labelValueCountByLabelName: list(TsdbStatSchema),
  memoryInBytesByLabelName: list(TsdbStatSchema),
  seriesCountByLabelValuePair: list(TsdbStatSchema),
});

const WalReplaySchema: v.GenericSchema<unknown, WalReplayStatus> = v.looseObject({
  min: NumberSchema,
  max: NumberSchema,
  current: NumberSchema,
  state: optionalString,
});

/** Decodes `/api/v1/status/buildinfo`. */
export const decodeBuildInfo = schemaDecoder(BuildInfoSchema);
/** Decodes `/api/v1/status/runtimeinfo`. */
export const decodeRuntimeInfo = schemaDecoder(RuntimeInfoSchema);
/** Decodes `/api/v1/status/flags`. */
export const decodeFlags = schemaDecoder<FlagsData>(map(v.string()));
/** Decodes `/api/v1/status/config`. */
export const decodeConfig = schemaDecoder<ConfigData>(v.looseObject({ yaml: v.string() }));
/** Decodes `/api/v1/status/tsdb`. */
export const decodeTsdbStatus = schemaDecoder(TsdbStatusSchema);
/** Decodes `/api/v1/status/walreplay`. */
export const decodeWalReplay = schemaDecoder(WalReplaySchema);
