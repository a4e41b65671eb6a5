import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";

/**
 * A tiny bounded HTTP(S) client for the launchers' readiness probes and the smoke tests. It uses node:http
 * rather than fetch because it must present client certificates and trust a test CA without undici, and
 * it uses no agent, so no keep-alive socket outlives the call.
 */

/** TLS material for a request, as PEM strings. */
export interface ClientTls {
  /** CA bundle that verifies the server. */
  ca?: string;
  /** Client certificate (mTLS). */
  cert?: string;
  /** Client key (mTLS). */
  key?: string;
  /** Name checked against the server certificate (defaults to the URL's host). */
  servername?: string;
  /** Set false to accept any server certificate. */
  rejectUnauthorized?: boolean;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  /** HTTP method; GET by default. */
  method?: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Request body. */
  body?: string;
  /** TLS options for https URLs. */
  tls?: ClientTls;
  /** Basic-auth credentials, sent as an Authorization header. */
  basicAuth?: { username: string; password: string };
  /** Bound on the whole exchange, body included; 5 s by default. */
  timeoutMs?: number;
}

/** A complete response. */
export interface HttpResponse {
  /** Status code. */
  status: number;
  /** Response headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** Body as UTF-8 text. */
  body: string;
}

/** The Authorization header value for basic auth. */
export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** Performs one request and reads the whole body; rejects on network/TLS errors or after `timeoutMs`. */
export function httpRequest(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.basicAuth) {
    headers.authorization = basicAuthHeader(options.basicAuth.username, options.basicAuth.password);
  }
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  const timeoutMs = options.timeoutMs ?? 5000;

  return new Promise((resolve, reject) => {
    const common = { method: options.method ?? "GET", headers, agent: false as const };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      // A body cut short (connection destroyed before Content-Length bytes) must not look complete.
      res.on("close", () => {
        if (!res.complete) fail(new Error(`${common.method} ${target.href}: response body cut short`));
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    };
    const req =
      target.protocol === "https:"
        ? https.request(target, { ...common, ...options.tls }, onResponse)
        : http.request(target, common, onResponse);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    const timer = setTimeout(() => {
      req.destroy(new Error(`${common.method} ${target.href}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", fail);
    req.end(options.body);
  });
}

/** GETs `url` and parses the body as JSON, failing on a non-2xx status with the body in the message. */
export async function getJson<T = unknown>(url: string | URL, options: HttpRequestOptions = {}): Promise<T> {
  const res = await httpRequest(url, options);
  if (res.status < 200 || res.status > 299) {
    throw new Error(`GET ${new URL(url).pathname}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  }
  return JSON.parse(res.body) as T;
}
