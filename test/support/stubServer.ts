import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopbackListener.ts";

/**
 * A programmable loopback HTTP server for fault tests: what a real Prometheus will not do on demand
 * (stall, drip, cut a body, answer slowly). Handlers clear their timers when the client goes away, and
 * close() destroys every socket, so a test never hangs on a connection the stub keeps open on purpose.
 */

/** Answers one request. */
export type StubHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A running stub. */
export interface StubServer {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Listening port. */
  readonly port: number;
  /** How many requests arrived so far. */
  readonly requests: number;
  /** Replaces the handler for later requests. */
  setHandler(handler: StubHandler): void;
  /** TCP connections currently open to the server, for handle-leak checks (keep-alive counts). */
  openSockets(): number;
  /** Stops listening and destroys every open connection; resolves when the server is closed. */
  close(): Promise<void>;
}

/** A successful Prometheus answer with an empty vector, the default body of the timing handlers. */
export const EMPTY_VECTOR_BODY = { status: "success", data: { resultType: "vector", result: [] } } as const;

/** Starts a stub on a free loopback port. Exceptions thrown by the handler become a 500. */
export async function startStubServer(handler: StubHandler): Promise<StubServer> {
  let current = handler;
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    try {
      current(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`stub handler threw: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  const listener = await listenOnLoopback(server);
  const port = listener.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return count;
    },
    setHandler(next) {
      current = next;
    },
    openSockets: listener.openSockets,
    close: listener.close,
  };
}

/** Runs `fn` after `ms` unless the response closes first (client gone, server closed). */
function later(res: ServerResponse, ms: number, fn: () => void): void {
  const timer = setTimeout(fn, ms);
  res.once("close", () => clearTimeout(timer));
}

/** Answers `status` with `obj` as JSON (application/json) and extra `headers`. */
export function jsonBody(status: number, obj: unknown, headers: OutgoingHttpHeaders = {}): StubHandler {
  const body = JSON.stringify(obj);
  return (req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };
}

/** Answers `status` with `text` (text/plain; charset=utf-8 unless `headers` says otherwise). */
export function textBody(status: number, text: string, headers: OutgoingHttpHeaders = {}): StubHandler {
  return (req, res) => {
    req.resume();
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(text);
  };
}

/** Reads the request and never answers: the connection stays open until the client or close() ends it. */
export function neverAnswers(): StubHandler {
  return (req) => {
    req.resume();
  };
}

/** Sends 200 and JSON headers at once, then never a byte of body. */
export function headersThenStall(): StubHandler {
  return (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
  };
}

/**
 * Sends 200 with a Content-Length, then `body` (default EMPTY_VECTOR_BODY as JSON) `bytesPerTick` bytes
 * every `intervalMs`: a body that arrives, but too slowly for a deadline.
 */
export function dripBody(
  bytesPerTick: number,
  intervalMs: number,
  body: string = JSON.stringify(EMPTY_VECTOR_BODY),
): StubHandler {
  const bytes = Buffer.from(body);
  return (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      const next = Math.min(bytes.length, sent + Math.max(1, bytesPerTick));
      res.write(bytes.subarray(sent, next));
      sent = next;
      if (sent >= bytes.length) {
        clearInterval(timer);
        res.end();
      }
    }, intervalMs);
    res.once("close", () => clearInterval(timer));
  };
}

/**
 * Promises a JSON body of `body.length` bytes (default: a success envelope padded past 64 KiB), sends
 * half of it, and destroys the connection: a truncated response.
 */
export function closeMidBody(body?: string): StubHandler {
  const bytes = Buffer.from(
    body ?? JSON.stringify({ ...EMPTY_VECTOR_BODY, warnings: ["padding".repeat(10_000)] }),
  );
  return (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
    // Destroy only once the first half reached the kernel, so the client really sees a partial body.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
  };
}

/** Waits `ms`, then answers 200 with `body` (JSON-encoded unless a string; default EMPTY_VECTOR_BODY). */
export function withLatency(ms: number, body: unknown = EMPTY_VECTOR_BODY): StubHandler {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return (req, res) => {
    req.resume();
    later(res, ms, () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    });
  };
}

/** What {@link echo} answers: the request as the stub received it. */
export interface EchoedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  url: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** Request body as UTF-8 text. */
  body: string;
}

/** Answers 200 with the request itself as JSON (EchoedRequest): for checking what a client or proxy sent. */
export function echo(): StubHandler {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const echoed: EchoedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(echoed));
    });
  };
}

/** Answers the n-th request with the n-th handler; the last one answers every request after that. */
export function sequence(...handlers: StubHandler[]): StubHandler {
  let next = 0;
  return (req, res) => {
    const handler = handlers[Math.min(next++, handlers.length - 1)];
    if (!handler) throw new Error("sequence() needs at least one handler");
    handler(req, res);
  };
}
