import * as v from "valibot";
import { list, map, NumberSchema, schemaDecoder } from "./common.ts";

/*
 * Endpoints about the server itself that Prometheus 3 added for its web UI: TSDB blocks, its own
 * metrics, notifications and features. Prometheus calls their shapes experimental: everything a
 * server adds is kept, and fields Go leaves out at their zero value come back as that value.
 */

/** A block a compaction read (`compaction.parents` of a TSDB block). */
export interface TsdbBlockRef {
  /** The block's ULID. */
  ulid: string;
  /** Oldest sample, unix milliseconds. */
  minTime: number;
  /** Newest sample (exclusive), unix milliseconds. */
  maxTime: number;
}

/** Counts of a TSDB block. Go leaves zeros out: those read as 0 here. */
export interface TsdbBlockStats {
  /** Samples, float and histogram. */
  numSamples: number;
  /** Float samples, when the server reports them separately. */
  numFloatSamples?: number;
  /** Native histogram samples, when the server reports them separately. */
  numHistogramSamples?: number;
  /** Series. */
  numSeries: number;
  /** Chunks. */
  numChunks: number;
  /** Tombstones (deletions not yet compacted away). */
  numTombstones: number;
}

/** How a TSDB block was made. */
export interface TsdbBlockCompaction {
  /** Compaction rounds behind the block (1 for a block cut from the head). */
  level: number;
  /** ULIDs of the head blocks it was made from. */
  sources: string[];
  /** The blocks compacted into it. */
  parents: TsdbBlockRef[];
  /** The compaction left it empty: it goes at the next reload. */
  deletable: boolean;
  /** A compaction of it failed. */
  failed: boolean;
  /** Extra facts, e.g. `"from-out-of-order"`. */
  hints: string[];
}

/** A loaded TSDB block (`/api/v1/status/tsdb/blocks`). */
export interface TsdbBlock {
  /** The block's ULID. */
  ulid: string;
  /** Oldest sample, unix milliseconds. */
  minTime: number;
  /** Newest sample (exclusive), unix milliseconds. */
  maxTime: number;
  /** Its counts. */
  stats: TsdbBlockStats;
  /** How it was made. */
  compaction: TsdbBlockCompaction;
  /** The block format version. */
  version: number;
}

/** `/api/v1/status/tsdb/blocks`. */
export interface TsdbBlocksData {
  /** Every loaded block, oldest first. */
  blocks: TsdbBlock[];
}

/** A notification about the server itself (`/api/v1/notifications`), e.g. a failed config reload. */
export interface ServerNotification {
  /** What happened. */
  text: string;
  /** When: RFC 3339 as sent (nanoseconds kept). */
  date: string;
  /** Whether it still holds. */
  active: boolean;
}

/**
 * `/api/v1/features`: category (`api`, `promql`, `promql_functions`, `tsdb`…) → feature name →
 * enabled. A feature that is absent is to be read as disabled (servers may leave `false` out).
 */
export type FeaturesData = Record<string, Record<string, boolean>>;

/** A `{ name, value }` label pair of a self metric (ProtoJSON). */
export interface SelfMetricLabel {
  /** The label name. */
  name: string;
  /** The label value. */
  value: string;
}

/** A value-only metric (gauge, counter, untyped), its value decoded (`"NaN"`, `"Infinity"` included). */
export interface SelfMetricValue {
  /** The value; 0 when ProtoJSON left it out. */
  value: number;
}

/**
 * One metric of a family, as ProtoJSON writes `io.prometheus.client.Metric`: the member named
 * after the family's type holds the data. Summaries and histograms are left as sent (their 64-bit
 * counts are strings, as ProtoJSON writes them).
 */
export interface SelfMetric {
  /** The metric's labels, as name/value pairs. */
  label: SelfMetricLabel[];
  /** A gauge's value. */
  gauge?: SelfMetricValue;
  /** A counter's value (and its exemplar, creation time… as sent). */
  counter?: SelfMetricValue;
  /** An untyped metric's value. */
  untyped?: SelfMetricValue;
  /** A summary, as ProtoJSON writes it (`sampleCount`, `sampleSum`, `quantile`). */
  summary?: Record<string, unknown>;
  /** A histogram, as ProtoJSON writes it (classic buckets or native spans and deltas). */
  histogram?: Record<string, unknown>;
  /** An explicit timestamp, unix milliseconds as a string (ProtoJSON's int64). */
  timestampMs?: string;
}

/** A metric family of the server's own instrumentation (`/api/v1/status/self_metrics`). */
export interface MetricFamily {
  /** The metric name. */
  name: string;
  /** Its HELP text (ProtoJSON leaves an empty one out: then `""`). */
  help: string;
  /** `COUNTER`, `GAUGE`, `SUMMARY`, `UNTYPED`, `HISTOGRAM` or `GAUGE_HISTOGRAM`. */
  type?: string;
  /** Its unit, when set. */
  unit?: string;
  /** Its metrics, one per label set. */
  metric: SelfMetric[];
}

const TsdbBlockRefSchema: v.GenericSchema<unknown, TsdbBlockRef> = v.looseObject({
  ulid: v.string(),
  minTime: NumberSchema,
  maxTime: NumberSchema,
});

const zero = v.optional(NumberSchema, 0);

const TsdbBlockStatsSchema: v.GenericSchema<unknown, TsdbBlockStats> = v.looseObject({
  numSamples: zero,
  numFloatSamples: v.exactOptional(NumberSchema),
  numHistogramSamples: v.exactOptional(NumberSchema),
  numSeries: zero,
  numChunks: zero,
  numTombstones: zero,
});

const TsdbBlockCompactionSchema: v.GenericSchema<unknown, TsdbBlockCompaction> = v.looseObject({
  level: zero,
  sources: list(v.string()),
  parents: list(TsdbBlockRefSchema),
  deletable: v.optional(v.boolean(), false),
  failed: v.optional(v.boolean(), false),
  hints: list(v.string()),
});

const TsdbBlockSchema: v.GenericSchema<unknown, TsdbBlock> = v.looseObject({
  ulid: v.string(),
  minTime: NumberSchema,
  maxTime: NumberSchema,
  stats: v.optional(TsdbBlockStatsSchema, () => ({
    numSamples: 0,
    numSeries: 0,
    numChunks: 0,
    numTombstones: 0,
  })),
  compaction: v.optional(TsdbBlockCompactionSchema, () => ({
    level: 0,
    sources: [],
    parents: [],
    deletable: false,
    failed: false,
    hints: [],
  })),
  version: zero,
});

const NotificationSchema: v.GenericSchema<unknown, ServerNotification> = v.looseObject({
  text: v.string(),
  date: v.string(),
  active: v.boolean(),
});

const SelfMetricValueSchema: v.GenericSchema<unknown, SelfMetricValue> = v.looseObject({ value: zero });

const ProtoObjectSchema = v.custom<Record<string, unknown>>(
  (input) => typeof input === "object" && input !== null && !Array.isArray(input),
  "expected an object",
);

const SelfMetricSchema: v.GenericSchema<unknown, SelfMetric> = v.looseObject({
  label: list(v.looseObject({ name: v.optional(v.string(), ""), value: v.optional(v.string(), "") })),
  gauge: v.exactOptional(SelfMetricValueSchema),
  counter: v.exactOptional(SelfMetricValueSchema),
  untyped: v.exactOptional(SelfMetricValueSchema),
  summary: v.exactOptional(ProtoObjectSchema),
  histogram: v.exactOptional(ProtoObjectSchema),
  timestampMs: v.exactOptional(v.union([v.string(), v.pipe(v.number(), v.transform(String))])),
});

const MetricFamilySchema: v.GenericSchema<unknown, MetricFamily> = v.looseObject({
  name: v.string(),
  help: v.optional(v.string(), ""),
  type: v.exactOptional(v.string()),
  unit: v.exactOptional(v.string()),
  metric: list(SelfMetricSchema),
});

/** Decodes `/api/v1/status/tsdb/blocks`. */
export const decodeTsdbBlocks = schemaDecoder<TsdbBlocksData>(
  v.looseObject({ blocks: list(TsdbBlockSchema) }),
);

/** Decodes `/api/v1/notifications`. */
export const decodeNotifications = schemaDecoder<ServerNotification[]>(list(NotificationSchema));

/** Decodes `/api/v1/features`. */
export const decodeFeatures = schemaDecoder<FeaturesData>(map(map(v.boolean())));

/** Decodes `/api/v1/status/self_metrics`. */
export const decodeSelfMetrics = schemaDecoder<MetricFamily[]>(list(MetricFamilySchema));
