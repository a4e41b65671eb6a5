import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FakeSeries } from "./selector.ts";
import { answerFromSeries, errorAnswer, type FakeAnswer, methodNotAllowed } from "./wire.ts";

/** A request the fake received: method, path and parameters (query string and form body merged). */
export interface FakeRequest {
  /** The HTTP method, e.g. `POST` for promfleet's queries. */
  method: string;
  /** The URL path, e.g. `/api/v1/query`. */
  path: string;
  /**
   * The parameters (`query`, `time`, `timeout`, ...) as Prometheus reads them: a POST body's when
   * it is `application/x-www-form-urlencoded` (any other body is ignored), then the URL's.
   */
  params: URLSearchParams;
  /** The request headers, lower-case names (`authorization` included: it is your test's token). */
  headers: Record<string, string | string[] | undefined>;
}

/** Options of {@link startFakePrometheus}. */
export interface FakePrometheusOptions {
  /**
   * Canned series, answered by query, query_range, series, labels and label values (which
   * honour `match[]`), with Prometheus' refusals: 400 bad_data for an unparseable `time`,
   * `start`, `end` or `step`, a range of more than 11,000 points per series, a selector whose
   * matchers all match the empty string, or a series request without `match[]`.
   */
  series?: FakeSeries[];
  /**
   * Your own answers, asked first for every request not failed by `failNext` (`/-/healthy`,
   * `/-/ready` and GET-only routes included): return one to override the canned behaviour, or
   * undefined to fall through.
   */
  handler?: (request: FakeRequest) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;
  /** Added latency per request, in ms; requests still waiting when the fake closes get no answer. */
  latencyMs?: number;
  /** The "now" of instant queries without `time`, in unix seconds; defaults to the clock. */
  now?: () => number;
}

/** A running fake Prometheus on a loopback port. */
export interface FakePrometheus {
  /** Base URL to pass to `PrometheusClient` or a cluster registry. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Replaces the canned series. */
  setSeries(series: FakeSeries[]): void;
  /**
   * Answers the next `count` requests with this status and body (e.g. a 503, a 401 text), before
   * your handler; a count of 0 or less fails none.
   */
  failNext(count: number, answer: FakeAnswer): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/**
 * The request's parameters as Go's `r.Form`: the body's first, then the query string's, so `get`
 * returns the body's value as `r.FormValue` does. Like Go's ParseForm, only a POST body labelled
 * `application/x-www-form-urlencoded` counts; any other body is ignored.
 */
async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const isForm = req.method === "POST" && type === "application/x-www-form-urlencoded";
  if (!isForm) return new URLSearchParams(url.search);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  for (const [k, v] of url.searchParams) params.append(k, v);
  return params;
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status, { "content-length": 0 });
    res.end();
    return;
  }
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(answer.status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Waits `ms`, or until the response closes first (its socket dropped, as by `close()`): then the
 * timer is cleared, so no timer outlives the server, and the result is false (nothing to answer).
 */
function delay(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    res.once("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Prometheus' own texts for its health and readiness probes. */
const PROBES: Record<string, string> = {
  "/-/healthy": "Prometheus Server is Healthy.\n",
  "/-/ready": "Prometheus Server is Ready.\n",
};

/**
 * Starts a small fake Prometheus on 127.0.0.1 for your own tests: canned series answered by the
 * read endpoints (series selectors only) with the HTTP API's parameter parsing and refusals, your
 * own handler for anything else, injected failures, and a log of requests. Like Prometheus, it
 * answers a POST to a GET-only route (label values, status, targets, rules, alerts,
 * alertmanagers, metadata) with 405, the probes with "Prometheus Server is Healthy." / "Ready.",
 * and reads the label name of `/api/v1/label/<name>/values` in Prometheus 3's `U__` escaping.
 * No dependency beyond Node.
 *
 * @example
 * ```ts
 * import { startFakePrometheus } from "promfleet/testing";
 * const fake = await startFakePrometheus({
 *   series: [{ labels: { __name__: "up", job: "api" }, samples: [[1700000000, 1]] }],
 * });
 * const client = new PrometheusClient({ url: fake.url });
 * await client.query("up", { time: 1700000000 });
 * await fake.close();
 * ```
 */
export async function startFakePrometheus(options: FakePrometheusOptions = {}): Promise<FakePrometheus> {
  let series = options.series ?? [];
  const failures: Array<{ remaining: number; answer: FakeAnswer }> = [];
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const now = options.now ?? (() => Date.now() / 1000);

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://fake");
      const request: FakeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        params: await readParams(req, url),
        headers: req.headers,
      };
      requests.push(request);
      if (options.latencyMs && !(await delay(res, options.latencyMs))) return;
      const failure = failures[0];
      if (failure) {
        if (--failure.remaining <= 0) failures.shift();
        send(res, failure.answer);
        return;
      }
      const probe = PROBES[request.path];
      const answer =
        (await options.handler?.(request)) ??
        methodNotAllowed(request.method, request.path) ??
        (probe === undefined ? undefined : { status: 200, body: probe }) ??
        answerFromSeries(series, request.path, request.params, now()) ??
        errorAnswer(404, "not_found", `the fake Prometheus does not serve ${request.path}`);
      send(res, answer);
    } catch (error) {
      send(res, errorAnswer(500, "internal", `fake handler failed: ${(error as Error).message}`));
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setSeries(next) {
      series = next;
    },
    failNext(count, answer) {
      // A count of 0 (or less) fails nothing; queued, it would still fail one request.
      if (count > 0) failures.push({ remaining: count, answer });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
