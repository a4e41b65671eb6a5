import * as v from "valibot";
import type { Labels } from "../types.ts";
import { list, NumberSchema, OptionalLabelsSchema, schemaDecoder } from "./common.ts";

/** `/api/v1/scrape_pools`: the names of the configured scrape pools (jobs), sorted. */
export interface ScrapePoolsData {
  /** One name per scrape pool. */
  scrapePools: string[];
}

/** A relabelling action (`relabel_configs[].action`). */
export type RelabelAction =
  | "replace"
  | "keep"
  | "drop"
  | "keepequal"
  | "dropequal"
  | "hashmod"
  | "labelmap"
  | "labeldrop"
  | "labelkeep"
  | "lowercase"
  | "uppercase"
  | (string & {});

/**
 * One relabelling rule as Prometheus sends it: the configuration's own snake_case field names,
 * fields at their default left out by the server.
 */
export interface RelabelRule {
  /** Labels whose values are joined with `separator` and matched against `regex`. */
  source_labels?: string[];
  /** What joins the source label values. */
  separator?: string;
  /** The regular expression, as configured (unanchored text). */
  regex?: string;
  /** The modulus of `hashmod`. */
  modulus?: number;
  /** The label written by `replace`, `hashmod`, `lowercase`, `uppercase`. */
  target_label?: string;
  /** The replacement, with `$1`-style references. */
  replacement?: string;
  /** What the rule does. */
  action?: RelabelAction;
}

/** One step of `/api/v1/targets/relabel_steps`: a rule and the label set after it. */
export interface RelabelStep {
  /** The rule applied at this step. */
  rule: RelabelRule;
  /** The labels after this rule; `{}` once the target has been dropped. */
  output: Labels;
  /** Whether the target is still kept after this rule. */
  keep: boolean;
}

/** `/api/v1/targets/relabel_steps`: every rule of the scrape pool, in order. */
export interface RelabelStepsData {
  /** One step per relabelling rule (empty when the pool has none). */
  steps: RelabelStep[];
}

const ScrapePoolsSchema: v.GenericSchema<unknown, ScrapePoolsData> = v.looseObject({
  scrapePools: list(v.string()),
});

const RelabelRuleSchema: v.GenericSchema<unknown, RelabelRule> = v.looseObject({
  source_labels: v.exactOptional(list(v.string())),
  separator: v.exactOptional(v.string()),
  regex: v.exactOptional(v.string()),
  modulus: v.exactOptional(NumberSchema),
  target_label: v.exactOptional(v.string()),
  replacement: v.exactOptional(v.string()),
  action: v.exactOptional(v.string()),
});

const RelabelStepSchema: v.GenericSchema<unknown, RelabelStep> = v.looseObject({
  rule: RelabelRuleSchema,
  output: OptionalLabelsSchema,
  keep: v.boolean(),
});

const RelabelStepsSchema: v.GenericSchema<unknown, RelabelStepsData> = v.looseObject({
  steps: list(RelabelStepSchema),
});

/** Decodes `/api/v1/scrape_pools`. */
export const decodeScrapePools = schemaDecoder(ScrapePoolsSchema);

/** Decodes `/api/v1/targets/relabel_steps`. */
export const decodeRelabelSteps = schemaDecoder(RelabelStepsSchema);
