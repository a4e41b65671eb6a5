import fc from "fast-check";
import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { labelNameForPath } from "../../src/client/series.ts";
import { InvalidArgumentError, type PrometheusClient } from "../../src/index.ts";
import { BASE, goText, makeClient, mockPrometheus, record, rejection, type SeenRequest } from "./promMock.ts";

/** Request building and argument checks of the non-query endpoints (answers are msw's). */

const server = mockPrometheus();

/** Records every request to any path under BASE and answers `data`. */
function answerAll(log: SeenRequest[], data: unknown = []) {
  server.use(record(`${BASE}/*`, log, () => HttpResponse.json({ status: "success", data })));
}

/** The parameters a request carried, from its body (POST) or query string (GET), as [name, value] pairs. */
function params(request: SeenRequest | undefined): Array<[string, string]> {
  if (!request) throw new Error("no request was recorded");
  return [...(request.method === "POST" ? request.form : request.url.searchParams)];
}

describe("request parameters", () => {
  it("series(): form POST with repeated match[], start, end and limit", async () => {
    const log: SeenRequest[] = [];
    answerAll(log);
    await makeClient().series(['up{job="a"}', "process_start_time_seconds"], {
      start: new Date("2023-11-14T22:13:20Z"),
      end: "2023-11-14T23:13:20Z",
      limit: 10,
    });
    expect(log[0]?.method).toBe("POST");
    expect(log[0]?.url.pathname).toBe("/api/v1/series");
    expect(params(log[0])).toEqual([
      ["match[]", 'up{job="a"}'],
      ["match[]", "process_start_time_seconds"],
      ["start", "1700000000"],
      ["end", "1700003600"],
      ["limit", "10"],
    ]);
    // No Prometheus `timeout` parameter: only the query endpoints take one.
    expect(log[0]?.form.has("timeout")).toBe(false);
  });

  it("series() takes one selector as a string; namespace goes in the URL and forces GET", async () => {
    const log: SeenRequest[] = [];
    answerAll(log);
    await makeClient().series("up", { namespace: "team-a", params: { dedup: true } });
    expect(log[0]?.method).toBe("GET");
    expect(params(log[0])).toEqual([
      ["namespace", "team-a"],
      ["match[]", "up"],
      ["dedup", "true"],
    ]);
  });

  it("series() falls back to GET when POST is refused, and stays on GET", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(`${BASE}/api/v1/series`, log, (r) =>
        r.method === "POST"
          ? goText(405, "Method Not Allowed")
          : HttpResponse.json({ status: "success", data: [] }),
      ),
    );
    const client = makeClient();
    await client.series(["up"]);
    await client.series(["up"]);
    expect(log.map((r) => r.method)).toEqual(["POST", "GET", "GET"]);
    expect(params(log[2])).toEqual([["match[]", "up"]]);
  });

  it("labelNames(): form POST with optional match[], start, end, limit and extra parameters (sorted)", async () => {
    const log: SeenRequest[] = [];
    answerAll(log);
    const client = makeClient();
    await client.labelNames();
    await client.labelNames({ match: "up", start: 1, end: 2.5, limit: 0, params: { z: "1", a: ["x", "y"] } });
    expect(log[0]?.method).toBe("POST");
    expect(log[0]?.url.pathname).toBe("/api/v1/labels");
    expect(params(log[0])).toEqual([]);
    expect(params(log[1])).toEqual([
      ["match[]", "up"],
      ["start", "1"],
      ["end", "2.5"],
      ["limit", "0"],
      ["a", "x"],
      ["a", "y"],
      ["z", "1"],
    ]);
  });

  it("labelValues(): GET on the label's path, with match[], start, end and limit", async () => {
    const log: SeenRequest[] = [];
    answerAll(log);
    await makeClient().labelValues("job", { match: ["up", "down"], start: 1, limit: 3 });
    expect(log[0]?.method).toBe("GET");
    expect(log[0]?.url.pathname).toBe("/api/v1/label/job/values");
    expect(params(log[0])).toEqual([
      ["match[]", "up"],
      ["match[]", "down"],
      ["start", "1"],
      ["limit", "3"],
    ]);
  });

  it("labelValues(): names that are not legacy identifiers are U__-escaped in the path", async () => {
    const log: SeenRequest[] = [];
    answerAll(log);
    const client = makeClient();
    for (const name of ["http.status_code", "a/b", "U__x", "1st", "🚀", "job:x"])
      await client.labelValues(name);
    expect(log.map((r) => r.url.pathname)).toEqual([
      "/api/v1/label/U__http_2e_status__code/values",
      "/api/v1/label/U__a_2f_b/values",
      "/api/v1/label/U__U____x/values",
      "/api/v1/label/U___31_st/values",
      "/api/v1/label/U___1f680_/values",
      "/api/v1/label/job%3Ax/values",
    ]);
  });

  it("metadata(), targetsMetadata(), targets(): GET with their filters", async () => {
    const log: SeenRequest[] = [];
    answerAll(log, {});
    const client = makeClient();
    await client.metadata({ metric: "up", limit: 5, limitPerMetric: 1 });
    server.use(
      record(`${BASE}/api/v1/targets/metadata`, log, () =>
        HttpResponse.json({ status: "success", data: [] }),
      ),
    );
    await client.targetsMetadata({ matchTarget: '{job="api"}', metric: "up", limit: 2 });
    server.use(
      record(`${BASE}/api/v1/targets`, log, () =>
        HttpResponse.json({ status: "success", data: { activeTargets: [], droppedTargets: [] } }),
      ),
    );
    await client.targets({ state: "active", scrapePool: "api" });
    expect(log.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      "GET /api/v1/metadata",
      "GET /api/v1/targets/metadata",
      "GET /api/v1/targets",
    ]);
    expect(params(log[0])).toEqual([
      ["metric", "up"],
      ["limit", "5"],
      ["limit_per_metric", "1"],
    ]);
    expect(params(log[1])).toEqual([
      ["match_target", '{job="api"}'],
      ["metric", "up"],
      ["limit", "2"],
    ]);
    expect(params(log[2])).toEqual([
      ["state", "active"],
      ["scrapePool", "api"],
    ]);
  });

  it("rules(): every filter, repeated where Prometheus repeats it", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(`${BASE}/api/v1/rules`, log, () =>
        HttpResponse.json({ status: "success", data: { groups: [] } }),
      ),
    );
    await makeClient().rules({
      type: "alert",
      ruleName: ["A", "B"],
      ruleGroup: "g",
      file: ["/r.yml"],
      excludeAlerts: true,
      match: ['{severity="page"}'],
      groupLimit: 10,
      groupNextToken: "abc",
      namespace: "team-a",
    });
    expect(log[0]?.method).toBe("GET");
    expect(params(log[0])).toEqual([
      ["namespace", "team-a"],
      ["type", "alert"],
      ["rule_name[]", "A"],
      ["rule_name[]", "B"],
      ["rule_group[]", "g"],
      ["file[]", "/r.yml"],
      ["exclude_alerts", "true"],
      ["match[]", '{severity="page"}'],
      ["group_limit", "10"],
      ["group_next_token", "abc"],
    ]);
  });

  it("alerts(), alertmanagers() and the status endpoints: GET on their paths", async () => {
    const log: SeenRequest[] = [];
    const answers: Record<string, unknown> = {
      alerts: { alerts: [] },
      alertmanagers: { activeAlertmanagers: [], droppedAlertmanagers: [] },
      "status/buildinfo": { version: "3.0.0" },
      "status/runtimeinfo": {},
      "status/flags": {},
      "status/config": { yaml: "" },
      "status/tsdb": {},
      "status/walreplay": { min: 0, max: 0, current: 0 },
    };
    server.use(
      record(`${BASE}/api/v1/*`, log, (r) =>
        HttpResponse.json({ status: "success", data: answers[r.url.pathname.slice("/api/v1/".length)] }),
      ),
    );
    const client = makeClient();
    await client.alerts({ namespace: "team-a" });
    await client.alertmanagers();
    await client.buildInfo();
    await client.runtimeInfo();
    await client.flags();
    await client.config();
    await client.tsdbStatus({ limit: 20 });
    await client.walReplay();
    expect(log.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      "GET /api/v1/alerts?namespace=team-a",
      "GET /api/v1/alertmanagers",
      "GET /api/v1/status/buildinfo",
      "GET /api/v1/status/runtimeinfo",
      "GET /api/v1/status/flags",
      "GET /api/v1/status/config",
      "GET /api/v1/status/tsdb?limit=20",
      "GET /api/v1/status/walreplay",
    ]);
  });

  it("queryExemplars() and formatQuery(): form POST with the query", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(`${BASE}/api/v1/query_exemplars`, log, () => HttpResponse.json({ status: "success", data: [] })),
      record(`${BASE}/api/v1/format_query`, log, () =>
        HttpResponse.json({ status: "success", data: "foo / bar" }),
      ),
    );
    const client = makeClient();
    await client.queryExemplars("rate(x[5m])", { start: 10, end: 20 });
    expect((await client.formatQuery("foo/bar")).data).toBe("foo / bar");
    expect(log.map((r) => r.method)).toEqual(["POST", "POST"]);
    expect(params(log[0])).toEqual([
      ["query", "rate(x[5m])"],
      ["start", "10"],
      ["end", "20"],
    ]);
    expect(params(log[1])).toEqual([["query", "foo/bar"]]);
  });
});

describe("argument checks, before any request", () => {
  const cases: Array<[string, (c: PrometheusClient) => Promise<unknown>, string]> = [
    ["no matchers", (c) => c.series([]), "matchers"],
    ["matchers not a list", (c) => c.series(5 as unknown as string[]), "matchers"],
    ["an empty matcher", (c) => c.series(["up", " "]), "matchers"],
    ["start after end", (c) => c.series(["up"], { start: 20, end: 10 }), "start"],
    ["a bad start", (c) => c.labelNames({ start: "yesterday" }), "start"],
    ["a bad end", (c) => c.labelNames({ end: Number.NaN }), "end"],
    ["a negative limit", (c) => c.series(["up"], { limit: -1 }), "limit"],
    ["a fractional limit", (c) => c.labelNames({ limit: 1.5 }), "limit"],
    ["match not a list", (c) => c.labelNames({ match: {} as unknown as string }), "match"],
    ["an empty label name", (c) => c.labelValues(""), "name"],
    ["a label name not a string", (c) => c.labelValues(7 as unknown as string), "name"],
    ["a bad namespace", (c) => c.labelValues("job", { namespace: "Team A" }), "namespace"],
    ["options not an object", (c) => c.labelNames("x" as unknown as object), "options"],
    ["an empty metric", (c) => c.metadata({ metric: "" }), "metric"],
    ["a bad limitPerMetric", (c) => c.metadata({ limitPerMetric: -2 }), "limitPerMetric"],
    ["an empty matchTarget", (c) => c.targetsMetadata({ matchTarget: "" }), "matchTarget"],
    ["an unknown target state", (c) => c.targets({ state: "up" as "any" }), "state"],
    ["an empty scrape pool", (c) => c.targets({ scrapePool: "" }), "scrapePool"],
    ["an unknown rule type", (c) => c.rules({ type: "alerts" as "alert" }), "type"],
    ["ruleName not a list", (c) => c.rules({ ruleName: 3 as unknown as string }), "ruleName"],
    ["an empty rule group", (c) => c.rules({ ruleGroup: [""] }), "ruleGroup"],
    ["a next token without a limit", (c) => c.rules({ groupNextToken: "x" }), "groupNextToken"],
    ["a bad group limit", (c) => c.rules({ groupLimit: -1 }), "groupLimit"],
    ["an empty exemplar query", (c) => c.queryExemplars("", { start: 1, end: 2 }), "query"],
    ["exemplars without options", (c) => c.queryExemplars("up", undefined as never), "options"],
    ["exemplars without end", (c) => c.queryExemplars("up", { start: 1 } as never), "end"],
    ["an empty query to format", (c) => c.formatQuery("  "), "query"],
    ["a bad tsdb limit", (c) => c.tsdbStatus({ limit: -5 }), "limit"],
    ["a bad timeout", (c) => c.buildInfo({ timeout: 0 }), "timeout"],
    ["bad extra params", (c) => c.flags({ params: "x" as never }), "params"],
  ];

  it.each(cases)("%s is refused, naming the argument", async (_, call, argument) => {
    const log: SeenRequest[] = [];
    answerAll(log);
    const error = await rejection(call(makeClient()));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(log).toEqual([]);
  });

  it("a closed client refuses calls", async () => {
    const client = makeClient();
    await client.close();
    await expect(client.series(["up"])).rejects.toThrow(/closed/);
    await expect(client.health()).rejects.toThrow(/closed/);
  });
});

/** Go's model.UnescapeName for the value-encoding scheme, as Prometheus 3 applies it to the path. */
function goUnescape(name: string): string {
  if (!name.startsWith("U__")) return name;
  const body = name.slice(3);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "_") {
      out += body[i];
      continue;
    }
    i++;
    if (body[i] === "_") {
      out += "_";
      continue;
    }
    const end = body.indexOf("_", i);
    if (end < 0 || end - i > 6) return name;
    out += String.fromCodePoint(Number.parseInt(body.slice(i, end), 16));
    i = end;
  }
  return out;
}

describe("labelNameForPath", () => {
  it("Prometheus 3 unescapes it to the same name, for any name", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }), (name) => {
        const escaped = labelNameForPath(name);
        expect(escaped).toMatch(/^[a-zA-Z0-9_:]+$/);
        expect(goUnescape(escaped)).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps legacy names as they are, and maps a lone surrogate to U+FFFD as Go does", () => {
    expect(labelNameForPath("job")).toBe("job");
    expect(labelNameForPath("__name__")).toBe("__name__");
    expect(labelNameForPath("a\ud800")).toBe("U__a_fffd_");
  });
});
