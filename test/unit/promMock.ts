import { HttpResponse, http } from "msw";
import { type SetupServer, setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { PrometheusClient, type PrometheusClientOptions } from "../../src/index.ts";

/**
 * Shared msw plumbing for the transport, decoding and error unit tests: a mocked Prometheus at
 * BASE, a recorder of what the client sent, and clients that are closed after each test.
 */

/** Base URL of the mocked Prometheus (never resolved: msw answers before any socket opens). */
export const BASE = "http://prom.test";

/** The instant-query endpoint under BASE. */
export const QUERY_URL = `${BASE}/api/v1/query`;

/** The range-query endpoint under BASE. */
export const RANGE_URL = `${BASE}/api/v1/query_range`;

/** An empty successful vector answer. */
export const EMPTY_VECTOR = { status: "success", data: { resultType: "vector", result: [] } } as const;

/** What the client sent in one request, as the server saw it. */
export interface SeenRequest {
  method: string;
  url: URL;
  /** The form body of a POST (empty for GET). */
  form: URLSearchParams;
  /** The raw body text. */
  body: string;
  headers: Headers;
}

/** Reads what the server received. */
export async function seen(request: Request): Promise<SeenRequest> {
  const body = request.method === "POST" ? await request.text() : "";
  return {
    method: request.method,
    url: new URL(request.url),
    form: new URLSearchParams(body),
    body,
    headers: request.headers,
  };
}

/**
 * Starts msw for the calling test file (unhandled requests fail the test) and resets handlers
 * after each test.
 */
export function mockPrometheus(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

const open: PrometheusClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** A client on BASE (or `options.url`) with fast retries, closed after the test. */
export function makeClient(options: Partial<PrometheusClientOptions> = {}): PrometheusClient {
  const client = new PrometheusClient({ url: BASE, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
  open.push(client);
  return client;
}

/** A handler answering any method on `url` with `respond`, recording every request into `log`. */
export function record(
  url: string,
  log: SeenRequest[],
  respond: (request: SeenRequest, index: number) => Response | Promise<Response> = () =>
    HttpResponse.json(EMPTY_VECTOR),
) {
  return http.all(url, async ({ request }) => {
    const s = await seen(request);
    log.push(s);
    return respond(s, log.length - 1);
  });
}

/** Plain-text answer as Go's http.Error writes it (kube-rbac-proxy, Prometheus' own 404). */
export function goText(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new HttpResponse(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** A JSON answer with any status. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, { status, headers });
}

/** Awaits a promise that must reject, and returns its reason (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
