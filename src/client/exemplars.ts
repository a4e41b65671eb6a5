import { decodeExemplars, type ExemplarSeries } from "../decode/api/exemplars.ts";
import { decodeString } from "../decode/api/labels.ts";
import { decodeParsedQuery, type ParsedQuery } from "../decode/api/promql.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { checkOptions, type EndpointOptions, prepare, timeRangeParams } from "./endpointOptions.ts";
import { checkQuery, type TimeInput } from "./params.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `queryExemplars()`. */
export interface ExemplarsOptions extends EndpointOptions {
  /** Start of the range. */
  start: TimeInput;
  /** End of the range. */
  end: TimeInput;
}

/** Builds `/api/v1/query_exemplars` (form POST, GET fallback). */
export function prepareExemplars(
  promql: string,
  options: ExemplarsOptions,
): PreparedRequest<ExemplarSeries[]> {
  const query = checkQuery(promql);
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "queryExemplars needs { start, end }");
  }
  for (const name of ["start", "end"] as const) {
    if (options[name] === undefined) throw new InvalidArgumentError(name, `queryExemplars needs ${name}`);
  }
  const params: Array<[string, string]> = [["query", query], ...timeRangeParams(options)];
  return prepare("form", "api/v1/query_exemplars", params, options, decodeExemplars);
}

/** Builds `/api/v1/format_query` (form POST, GET fallback; Prometheus 2.38+). */
export function prepareFormatQuery(
  promql: string,
  options: EndpointOptions | undefined,
): PreparedRequest<string> {
  const query = checkQuery(promql);
  const o = checkOptions(options);
  return prepare("form", "api/v1/format_query", [["query", query]], o, decodeString);
}

/** Builds `/api/v1/parse_query` (form POST, GET fallback; experimental, Prometheus 3.0+). */
export function prepareParseQuery(
  promql: string,
  options: EndpointOptions | undefined,
): PreparedRequest<ParsedQuery> {
  const query = checkQuery(promql);
  const o = checkOptions(options);
  return prepare("form", "api/v1/parse_query", [["query", query]], o, decodeParsedQuery);
}
