import { formatSampleValue } from "../decode/numbers.ts";
import { type FakeSeries, matches, parseSelector, sampleAt } from "./selector.ts";

/** PromQL's default lookback: a sample older than this is not "current". */
const LOOKBACK_SECONDS = 300;

/** An answer of the fake: HTTP status and JSON body. */
export interface FakeAnswer {
  /** The HTTP status. */
  status: number;
  /** The body, sent as JSON (e.g. `{ status: "success", data: ... }`). */
  body: unknown;
}

/** Prometheus' error envelope. */
export function errorAnswer(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: "error", errorType, error } };
}

function success(data: unknown): FakeAnswer {
  return { status: 200, body: { status: "success", data } };
}

function selected(all: readonly FakeSeries[], promql: string | null): FakeSeries[] | FakeAnswer {
  const matchers = promql === null ? undefined : parseSelector(promql);
  if (!matchers) {
    return errorAnswer(
      400,
      "bad_data",
      "the fake Prometheus evaluates series selectors only; pass `handler` for more",
    );
  }
  return all.filter((s) => matches(s.labels, matchers));
}

function num(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const parsed = /^\d/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
  return Number.isNaN(parsed) ? fallback : parsed;
}

/** Answers the read endpoints the fake knows from canned series; undefined for an unknown path. */
export function answerFromSeries(
  all: readonly FakeSeries[],
  path: string,
  params: URLSearchParams,
  now: number,
): FakeAnswer | undefined {
  if (path === "/api/v1/query") {
    const chosen = selected(all, params.get("query"));
    if (!Array.isArray(chosen)) return chosen;
    const time = num(params, "time", now);
    const result = chosen.flatMap((s) => {
      const sample = sampleAt(s, time, LOOKBACK_SECONDS);
      return sample ? [{ metric: s.labels, value: [time, formatSampleValue(sample[1])] }] : [];
    });
    return success({ resultType: "vector", result });
  }
  if (path === "/api/v1/query_range") {
    const chosen = selected(all, params.get("query"));
    if (!Array.isArray(chosen)) return chosen;
    const start = num(params, "start", now);
    const end = num(params, "end", now);
    const step = num(params, "step", 0);
    if (!(step > 0) || start > end) return errorAnswer(400, "bad_data", "invalid start, end or step");
    const result = chosen.flatMap((s) => {
      const values: Array<[number, string]> = [];
      for (let t = start; t <= end; t += step) {
        const sample = sampleAt(s, t, LOOKBACK_SECONDS);
        if (sample) values.push([t, formatSampleValue(sample[1])]);
      }
      return values.length > 0 ? [{ metric: s.labels, values }] : [];
    });
    return success({ resultType: "matrix", result });
  }
  if (path === "/api/v1/series") {
    const found = new Map<string, Record<string, string>>();
    for (const m of params.getAll("match[]")) {
      const chosen = selected(all, m);
      if (!Array.isArray(chosen)) return chosen;
      for (const s of chosen) found.set(JSON.stringify(s.labels), s.labels);
    }
    return success([...found.values()]);
  }
  if (path === "/api/v1/labels") {
    return success([...new Set(all.flatMap((s) => Object.keys(s.labels)))].sort());
  }
  const values = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(path);
  if (values) {
    const name = decodeURIComponent(values[1]!);
    const set = new Set(all.flatMap((s) => (s.labels[name] === undefined ? [] : [s.labels[name]])));
    return success([...set].sort());
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
