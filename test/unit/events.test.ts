import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { BadQueryError, bearerAuth, UnavailableError } from "../../src/index.ts";
import {
  Events,
  type PromfleetEvents,
  type RequestEvent,
  type ResponseEvent,
} from "../../src/observe/events.ts";
import { type Logger, safeLogger, silentLogger } from "../../src/observe/logger.ts";
import { EMPTY_VECTOR, goText, json, makeClient, mockPrometheus, QUERY_URL, record } from "./promMock.ts";

const server = mockPrometheus();

/** Collects every event of a client, in order, as [name, payload]. */
function collect(client: ReturnType<typeof makeClient>) {
  const seen: Array<[keyof PromfleetEvents, Record<string, unknown>]> = [];
  for (const name of ["request", "response", "retry", "error"] as const) {
    client.on(name, (e) => seen.push([name, e as unknown as Record<string, unknown>]));
  }
  return seen;
}

/** A logger that records every call. */
function recordingLogger() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string | undefined }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) =>
    lines.push({ level, obj, msg });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

describe("events", () => {
  it("a retried call emits request, response, retry per attempt, then no error on success", async () => {
    server.use(
      record(QUERY_URL, [], (_r, i) => (i === 0 ? goText(503, "starting") : HttpResponse.json(EMPTY_VECTOR))),
    );
    const client = makeClient({ cluster: "east" });
    const seen = collect(client);
    await client.query("up");
    expect(seen.map(([name]) => name)).toEqual(["request", "response", "retry", "request", "response"]);
    const [, firstResponse] = seen[1] ?? [];
    expect(firstResponse).toMatchObject({
      endpoint: QUERY_URL,
      method: "POST",
      attempt: 1,
      status: 503,
      cluster: "east",
    });
    expect(firstResponse?.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen[2]?.[1]).toMatchObject({ endpoint: QUERY_URL, attempt: 1, cluster: "east" });
    expect(seen[2]?.[1].reason).toContain("answered 503");
    expect(seen[3]?.[1]).toMatchObject({ method: "POST", attempt: 2 });
  });

  it("a failed call emits error with the thrown error and the cluster", async () => {
    server.use(
      record(QUERY_URL, [], () => json(400, { status: "error", errorType: "bad_data", error: "nope" })),
    );
    const client = makeClient({ cluster: "west" });
    const seen = collect(client);
    const thrown = await client.query("up").catch((e: unknown) => e);
    const errors = seen.filter(([name]) => name === "error").map(([, e]) => e);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBe(thrown);
    expect(thrown).toBeInstanceOf(BadQueryError);
    expect((thrown as BadQueryError).cluster).toBe("west");
    expect(errors[0]).toMatchObject({ endpoint: QUERY_URL, cluster: "west" });
  });

  it("the fallback GET is reported as such", async () => {
    server.use(
      record(QUERY_URL, [], (req) =>
        req.method === "POST" ? goText(405, "Method Not Allowed") : HttpResponse.json(EMPTY_VECTOR),
      ),
    );
    const client = makeClient();
    const seen = collect(client);
    await client.query("up");
    const requests = seen.filter(([n]) => n === "request").map(([, e]) => e as unknown as RequestEvent);
    expect(requests.map((e) => [e.method, e.attempt, e.replay])).toEqual([
      ["POST", 1, undefined],
      ["GET", 1, "get-fallback"],
    ]);
  });

  it("a replay after a 401 keeps the attempt number and says it is one", async () => {
    server.use(
      record(QUERY_URL, [], (_req, i) =>
        i === 0 ? goText(401, "Unauthorized") : HttpResponse.json(EMPTY_VECTOR),
      ),
    );
    let token = 0;
    const client = makeClient({ auth: bearerAuth({ token: async () => `token-${++token}` }) });
    const seen = collect(client);
    await client.query("up");
    const requests = seen.filter(([n]) => n === "request").map(([, e]) => e as unknown as RequestEvent);
    expect(requests.map((e) => [e.attempt, e.replay])).toEqual([
      [1, undefined],
      [1, "after-401"],
    ]);
    const responses = seen.filter(([n]) => n === "response").map(([, e]) => e as unknown as ResponseEvent);
    expect(responses.map((e) => [e.status, e.replay])).toEqual([
      [401, undefined],
      [200, "after-401"],
    ]);
  });

  it("throwing listeners do not break a call, nor stop other listeners", async () => {
    server.use(record(QUERY_URL, [], (_r, i) => (i === 0 ? goText(502, "x") : goText(500, "y"))));
    const client = makeClient();
    for (const name of ["request", "response", "retry", "error"] as const) {
      client.on(name, () => {
        throw new Error(`listener of ${name} broke`);
      });
    }
    const seen = collect(client);
    const error = await client.query("up").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain("answered 500");
    expect(seen.map(([n]) => n)).toEqual(["request", "response", "retry", "request", "response", "error"]);
  });

  it("on() returns an unsubscribe function; off() removes too", async () => {
    server.use(record(QUERY_URL, []));
    const client = makeClient();
    let a = 0;
    let b = 0;
    const listenerB = () => b++;
    const unsubscribe = client.on("request", () => a++);
    client.on("request", listenerB);
    await client.query("up");
    unsubscribe();
    client.off("request", listenerB);
    await client.query("up");
    expect([a, b]).toEqual([1, 1]);
  });

  it("Events: has(), emit without listeners, and an error event needs no listener", () => {
    const events = new Events();
    expect(events.has("error")).toBe(false);
    expect(() =>
      events.emit("error", { endpoint: "x", error: new Error("e"), cluster: undefined }),
    ).not.toThrow();
    const off = events.on("error", () => {});
    expect(events.has("error")).toBe(true);
    off();
    expect(events.has("error")).toBe(false);
    events.off("cache", () => {});
  });
});

describe("the logger", () => {
  it("is silent by default", () => {
    expect(safeLogger(undefined)).toBe(silentLogger);
    expect(safeLogger(silentLogger)).toBe(silentLogger);
    for (const level of ["debug", "info", "warn", "error"] as const)
      expect(() => silentLogger[level]({})).not.toThrow();
  });

  it("hears retries, failures and the switch to GET, with no header value", async () => {
    server.use(
      record(QUERY_URL, [], (req, i) =>
        req.method === "POST"
          ? goText(405, "x")
          : i === 1
            ? goText(503, "busy")
            : HttpResponse.json(EMPTY_VECTOR),
      ),
    );
    const { logger, lines } = recordingLogger();
    const client = makeClient({ logger, headers: { "X-Api-Key": "k3y-s3cr3t" } });
    await client.query("up");
    server.use(record(QUERY_URL, [], () => goText(400, "bad")));
    await client.query("up").catch(() => {});
    const messages = lines.map((l) => `${l.level}: ${l.msg}`);
    expect(messages).toEqual([
      "debug: retrying",
      "info: POST was refused but GET works: this endpoint stays on GET",
      "debug: call failed",
    ]);
    expect(lines[1]?.obj).toEqual({ endpoint: QUERY_URL });
    expect(JSON.stringify(lines)).not.toContain("k3y-s3cr3t");
  });

  it("a throwing logger does not break a call", async () => {
    server.use(
      record(QUERY_URL, [], (_r, i) => (i === 0 ? goText(503, "busy") : HttpResponse.json(EMPTY_VECTOR))),
    );
    const boom = () => {
      throw new Error("logger down");
    };
    const logger: Logger = { debug: boom, info: boom, warn: boom, error: boom };
    const r = await makeClient({ logger }).query("up");
    expect(r.data.resultType).toBe("vector");
    server.use(record(QUERY_URL, [], () => goText(404, "gone")));
    const error = await makeClient({ logger })
      .query("up")
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain("answered 404: gone");
  });
});
