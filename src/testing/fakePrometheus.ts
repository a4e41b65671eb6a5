import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { FakeSeries } from "./selector.ts";
import { answerFromSeries, errorAnswer, type FakeAnswer } from "./wire.ts";

/** A request the fake received: method, path and parameters (query string and form body merged). */
export interface FakeRequest {
  /** The HTTP method, e.g. `POST` for promfleet's queries. */
  method: string;
  /** The URL path, e.g. `/api/v1/query`. */
  path: string;
  /** The URL's query parameters and the form body's, merged (`query`, `time`, `timeout`, ...). */
  params: URLSearchParams;
  /** The request headers, lower-case names (`authorization` included: it is your test's token). */
  headers: Record<string, string | string[] | undefined>;
}

/** Options of {@link startFakePrometheus}. */
export interface FakePrometheusOptions {
  /** Canned series, answered by query, query_range, series, labels and label values. */
  series?: FakeSeries[];
  /** Your own answers: return one to override the canned behaviour, or undefined to fall through. */
  handler?: (request: FakeRequest) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;
  /** Added latency per request, in ms. */
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
  /** Answers the next `count` requests with this status and body (e.g. a 503, a 401 text). */
  failNext(count: number, answer: FakeAnswer): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

async function readParams(req: IncomingMessage, url: URL): Promise<URLSearchParams> {
  const params = new URLSearchParams(url.search);
  if (req.method === "POST") {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) params.append(k, v);
  }
  return params;
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(answer.status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts a small fake Prometheus on 127.0.0.1 for your own tests: canned series answered by the
 * read endpoints (series selectors only), your own handler for anything else, injected
 * failures, and a log of requests. No dependency beyond Node.
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
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      const failure = failures[0];
      if (failure) {
        if (--failure.remaining <= 0) failures.shift();
        send(res, failure.answer);
        return;
      }
      if (request.path === "/-/healthy" || request.path === "/-/ready") {
        send(res, { status: 200, body: "Prometheus is Ready.\n" });
        return;
      }
      const answer =
        (await options.handler?.(request)) ??
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
      failures.push({ remaining: count, answer });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
