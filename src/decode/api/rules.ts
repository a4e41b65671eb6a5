import * as v from "valibot";
import type { Labels } from "../types.ts";
import { list, NumberSchema, OptionalLabelsSchema, schemaDecoder, withWireValue } from "./common.ts";

/** An alert's state. */
export type AlertState = "firing" | "pending" | "inactive" | (string & {});

/** An active alert (`/api/v1/alerts`, and `alerts` of an alerting rule). */
export interface Alert {
  /** Its labels, `alertname` included. */
  labels: Labels;
  /** Its annotations, templates expanded. */
  annotations: Labels;
  /** `firing` or `pending`. */
  state: AlertState;
  /** When it became active: RFC 3339 as sent (nanoseconds kept). */
  activeAt?: string;
  /** Since when it keeps firing after its condition cleared (`keep_firing_for`, Prometheus 2.42+). */
  keepFiringSince?: string;
  /** The value of the expression that made it fire, decoded from Prometheus' string (`"1e+00"` → 1). */
  value: number;
}

/** `/api/v1/alerts`. */
export interface AlertsData {
  /** Every active alert. */
  alerts: Alert[];
}

/** What rule groups and rules share about their evaluation. */
interface Evaluated {
  /** Seconds the last evaluation took. */
  evaluationTime?: number;
  /** When it was last evaluated, RFC 3339 as sent (`0001-01-01T00:00:00Z` when never). */
  lastEvaluation?: string;
}

/** An alerting rule of `/api/v1/rules`. */
export interface AlertingRule extends Evaluated {
  /** Tells it from a recording rule. */
  type: "alerting";
  /** The alert name. */
  name: string;
  /** The PromQL expression. */
  query: string;
  /** `for`, in seconds. */
  duration: number;
  /** `keep_firing_for`, in seconds (Prometheus 2.42+). */
  keepFiringFor?: number;
  /** The rule's own labels. */
  labels: Labels;
  /** The rule's annotations (templates not expanded). */
  annotations: Labels;
  /** Its active alerts (empty with `excludeAlerts`). */
  alerts: Alert[];
  /** `ok`, `err` or `unknown`. */
  health: string;
  /** The last evaluation's error, when it failed. */
  lastError?: string;
  /** `firing`, `pending` or `inactive` (Prometheus 2.21+). */
  state?: AlertState;
}

/** A recording rule of `/api/v1/rules`. */
export interface RecordingRule extends Evaluated {
  /** Tells it from an alerting rule. */
  type: "recording";
  /** The recorded metric name. */
  name: string;
  /** The PromQL expression. */
  query: string;
  /** The labels it adds (`{}` when none). */
  labels: Labels;
  /** `ok`, `err` or `unknown`. */
  health: string;
  /** The last evaluation's error, when it failed. */
  lastError?: string;
}

/** A rule: tell them apart by `type`. */
export type Rule = AlertingRule | RecordingRule;

/** A rule group of `/api/v1/rules`. */
export interface RuleGroup extends Evaluated {
  /** The group's name. */
  name: string;
  /** The rule file it comes from. */
  file: string;
  /** Its rules, in file order. */
  rules: Rule[];
  /** Evaluation interval in seconds. */
  interval: number;
  /** The group's `limit` (0: none), when the server reports it. */
  limit?: number;
}

/** `/api/v1/rules`. */
export interface RulesData {
  /** The rule groups (empty groups are left out when filters remove all their rules). */
  groups: RuleGroup[];
  /** With `groupLimit`: pass it as `groupNextToken` to get the next page; absent on the last one. */
  groupNextToken?: string;
}

const evaluated = {
  evaluationTime: v.exactOptional(NumberSchema),
  lastEvaluation: v.exactOptional(v.string()),
};

const AlertSchema: v.GenericSchema<unknown, Alert> = v.pipe(
  v.looseObject({
    labels: OptionalLabelsSchema,
    annotations: OptionalLabelsSchema,
    state: v.string(),
    activeAt: v.exactOptional(v.string()),
    keepFiringSince: v.exactOptional(v.string()),
    value: NumberSchema,
  }),
  v.transform(withWireValue),
);

const AlertingRuleSchema = v.looseObject({
  type: v.literal("alerting"),
  name: v.string(),
  query: v.string(),
  duration: v.optional(NumberSchema, 0),
  keepFiringFor: v.exactOptional(NumberSchema),
  labels: OptionalLabelsSchema,
  annotations: OptionalLabelsSchema,
  alerts: list(AlertSchema),
  health: v.string(),
  lastError: v.exactOptional(v.string()),
  state: v.exactOptional(v.string()),
  ...evaluated,
});

const RecordingRuleSchema = v.looseObject({
  type: v.literal("recording"),
  name: v.string(),
  query: v.string(),
  labels: OptionalLabelsSchema,
  health: v.string(),
  lastError: v.exactOptional(v.string()),
  ...evaluated,
});

const RuleGroupSchema: v.GenericSchema<unknown, RuleGroup> = v.looseObject({
  name: v.string(),
  file: v.string(),
  rules: list(v.variant("type", [AlertingRuleSchema, RecordingRuleSchema])),
  interval: NumberSchema,
  limit: v.exactOptional(NumberSchema),
  ...evaluated,
});

const RulesSchema: v.GenericSchema<unknown, RulesData> = v.looseObject({
  groups: list(RuleGroupSchema),
  groupNextToken: v.exactOptional(v.string()),
});

const AlertsSchema: v.GenericSchema<unknown, AlertsData> = v.looseObject({ alerts: list(AlertSchema) });

/** Decodes `/api/v1/rules`. */
export const decodeRules = schemaDecoder(RulesSchema);

/** Decodes `/api/v1/alerts`. */
export const decodeAlerts = schemaDecoder(AlertsSchema);
