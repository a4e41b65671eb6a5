import { decodeSeries, decodeStringList } from "../decode/api/labels.ts";
import type { Labels } from "../decode/types.ts";
import { checkNamespace } from "./callOptions.ts";
import {
  checkName,
  checkOptions,
  checkSelectors,
  type EndpointOptions,
  prepare,
  pushLimit,
  type TimeRangeOptions,
  timeRangeParams,
} from "./endpointOptions.ts";
import type { PreparedRequest } from "./query.ts";

/** Options of `series()`. */
export interface SeriesOptions extends EndpointOptions, TimeRangeOptions {
  /** Most series returned (Prometheus 2.51+; older servers ignore it). 0 means no limit. */
  limit?: number | undefined;
  /** OpenShift tenancy (port 9092): sent in the URL query, and the call uses GET. */
  namespace?: string | undefined;
}

/** Options of `labelNames()` and `labelValues()`. */
export interface LabelsOptions extends SeriesOptions {
  /** Only from series matching these selectors (`match[]`). */
  match?: string | readonly string[] | undefined;
}

/** Builds `/api/v1/series` (form POST, GET fallback): the label sets of the series matching `matchers`. */
export function prepareSeries(
  matchers: string | readonly string[],
  options: SeriesOptions | undefined,
): PreparedRequest<Labels[]> {
  const o = checkOptions(options);
  const params: Array<[string, string]> = checkSelectors(matchers, "matchers", true).map((m) => [
    "match[]",
    m,
  ]);
  params.push(...timeRangeParams(o));
  pushLimit(params, "limit", o.limit, "limit");
  return prepare("form", "api/v1/series", params, o, decodeSeries, checkNamespace(o.namespace));
}

/** The `match[]`, `start`, `end` and `limit` parameters the label endpoints share. */
function labelParams(o: Partial<LabelsOptions>): Array<[string, string]> {
  const params: Array<[string, string]> = checkSelectors(o.match, "match", false).map((m) => ["match[]", m]);
  params.push(...timeRangeParams(o));
  pushLimit(params, "limit", o.limit, "limit");
  return params;
}

/** Builds `/api/v1/labels` (form POST, GET fallback). */
export function prepareLabelNames(options: LabelsOptions | undefined): PreparedRequest<string[]> {
  const o = checkOptions(options);
  return prepare("form", "api/v1/labels", labelParams(o), o, decodeStringList, checkNamespace(o.namespace));
}

/** Builds `/api/v1/label/<name>/values` (GET only: Prometheus has no POST route for it). */
export function prepareLabelValues(
  name: string,
  options: LabelsOptions | undefined,
): PreparedRequest<string[]> {
  const label = checkName(name, "name");
  const o = checkOptions(options);
  const path = `api/v1/label/${encodeURIComponent(labelNameForPath(label))}/values`;
  return prepare("get", path, labelParams(o), o, decodeStringList, checkNamespace(o.namespace));
}

const LEGACY_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * A label name as `/api/v1/label/<name>/values` wants it. Legacy names go as they are (every
 * version reads them). Other names use Prometheus 3's value-encoding escape: `U__`, then `_`
 * doubled, letters, digits (not first) and `:` as they are, anything else as `_<hex code point>_`
 * (`http.status` → `U__http_2e_status`); a name with a `/` could not be sent otherwise. A legacy
 * name that itself starts with `U__` is escaped too, or Prometheus 3 would unescape it into
 * another name; Prometheus 2 reads the escaped form literally, so such names only work on 3.
 */
export function labelNameForPath(name: string): string {
  if (LEGACY_NAME.test(name) && !name.startsWith("U__")) return name;
  let escaped = "U__";
  let first = true;
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (char === "_") escaped += "__";
    else if (/[a-zA-Z:]/.test(char) || (!first && /[0-9]/.test(char))) escaped += char;
    // A lone surrogate is not a code point UTF-8 can carry: Go writes U+FFFD for it.
    else if (code >= 0xd800 && code <= 0xdfff) escaped += "_fffd_";
    else escaped += `_${code.toString(16)}_`;
    first = false;
  }
  return escaped;
}
