import { type AlertsData, decodeAlerts, decodeRules, type RulesData } from "../decode/api/rules.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { checkNamespace } from "./callOptions.ts";
import {
  checkName,
  checkOptions,
  checkSelectors,
  type EndpointOptions,
  prepare,
  pushLimit,
} from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `rules()`. Filters of one kind are OR-ed; filters of different kinds are AND-ed. */
export interface RulesOptions extends EndpointOptions {
  /** `alert` for alerting rules only, `record` for recording rules only. */
  type?: "alert" | "record" | undefined;
  /** Only rules with one of these names (`rule_name[]`, Prometheus 2.43+). */
  ruleName?: string | readonly string[] | undefined;
  /** Only groups with one of these names (`rule_group[]`, Prometheus 2.43+). */
  ruleGroup?: string | readonly string[] | undefined;
  /** Only rules from one of these files (`file[]`, Prometheus 2.43+). */
  file?: string | readonly string[] | undefined;
  /** Leave out each alerting rule's active alerts (`exclude_alerts`, Prometheus 2.50+). */
  excludeAlerts?: boolean | undefined;
  /** Only rules whose configured labels match one of these selectors (`match[]`, Prometheus 2.54+). */
  match?: string | readonly string[] | undefined;
  /** At most this many groups per answer; the answer then has `groupNextToken` (Prometheus 3.1+). */
  groupLimit?: number | undefined;
  /** The token from the previous page (needs `groupLimit`). */
  groupNextToken?: string | undefined;
  /** OpenShift tenancy (Thanos Querier's port 9093): sent in the URL query, and the call uses GET. */
  namespace?: string | undefined;
}

/** Options of `alerts()`. */
export interface AlertsOptions extends EndpointOptions {
  /** OpenShift tenancy (Thanos Querier's port 9093): sent in the URL query, and the call uses GET. */
  namespace?: string | undefined;
}

/** Checks a list filter: one name or a list of non-empty names. */
function names(value: unknown, argument: string): string[] {
  if (value === undefined) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list))
    throw new InvalidArgumentError(argument, `${argument} must be a string or a list of strings`);
  return list.map((item) => checkName(item, argument));
}

/** Builds `/api/v1/rules` (GET only). */
export function prepareRules(options: RulesOptions | undefined): PreparedRequest<RulesData> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.type !== undefined) {
    if (o.type !== "alert" && o.type !== "record") {
      throw new InvalidArgumentError("type", 'type must be "alert" or "record"');
    }
    params.push(["type", o.type]);
  }
  for (const name of names(o.ruleName, "ruleName")) params.push(["rule_name[]", name]);
  for (const group of names(o.ruleGroup, "ruleGroup")) params.push(["rule_group[]", group]);
  for (const file of names(o.file, "file")) params.push(["file[]", file]);
  if (o.excludeAlerts !== undefined) params.push(["exclude_alerts", String(o.excludeAlerts === true)]);
  for (const m of checkSelectors(o.match, "match", false)) params.push(["match[]", m]);
  pushLimit(params, "group_limit", o.groupLimit, "groupLimit");
  if (o.groupNextToken !== undefined) {
    if (o.groupLimit === undefined) {
      throw new InvalidArgumentError(
        "groupNextToken",
        "groupNextToken needs groupLimit (the server refuses it alone)",
      );
    }
    params.push(["group_next_token", checkName(o.groupNextToken, "groupNextToken")]);
  }
  return prepare("get", "api/v1/rules", params, o, decodeRules, checkNamespace(o.namespace));
}

/** Builds `/api/v1/alerts` (GET only). */
export function prepareAlerts(options: AlertsOptions | undefined): PreparedRequest<AlertsData> {
  const o = checkOptions(options);
  return prepare("get", "api/v1/alerts", [], o, decodeAlerts, checkNamespace(o.namespace));
}
