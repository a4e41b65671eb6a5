import * as v from "valibot";
import type { Labels } from "../types.ts";
import { LabelsSchema, list, map, schemaDecoder } from "./common.ts";

/**
 * A metric type as Prometheus reports it. Other servers may report others, hence the open string.
 */
export type MetricType =
  | "counter"
  | "gauge"
  | "histogram"
  | "gaugehistogram"
  | "summary"
  | "info"
  | "stateset"
  | "unknown"
  | (string & {});

/** What `/api/v1/metadata` says about one metric (one entry per distinct HELP/TYPE/UNIT). */
export interface MetricMetadata {
  /** The metric's type. */
  type: MetricType;
  /** Its HELP text. */
  help: string;
  /** Its UNIT, `""` when none (older servers leave it out; it is then `""` too). */
  unit: string;
}

/** `/api/v1/metadata`: metric name → its distinct metadata. Metric names may be any UTF-8 string. */
export type MetadataData = Record<string, MetricMetadata[]>;

/** One entry of `/api/v1/targets/metadata`: a metric's metadata as one target exposes it. */
export interface TargetMetadata {
  /** The target's labels (after relabelling). */
  target: Labels;
  /** The metric name; absent when the call filtered by `metric`. */
  metric?: string;
  /** The metric's type. */
  type: MetricType;
  /** Its HELP text. */
  help: string;
  /** Its UNIT, `""` when none. */
  unit: string;
}

const MetricMetadataSchema: v.GenericSchema<unknown, MetricMetadata> = v.looseObject({
  type: v.string(),
  help: v.string(),
  unit: v.optional(v.string(), ""),
});

const TargetMetadataSchema: v.GenericSchema<unknown, TargetMetadata> = v.looseObject({
  target: LabelsSchema,
  metric: v.exactOptional(v.string()),
  type: v.string(),
  help: v.string(),
  unit: v.optional(v.string(), ""),
});

/** Decodes `/api/v1/metadata`. */
export const decodeMetadata = schemaDecoder<MetadataData>(map(list(MetricMetadataSchema)));

/** Decodes `/api/v1/targets/metadata`. */
export const decodeTargetsMetadata = schemaDecoder<TargetMetadata[]>(list(TargetMetadataSchema));
