/**
 * What the benchmark races: the same request made by plain `fetch` (the baseline `res.json()`
 * and the transport floor `arrayBuffer()`), by promfleet with all of its layers (auth,
 * deadline, size cap, decoder), and by the npm package prometheus-query.
 */
import http from "node:http";
import { PrometheusDriver } from "prometheus-query";
import { PrometheusClient } from "../src/index.ts";
import { type BodySpec, RANGE } from "./suite.ts";

/** The names used to find rows in results. */
export const BASELINE = "fetch + res.json() (baseline)";
/** promfleet's row. */
export const PROMFLEET = "promfleet";
/** The transport floor's row. */
export const FLOOR = "fetch + arrayBuffer() (floor)";
/** The peer library's row. */
export const PEER = "prometheus-query";

/** One way of making the request; `run` resolves to the decoded result (held for memory figures). */
export interface Contestant {
  name: string;
  run: (body: BodySpec) => Promise<unknown>;
}

/** The form a range or instant query sends, as promfleet sends it. */
function form(body: BodySpec): URLSearchParams {
  const params = new URLSearchParams({ query: body.name });
  if (body.kind === "matrix") {
    params.set("start", String(RANGE.start));
    params.set("end", String(RANGE.start + body.points * RANGE.step));
    params.set("step", String(RANGE.step));
  } else {
    params.set("time", String(RANGE.start));
  }
  return params;
}

function endpoint(base: string, body: BodySpec): string {
  return `${base}/api/v1/${body.kind === "matrix" ? "query_range" : "query"}`;
}

async function post(base: string, body: BodySpec): Promise<Response> {
  const res = await fetch(endpoint(base, body), {
    method: "POST",
    body: form(body),
    headers: { accept: "application/json" },
  });
  if (!res.ok) throw new Error(`bench server answered ${res.status}`);
  return res;
}

/** The contestants against a server at `base`; `close` releases their connections. */
export function contestants(base: string): { list: Contestant[]; close: () => Promise<void> } {
  const client = new PrometheusClient({ url: base, timeout: 120_000 });
  const driver = new PrometheusDriver({ endpoint: base, timeout: 120_000 });
  const list: Contestant[] = [
    { name: BASELINE, run: async (body) => (await post(base, body)).json() },
    { name: FLOOR, run: async (body) => (await post(base, body)).arrayBuffer() },
    {
      name: PROMFLEET,
      run: (body) =>
        body.kind === "matrix"
          ? client.queryRange(body.name, {
              start: RANGE.start,
              end: RANGE.start + body.points * RANGE.step,
              step: RANGE.step,
            })
          : client.query(body.name, { time: RANGE.start }),
    },
    {
      name: PEER,
      run: (body) =>
        body.kind === "matrix"
          ? driver.rangeQuery(
              body.name,
              RANGE.start * 1000,
              (RANGE.start + body.points * RANGE.step) * 1000,
              RANGE.step,
            )
          : driver.instantQuery(body.name, RANGE.start * 1000),
    },
  ];
  return { list, close: () => client.close() };
}

/**
 * Closes idle keep-alive sockets of Node's http agent, which axios (hence prometheus-query)
 * uses: a free socket keeps its last response alive until it is reused or times out (5 s), and
 * that would count against whichever client is measured next.
 */
export function dropIdleSockets(): void {
  http.globalAgent.destroy();
}
