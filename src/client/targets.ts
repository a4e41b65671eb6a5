import {
  type AlertmanagersData,
  decodeAlertmanagers,
  decodeTargets,
  type TargetsData,
} from "../decode/api/targets.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { checkName, checkOptions, type EndpointOptions, prepare } from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `targets()`. */
export interface TargetsOptions extends EndpointOptions {
  /** `active`, `dropped` or `any` (the default): the other list comes back empty. */
  state?: "active" | "dropped" | "any" | undefined;
  /** Only targets of this scrape pool (Prometheus 2.42+). */
  scrapePool?: string | undefined;
}

const STATES = new Set(["active", "dropped", "any"]);

/** Builds `/api/v1/targets` (GET only). */
export function prepareTargets(options: TargetsOptions | undefined): PreparedRequest<TargetsData> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = [];
  if (o.state !== undefined) {
    if (!STATES.has(o.state))
      throw new InvalidArgumentError("state", 'state must be "active", "dropped" or "any"');
    params.push(["state", o.state]);
  }
  if (o.scrapePool !== undefined) params.push(["scrapePool", checkName(o.scrapePool, "scrapePool")]);
  return prepare("get", "api/v1/targets", params, o, decodeTargets);
}

/** Builds `/api/v1/alertmanagers` (GET only). */
export function prepareAlertmanagers(
  options: EndpointOptions | undefined,
): PreparedRequest<AlertmanagersData> {
  const o = checkOptions(options);
  return prepare("get", "api/v1/alertmanagers", [], o, decodeAlertmanagers);
}
