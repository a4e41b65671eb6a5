import * as v from "valibot";
import type { Labels } from "../types.ts";
import { LabelsSchema, list, map, NumberSchema, OptionalLabelsSchema, schemaDecoder } from "./common.ts";

/** A scrape target's health. */
export type TargetHealth = "up" | "down" | "unknown" | (string & {});

/** A target being scraped (`activeTargets` of `/api/v1/targets`). */
export interface ActiveTarget {
  /** Labels from service discovery, before relabelling. */
  discoveredLabels: Labels;
  /** Labels after relabelling: the ones the target's series carry. */
  labels: Labels;
  /** The scrape job (pool) it belongs to. */
  scrapePool: string;
  /** The URL scraped. */
  scrapeUrl: string;
  /** The URL as seen from outside (`--web.external-url`), when the server reports it. */
  globalUrl?: string;
  /** The last scrape's error, `""` when it worked. */
  lastError: string;
  /** When it was last scraped: RFC 3339 as sent (nanoseconds kept; `new Date(s)` for a Date). */
  lastScrape: string;
  /** How long the last scrape took, in seconds. */
  lastScrapeDuration: number;
  /** `up`, `down` or `unknown` (not scraped yet). */
  health: TargetHealth;
  /** The scrape interval, e.g. `"15s"` (Prometheus 2.34+). */
  scrapeInterval?: string;
  /** The scrape timeout, e.g. `"10s"` (Prometheus 2.34+). */
  scrapeTimeout?: string;
}

/** A target that relabelling dropped (`droppedTargets` of `/api/v1/targets`). */
export interface DroppedTarget {
  /** Labels from service discovery. */
  discoveredLabels: Labels;
  /** The scrape pool, when the server reports it (Prometheus 2.50+). */
  scrapePool?: string;
}

/** `/api/v1/targets`: active and dropped targets. A filtered-out kind is an empty array. */
export interface TargetsData {
  /** Targets being scraped. */
  activeTargets: ActiveTarget[];
  /** Targets dropped by relabelling (bounded by `keep_dropped_targets`, if set). */
  droppedTargets: DroppedTarget[];
  /** Dropped targets per scrape pool, when the server reports it (Prometheus 2.50+). */
  droppedTargetCounts?: Record<string, number>;
}

/** An Alertmanager the server sends alerts to (or one it dropped). */
export interface AlertmanagerTarget {
  /** Its alerts endpoint URL. */
  url: string;
}

/** `/api/v1/alertmanagers`. */
export interface AlertmanagersData {
  /** Alertmanagers in use. */
  activeAlertmanagers: AlertmanagerTarget[];
  /** Alertmanagers dropped by relabelling. */
  droppedAlertmanagers: AlertmanagerTarget[];
}

const ActiveTargetSchema: v.GenericSchema<unknown, ActiveTarget> = v.looseObject({
  discoveredLabels: OptionalLabelsSchema,
  labels: LabelsSchema,
  scrapePool: v.string(),
  scrapeUrl: v.string(),
  globalUrl: v.exactOptional(v.string()),
  lastError: v.optional(v.string(), ""),
  lastScrape: v.string(),
  lastScrapeDuration: NumberSchema,
  health: v.string(),
  scrapeInterval: v.exactOptional(v.string()),
  scrapeTimeout: v.exactOptional(v.string()),
});

const DroppedTargetSchema: v.GenericSchema<unknown, DroppedTarget> = v.looseObject({
  discoveredLabels: OptionalLabelsSchema,
  scrapePool: v.exactOptional(v.string()),
});

const TargetsSchema: v.GenericSchema<unknown, TargetsData> = v.looseObject({
  activeTargets: list(ActiveTargetSchema),
  droppedTargets: list(DroppedTargetSchema),
  droppedTargetCounts: v.exactOptional(map(NumberSchema)),
});

const AlertmanagerSchema: v.GenericSchema<unknown, AlertmanagerTarget> = v.looseObject({ url: v.string() });

const AlertmanagersSchema: v.GenericSchema<unknown, AlertmanagersData> = v.looseObject({
  activeAlertmanagers: list(AlertmanagerSchema),
  droppedAlertmanagers: list(AlertmanagerSchema),
});

/** Decodes `/api/v1/targets`. */
export const decodeTargets = schemaDecoder(TargetsSchema);

/** Decodes `/api/v1/alertmanagers`. */
export const decodeAlertmanagers = schemaDecoder(AlertmanagersSchema);
