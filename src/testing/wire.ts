import { durationSeconds, rfc3339Seconds } from "../client/params.ts";
import { formatSampleValue } from "../decode/numbers.ts";
import {
  type FakeSeries,
  hasNonEmptyMatcher,
  matches,
  parseSelector,
  sampleAt,
  unescapeLabelName,
} from "./selector.ts";

/** PromQL's default lookback: a sample older than this is not "current". */
const LOOKBACK_SECONDS = 300;

/** Prometheus refuses range queries with more points per series than this, before evaluating. */
const MAX_POINTS = 11_000;

/** An answer of the fake: HTTP status and body. */
export interface FakeAnswer {
  /** The HTTP status. */
  status: number;
  /**
   * The body: a string is sent as plain text, undefined as an empty body, anything else as JSON
   * (e.g. `{ status: "success", data: ... }`).
   */
  body: unknown;
}

/** Prometheus' error envelope. */
export function errorAnswer(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: "error", errorType, error } };
}

function success(data: unknown): FakeAnswer {
  return { status: 200, body: { status: "success", data } };
}

/** A parameter Prometheus would refuse: thrown by the parsers below, answered as 400 bad_data. */
class BadData extends Error {}

function badData(message: string): never {
  throw new BadData(message);
}

/** Go's `%q` for the strings we quote (close enough: JSON escapes the same common characters). */
const quote = (s: string): string => JSON.stringify(s);

/** Go's ParseFloat refuses surrounding spaces and the empty string; Number() accepts both. */
function asFloat(raw: string): number {
  return raw !== "" && raw.trim() === raw ? Number(raw) : Number.NaN;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

/** Prometheus' parseTime: float unix seconds, else RFC3339 (with a `T`, as Go's layout wants). */
function parseTime(name: string, raw: string): number {
  const seconds = asFloat(raw);
  if (Number.isFinite(seconds)) return seconds;
  const parsed = RFC3339.test(raw) ? rfc3339Seconds(raw) : undefined;
  if (parsed !== undefined) return parsed;
  return badData(`invalid parameter ${quote(name)}: cannot parse ${quote(raw)} to a valid timestamp`);
}

/** Prometheus' parseDuration: float seconds, else a duration such as `1m`; in seconds. */
function parseDuration(name: string, raw: string): number {
  const seconds = asFloat(raw);
  if (Number.isFinite(seconds)) return seconds;
  const parsed = durationSeconds(raw);
  if (parsed !== undefined) return parsed;
  return badData(`invalid parameter ${quote(name)}: cannot parse ${quote(raw)} to a valid duration`);
}

/**
 * The series a selector picks. `param` says which parameter it came from: Prometheus words the
 * "every matcher matches the empty string" refusal differently for `query` and `match[]`.
 */
function selected(
  all: readonly FakeSeries[],
  promql: string | null,
  param: "query" | "match[]",
): FakeSeries[] {
  const matchers = promql === null ? undefined : parseSelector(promql);
  if (!matchers) badData("the fake Prometheus evaluates series selectors only; pass `handler` for more");
  // Prometheus refuses such selectors rather than return every series of the TSDB.
  if (!hasNonEmptyMatcher(matchers)) {
    badData(
      param === "query"
        ? "vector selector must contain at least one non-empty matcher"
        : "match[] must contain at least one non-empty matcher",
    );
  }
  return all.filter((s) => matches(s.labels, matchers));
}

/** The series any `match[]` picks, each once; every series when there is no `match[]`. */
function matchedSeries(all: readonly FakeSeries[], params: URLSearchParams): readonly FakeSeries[] {
  const selectors = params.getAll("match[]");
  if (selectors.length === 0) return all;
  return [...new Set(selectors.flatMap((m) => selected(all, m, "match[]")))];
}

function instantQuery(all: readonly FakeSeries[], params: URLSearchParams, now: number): FakeAnswer {
  // A missing or empty `time` is "now", as Prometheus' parseTimeParam.
  const raw = params.get("time");
  const time = raw === null || raw === "" ? now : parseTime("time", raw);
  const result = selected(all, params.get("query"), "query").flatMap((s) => {
    const sample = sampleAt(s, time, LOOKBACK_SECONDS);
    return sample ? [{ metric: s.labels, value: [time, formatSampleValue(sample[1])] }] : [];
  });
  return success({ resultType: "vector", result });
}

function rangeQuery(all: readonly FakeSeries[], params: URLSearchParams): FakeAnswer {
  // Checked in Prometheus' order, all before the query is parsed or evaluated.
  const start = parseTime("start", params.get("start") ?? "");
  const end = parseTime("end", params.get("end") ?? "");
  if (end < start) badData("end timestamp must not be before start time");
  const step = parseDuration("step", params.get("step") ?? "");
  if (!(step > 0)) {
    badData("zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (Math.floor((end - start) / step) > MAX_POINTS) {
    badData(
      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    );
  }
  const result = selected(all, params.get("query"), "query").flatMap((s) => {
    const values: Array<[number, string]> = [];
    for (let i = 0; start + i * step <= end; i++) {
      const t = start + i * step;
      const sample = sampleAt(s, t, LOOKBACK_SECONDS);
      if (sample) values.push([t, formatSampleValue(sample[1])]);
    }
    return values.length > 0 ? [{ metric: s.labels, values }] : [];
  });
  return success({ resultType: "matrix", result });
}

function route(
  all: readonly FakeSeries[],
  path: string,
  params: URLSearchParams,
  now: number,
): FakeAnswer | undefined {
  if (path === "/api/v1/query") return instantQuery(all, params, now);
  if (path === "/api/v1/query_range") return rangeQuery(all, params);
  if (path === "/api/v1/series") {
    if (params.getAll("match[]").length === 0) badData("no match[] parameter provided");
    const found = new Map(matchedSeries(all, params).map((s) => [JSON.stringify(s.labels), s.labels]));
    return success([...found.values()]);
  }
  if (path === "/api/v1/labels") {
    return success([...new Set(matchedSeries(all, params).flatMap((s) => Object.keys(s.labels)))].sort());
  }
  const values = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(path);
  if (values) {
    // Prometheus 3 reads a `U__`-escaped name (how promfleet sends names that are not legacy).
    const name = unescapeLabelName(decodeURIComponent(values[1]!));
    const found = matchedSeries(all, params).flatMap((s) =>
      s.labels[name] === undefined ? [] : [s.labels[name]],
    );
    return success([...new Set(found)].sort());
  }
  if (path === "/api/v1/status/buildinfo") {
    return success({
      version: "0.0.0-fake",
      revision: "fake",
      branch: "fake",
      buildUser: "",
      buildDate: "",
      goVersion: "",
    });
  }
  return undefined;
}

/** Answers the read endpoints the fake knows from canned series; undefined for an unknown path. */
export function answerFromSeries(
  all: readonly FakeSeries[],
  path: string,
  params: URLSearchParams,
  now: number,
): FakeAnswer | undefined {
  try {
    return route(all, path, params, now);
  } catch (error) {
    if (error instanceof BadData) return errorAnswer(400, "bad_data", error.message);
    throw error;
  }
}

/** Routes Prometheus serves on GET only: a POST there is refused by its router with a 405. */
const GET_ONLY =
  /^\/api\/v1\/(?:label\/[^/]+\/values|status\/[^/]+|targets|targets\/metadata|rules|alerts|alertmanagers|metadata)$/;

/** The router's 405 for a POST to a GET-only route (Go's http.Error text); undefined otherwise. */
export function methodNotAllowed(method: string, path: string): FakeAnswer | undefined {
  return method === "POST" && GET_ONLY.test(path) ? { status: 405, body: "Method Not Allowed\n" } : undefined;
}
