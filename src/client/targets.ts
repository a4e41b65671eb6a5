import {
  decodeRelabelSteps,
  decodeScrapePools,
  type RelabelStepsData,
  type ScrapePoolsData,
} from "../decode/api/scrape.ts";
import { type ConfigData, decodeConfig } from "../decode/api/status.ts";
import {
  type AlertmanagersData,
  decodeAlertmanagers,
  decodeTargets,
  type TargetsData,
} from "../decode/api/targets.ts";
import type { Labels } from "../decode/types.ts";
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

/** Builds `/api/v1/scrape_pools` (GET only; Prometheus 2.42+). */
export function prepareScrapePools(options: EndpointOptions | undefined): PreparedRequest<ScrapePoolsData> {
  const o = checkOptions(options);
  return prepare("get", "api/v1/scrape_pools", [], o, decodeScrapePools);
}

/** Builds `/api/v1/scrape_pools/config` (GET only; experimental, newer than Prometheus 3.14). */
export function prepareScrapePoolConfig(
  scrapePool: string,
  options: EndpointOptions | undefined,
): PreparedRequest<ConfigData> {
  const pool = checkName(scrapePool, "scrapePool");
  const o = checkOptions(options);
  return prepare("get", "api/v1/scrape_pools/config", [["scrapePool", pool]], o, decodeConfig);
}

/** Checks a label set given as an object of strings; returns it as the JSON Prometheus reads. */
function labelsJson(value: unknown, argument: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, `${argument} must be an object of label name → string value`);
  }
  for (const [name, labelValue] of Object.entries(value)) {
    if (typeof labelValue !== "string") {
      throw new InvalidArgumentError(
        argument,
        `${argument}: the value of ${JSON.stringify(name)} must be a string`,
      );
    }
  }
  return JSON.stringify(value);
}

/** Builds `/api/v1/targets/relabel_steps` (GET only; experimental, Prometheus 3.8+). */
export function prepareRelabelSteps(
  scrapePool: string,
  labels: Labels,
  options: EndpointOptions | undefined,
): PreparedRequest<RelabelStepsData> {
  const params: Array<[string, string]> = [
    ["scrapePool", checkName(scrapePool, "scrapePool")],
    ["labels", labelsJson(labels, "labels")],
  ];
  const o = checkOptions(options);
  return prepare("get", "api/v1/targets/relabel_steps", params, o, decodeRelabelSteps);
}
