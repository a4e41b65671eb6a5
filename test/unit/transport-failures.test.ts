import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import {
  AbortError,
  AuthenticationError,
  silentLogger,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import { Deadline, sleep } from "../../src/transport/deadline.ts";
import { describeErrorBody } from "../../src/transport/errorAnswer.ts";
import { describeNetworkError } from "../../src/transport/network.ts";
import { redactUrl } from "../../src/transport/url.ts";
import { goText, json, makeClient, mockPrometheus, QUERY_URL, record, rejection } from "./promMock.ts";

const server = mockPrometheus();
const encode = (text: string) => new TextEncoder().encode(text);

/** fetch's shape of a socket failure: a TypeError whose cause holds the coded error. */
function fetchFailure(code: string | undefined, message = "socket said no") {
  const inner = Object.assign(new Error(message), code === undefined ? {} : { code });
  return new TypeError("fetch failed", { cause: inner });
}

describe("describeNetworkError", () => {
  it.each([
    ["ECONNREFUSED", "the connection was refused"],
    ["ECONNRESET", "the connection was reset"],
    ["ENOTFOUND", "the host name could not be resolved"],
    ["EAI_AGAIN", "the host name could not be resolved (temporary failure)"],
    ["UND_ERR_SOCKET", "the server closed the connection"],
    ["UND_ERR_CONNECT_TIMEOUT", "connecting timed out"],
    ["EWHATEVER", "the request failed (EWHATEVER)"],
  ])("%s → %s, retryable", (code, message) => {
    const failure = describeNetworkError(fetchFailure(code), false);
    expect(failure).toEqual({
      message,
      retryable: true,
      cause: { name: "Error", message: "socket said no", code },
    });
  });

  it("keeps the innermost code through several causes, and the outer message when none has one", () => {
    const deep = new TypeError("fetch failed", {
      cause: new Error("wrapper", { cause: fetchFailure("ECONNRESET") }),
    });
    expect(describeNetworkError(deep, false).cause.code).toBe("ECONNRESET");
    const uncoded = describeNetworkError(new TypeError("fetch failed"), false);
    expect(uncoded).toMatchObject({ message: "the request failed (fetch failed)", retryable: true });
    expect(uncoded.cause).toEqual({ name: "TypeError", message: "fetch failed", code: undefined });
  });

  it("describes a thrown non-Error too", () => {
    expect(describeNetworkError("plain string", false).message).toBe("the request failed (plain string)");
    expect(describeNetworkError(undefined, false).cause.code).toBeUndefined();
  });

  it("a closed socket under TLS hints at a client certificate, still retryable", () => {
    expect(describeNetworkError(fetchFailure("UND_ERR_SOCKET"), true)).toMatchObject({
      message: "the server closed the TLS connection (a client certificate may be required)",
      retryable: true,
    });
  });

  it("a certificate problem is not retryable; an unknown TLS code says so", () => {
    expect(describeNetworkError(fetchFailure("CERT_HAS_EXPIRED"), true)).toMatchObject({ retryable: false });
    expect(describeNetworkError(fetchFailure("ERR_SSL_SOMETHING_NEW"), true)).toEqual({
      message: "the TLS handshake failed (ERR_SSL_SOMETHING_NEW)",
      retryable: false,
      cause: { name: "Error", message: "socket said no", code: "ERR_SSL_SOMETHING_NEW" },
    });
  });
});

describe("TLS failures are described, not retried", () => {
  it("a name mismatch lists the certificate's names", () => {
    const detail =
      "Hostname/IP does not match certificate's altnames: Host: prom.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1";
    const failure = describeNetworkError(fetchFailure("ERR_TLS_CERT_ALTNAME_INVALID", detail), true);
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain("DNS:localhost, IP Address:127.0.0.1");
    expect(failure.message).toContain("tls.servername");
    const bare = describeNetworkError(fetchFailure("ERR_TLS_CERT_ALTNAME_INVALID", "no names here"), true);
    expect(bare.message).not.toContain("(");
  });

  it("a handshake alert is named, known or not", () => {
    const known = describeNetworkError(fetchFailure("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), true);
    expect(known).toMatchObject({ retryable: false });
    expect(known.message).toContain("client certificate");
    const unknown = describeNetworkError(fetchFailure("ERR_SSL_SSL/TLS_ALERT_NO_RENEGOTIATION"), true);
    expect(unknown.message).toBe("the server ended the TLS handshake (alert no renegotiation)");
  });
});

describe("redactUrl", () => {
  it("keeps origin and path only, and survives garbage", () => {
    expect(redactUrl("https://u:p@h.example:9091/prom/api?q=1#f")).toBe("https://h.example:9091/prom/api");
    expect(redactUrl("not a url")).toBe("(invalid URL)");
  });
});

describe("describeErrorBody", () => {
  it("a Prometheus error without text keeps its type; without a type keeps its text", () => {
    expect(
      describeErrorBody(503, encode('{"status":"error","errorType":"unavailable"}'), "e", undefined),
    ).toMatchObject({
      errorType: "unavailable",
      detail: undefined,
    });
    expect(describeErrorBody(500, encode('{"status":"error","error":"boom"}'), "e", 10)).toMatchObject({
      errorType: undefined,
      detail: "boom",
      retryAfterMs: 10,
    });
  });

  it("a JSON body that is not a Prometheus error is kept as text", () => {
    expect(describeErrorBody(502, encode('{"message":"upstream down"}'), "e", undefined).detail).toBe(
      '{"message":"upstream down"}',
    );
    expect(
      describeErrorBody(502, encode('{"status":"success","data":1}'), "e", undefined).errorType,
    ).toBeUndefined();
  });

  it("a JSON error without any text reaches the client as an UnavailableError with its type", async () => {
    server.use(record(QUERY_URL, [], () => json(503, { status: "error", errorType: "unavailable" })));
    const error = await rejection(makeClient({ retry: false }).query("up"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(`${QUERY_URL} answered 503 unavailable`);
  });
});

describe("Deadline and sleep", () => {
  it("sleep rejects at once with the reason of an already aborted signal", async () => {
    await expect(sleep(10_000, AbortSignal.abort("gone"))).rejects.toBe("gone");
  });

  it("sleep resolves after its time and leaves no listener", async () => {
    const controller = new AbortController();
    await sleep(5, controller.signal);
    controller.abort(); // nothing listens any more: no late rejection
  });

  it("a deadline that fired is a TimeoutError even if the caller aborts afterwards", async () => {
    const controller = new AbortController();
    const deadline = new Deadline(10, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    expect(deadline.done).toBe(true);
    expect(deadline.remaining()).toBe(0);
    expect(deadline.error("e")).toBeInstanceOf(TimeoutError);
    deadline.dispose();
  });

  it("a caller abort is an AbortError; its reason is the cause", () => {
    const controller = new AbortController();
    const deadline = new Deadline(10_000, controller.signal);
    controller.abort("why");
    const error = deadline.error("e", "east");
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ cause: "why", cluster: "east", endpoint: "e" });
    deadline.dispose();
  });
});

describe("failures outside an HTTP exchange", () => {
  it("a refresh that throws counts as no refresh: the 401 is the error, and the logger hears why", async () => {
    server.use(record(QUERY_URL, [], () => goText(401, "Unauthorized")));
    const auth: AuthStrategy = {
      type: "t",
      apply: () => {},
      refresh: () => {
        throw new Error("token endpoint down");
      },
      identity: () => "t",
      describe: () => "t(provider)",
    };
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (obj: unknown, msg?: string) => warnings.push({ obj, msg }) };
    const error = await rejection(makeClient({ auth, logger, cluster: "east" }).query("up"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, cluster: "east", endpoint: QUERY_URL });
    expect(warnings).toEqual([
      {
        obj: { endpoint: QUERY_URL, auth: "t(provider)", reason: "token endpoint down" },
        msg: "refreshing credentials after a 401 failed",
      },
    ]);
  });

  it("a refresh cut by the deadline ends in the TimeoutError; a thrown non-Error is 'unknown reason'", async () => {
    server.use(record(QUERY_URL, [], () => goText(401, "Unauthorized")));
    const base = { type: "t", apply: () => {}, identity: () => "t", describe: () => "t" };
    const hanging: AuthStrategy = {
      ...base,
      refresh: ({ signal }) =>
        new Promise<boolean>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("refresh cancelled")), { once: true });
        }),
    };
    expect(await rejection(makeClient({ auth: hanging }).query("up", { timeout: 100 }))).toBeInstanceOf(
      TimeoutError,
    );
    const reasons: unknown[] = [];
    const logger = { ...silentLogger, warn: (obj: Record<string, unknown>) => reasons.push(obj.reason) };
    const odd: AuthStrategy = { ...base, refresh: () => Promise.reject("no") };
    expect(await rejection(makeClient({ auth: odd, logger }).query("up"))).toBeInstanceOf(
      AuthenticationError,
    );
    expect(reasons).toEqual(["unknown reason"]);
  });

  it("concurrent calls that both fall back to GET log the switch once", async () => {
    server.use(
      record(QUERY_URL, [], (req) =>
        req.method === "POST"
          ? goText(405, "Method Not Allowed")
          : HttpResponse.json({ status: "success", data: { resultType: "vector", result: [] } }),
      ),
    );
    const infos: unknown[] = [];
    const client = makeClient({ logger: { ...silentLogger, info: (_obj, msg) => infos.push(msg) } });
    await Promise.all([client.query("up"), client.query("up"), client.query("up")]);
    expect(infos).toEqual(["POST was refused but GET works: this endpoint stays on GET"]);
  });

  it("an auth strategy still looking up credentials when the deadline fires ends in the TimeoutError", async () => {
    server.use(record(QUERY_URL, []));
    const auth: AuthStrategy = {
      type: "slow",
      apply: ({ signal }) =>
        new Promise<void>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("lookup cancelled")), { once: true });
        }),
      identity: () => "slow",
      describe: () => "slow(vault)",
    };
    const error = await rejection(makeClient({ auth }).query("up", { timeout: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it("a response after the deadline fired is the TimeoutError, not the late answer", async () => {
    server.use(
      record(QUERY_URL, [], async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return HttpResponse.json({ status: "success", data: { resultType: "vector", result: [] } });
      }),
    );
    const error = await rejection(makeClient().query("up", { timeout: 50 }));
    expect(error).toBeInstanceOf(TimeoutError);
  });
});
