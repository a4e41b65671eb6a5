import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { listenOnLoopback } from "./loopbackListener.ts";

/**
 * A bearer-checking reverse proxy that answers like kube-rbac-proxy in front of OpenShift monitoring.
 * Its error answers are Go's `http.Error`: `text/plain; charset=utf-8`, `X-Content-Type-Options: nosniff`,
 * the message plus "\n". It checks, in order: token (401), in tenancy mode the `namespace` query parameter
 * (400) and POST (405), then the verb (403), and forwards. It does not rewrite PromQL the way
 * prom-label-proxy enforces the namespace label: the upstream sees the query as sent.
 */

/** A verb kube-rbac-proxy derives from the HTTP method (GET/HEAD → get, POST → create). */
export type RbacVerb = "get" | "create";

/** What a token may do. */
export interface RbacEntry {
  /** The user name reported in 403 messages. */
  user: string;
  /** Allowed verbs. */
  verbs: RbacVerb[];
  /** Tenancy mode only: namespaces this token may read (all when absent). */
  namespaces?: string[];
}

/** Options of {@link startRbacProxy}. */
export interface RbacProxyOptions {
  /** Upstream base URL; a path prefix is kept (`http://127.0.0.1:9090/prom`). */
  upstream: string;
  /** Accepted bearer tokens. */
  tokens: Record<string, RbacEntry>;
  /** Emulate the tenancy port (9092): `namespace` query parameter required, POST refused. */
  tenancy?: boolean;
  /** TLS for an https upstream (PEM strings). */
  upstreamTls?: {
    ca?: string;
    cert?: string;
    key?: string;
    servername?: string;
    rejectUnauthorized?: boolean;
  };
  /** Serve HTTPS with this certificate (PEM strings), as the real proxies do. */
  tls?: { cert: string; key: string };
}

/** One request the proxy saw. The token itself is never stored. */
export interface RbacRequestRecord {
  /** HTTP method. */
  method: string;
  /** URL path. */
  path: string;
  /** URL query string including "?", or "". */
  search: string;
  /** Whether an Authorization header was present. */
  authorization: boolean;
  /** Status the proxy answered with (set when the answer starts; 0 before). */
  status: number;
}

/** A running proxy. */
export interface RbacProxy {
  /** Base URL (`http://127.0.0.1:PORT` or https). */
  readonly url: string;
  /** Listening port. */
  readonly port: number;
  /** Every request seen, in order. */
  readonly requests: RbacRequestRecord[];
  /** Forget a token: its next use is a 401. */
  revoke(token: string): void;
  /** Add or replace a token. */
  allow(token: string, entry: RbacEntry): void;
  /** Stops listening and destroys open connections (bounded: never waits for clients). */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
]);

/** Go's http.Error. */
function goError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(`${message}\n`);
}

/** Starts the proxy on a free loopback port. */
export async function startRbacProxy(options: RbacProxyOptions): Promise<RbacProxy> {
  const tokens = new Map(Object.entries(options.tokens));
  const requests: RbacRequestRecord[] = [];
  const upstream = new URL(options.upstream);
  const prefix = upstream.pathname.replace(/\/$/, "");

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://proxy.invalid");
    const method = req.method ?? "GET";
    const header = req.headers.authorization;
    const record: RbacRequestRecord = {
      method,
      path: url.pathname,
      search: url.search,
      authorization: header !== undefined,
      status: 0,
    };
    requests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });

    const token = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim();
    const entry = token === undefined ? undefined : tokens.get(token);
    if (!entry) return goError(res, 401, "Unauthorized");
    const verb: string =
      method === "GET" || method === "HEAD" ? "get" : method === "POST" ? "create" : method.toLowerCase();
    let resource = "resource=prometheuses, subresource=api";
    if (options.tenancy) {
      const namespace = url.searchParams.get("namespace");
      if (!namespace) return goError(res, 400, "Bad Request. The request or configuration is malformed.");
      if (method === "POST") return goError(res, 405, "Method Not Allowed");
      resource = "resource=pods, subresource="; // kube-rbac-proxy names no namespace in the message
      if (entry.namespaces && !entry.namespaces.includes(namespace)) {
        return goError(res, 403, `Forbidden (user=${entry.user}, verb=${verb}, ${resource})`);
      }
    }
    if (!(entry.verbs as string[]).includes(verb)) {
      return goError(res, 403, `Forbidden (user=${entry.user}, verb=${verb}, ${resource})`);
    }
    forward(req, res, url);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    const target = new URL(prefix + url.pathname + url.search, upstream);
    const requestOptions = { method: req.method ?? "GET", headers, agent: false as const };
    const upstreamReq =
      target.protocol === "https:"
        ? https.request(target, { ...requestOptions, ...options.upstreamTls })
        : http.request(target, requestOptions);
    upstreamReq.on("response", (upstreamRes) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, out);
      upstreamRes.pipe(res);
      upstreamRes.on("error", () => res.destroy());
    });
    // Like Go's ReverseProxy: an unreachable upstream is a 502 with an empty body.
    upstreamReq.on("error", () => {
      if (!res.headersSent) {
        res.writeHead(502);
        res.end();
      } else {
        res.destroy();
      }
    });
    res.on("close", () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  };

  const server = options.tls ? https.createServer({ ...options.tls }, handle) : http.createServer(handle);
  const listener = await listenOnLoopback(server);
  const port = listener.port;

  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    revoke: (token) => {
      tokens.delete(token);
    },
    allow: (token, entry) => {
      tokens.set(token, entry);
    },
    close: listener.close,
  };
}
