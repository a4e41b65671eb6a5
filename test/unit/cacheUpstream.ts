import type { IncomingMessage } from "node:http";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * A counting Prometheus-like upstream on a loopback port for the cache tests: it answers the
 * cacheable endpoints with results full of what a cache could get wrong (NaN, ±Inf, -0, native
 * histograms, scalars, strings), records every request (path, parameters, Authorization) and can
 * delay its answers so that concurrent calls overlap.
 */

/** One request as the upstream saw it. */
export interface SeenCall {
  path: string;
  params: URLSearchParams;
  authorization: string | undefined;
}

/** A running counting upstream. */
export interface CountingUpstream {
  url: string;
  /** Every request so far. */
  calls: SeenCall[];
  /** Milliseconds to wait before answering (default 0). */
  delayMs: number;
  /** Forgets the recorded calls. */
  reset(): void;
  close(): Promise<void>;
}

const HISTOGRAM = {
  count: "3",
  sum: "1.5",
  buckets: [
    [0, "0", "1", "2"],
    [3, "-Inf", "+Inf", "1"],
  ],
};

/** A matrix of `series` series × `points` samples, with special values in the first series. */
export function matrixBody(series: number, points: number): unknown {
  const result = [];
  for (let s = 0; s < series; s++) {
    const values = [];
    for (let i = 0; i < points; i++) {
      const special = s === 0 ? ["NaN", "+Inf", "-Inf", "-0", "1.5e-7"][i] : undefined;
      values.push([1_700_000_000 + i * 15, special ?? String(s * 1000 + i + 0.1)]);
    }
    result.push({ metric: { __name__: "m", series: String(s), "odd label": "ü" }, values });
  }
  result.push({
    metric: { __name__: "h" },
    histograms: [
      [1_700_000_000, HISTOGRAM],
      [1_700_000_015.5, { count: "NaN", sum: "+Inf" }],
    ],
  });
  return { resultType: "matrix", result };
}

function answer(path: string, params: URLSearchParams, count: number): { status: number; body: unknown } {
  const ok = (data: unknown, extra: Record<string, unknown> = {}) => ({
    status: 200,
    body: { status: "success", data, ...extra },
  });
  const query = params.get("query") ?? "";
  if (path.endsWith("/api/v1/query_range")) {
    if (query === "big") return ok(matrixBody(50, 400));
    return ok(matrixBody(2, 6));
  }
  if (path.endsWith("/api/v1/query")) {
    if (query === "fail") {
      return { status: 400, body: { status: "error", errorType: "bad_data", error: "parse error" } };
    }
    if (query === "scalar") return ok({ resultType: "scalar", result: [1_700_000_000, "+Inf"] });
    if (query === "string") return ok({ resultType: "string", result: [1_700_000_000, "hello"] });
    const vector = {
      resultType: "vector",
      result: [
        { metric: { __name__: "count" }, value: [1_700_000_000, String(count)] },
        { metric: { __name__: "nan" }, value: [1_700_000_000, "NaN"] },
        { metric: { __name__: "negzero" }, value: [1_700_000_000.001, "-0"] },
        { metric: { __name__: "hist", $weird: "x" }, histogram: [1_700_000_000, HISTOGRAM] },
      ],
    };
    if (query === "warn") return ok(vector, { warnings: ["partial response"] });
    if (query === "info") return ok(vector, { infos: ["metric might not be a counter"] });
    if (query === "stats") return ok({ ...vector, stats: { timings: { evalTotalTime: 0.01 } } });
    return ok(vector);
  }
  if (path.endsWith("/api/v1/series")) return ok([{ __name__: "up", job: "api", n: String(count) }]);
  if (path.endsWith("/api/v1/labels")) return ok(["__name__", "job", `n${count}`]);
  if (/\/api\/v1\/label\/[^/]+\/values$/.test(path)) return ok(["api", `n${count}`]);
  if (path.endsWith("/api/v1/metadata")) {
    return ok({
      up: [{ type: "gauge", help: `n${count}`, unit: "" }],
      $only: [{ type: "counter", help: "", unit: "" }],
    });
  }
  return { status: 404, body: "not found" };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.on("end", () => resolve(text));
  });
}

/** Starts the upstream. */
export async function startCountingUpstream(): Promise<CountingUpstream> {
  const calls: SeenCall[] = [];
  let stub: StubServer | undefined;
  const upstream: CountingUpstream = {
    url: "",
    calls,
    delayMs: 0,
    reset: () => {
      calls.length = 0;
    },
    close: () => stub?.close() ?? Promise.resolve(),
  };
  stub = await startStubServer((req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? "/", "http://x");
      const params = new URLSearchParams(req.method === "POST" ? text : url.search);
      calls.push({ path: url.pathname, params, authorization: req.headers.authorization });
      const { status, body } = answer(url.pathname, params, calls.length);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      if (upstream.delayMs > 0) {
        const timer = setTimeout(send, upstream.delayMs);
        res.once("close", () => clearTimeout(timer));
      } else send();
    });
  });
  upstream.url = stub.url;
  return upstream;
}
