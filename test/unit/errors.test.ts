import { inspect } from "node:util";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { errorFromResponse } from "../../src/errors/fromResponse.ts";
import {
  AbortError,
  AuthenticationError,
  AuthorizationError,
  BadQueryError,
  InvalidArgumentError,
  PrometheusError,
  ResponseError,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import {
  goText,
  json,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();
const ENDPOINT = QUERY_URL;

/** Runs one instant query against a mocked answer; returns the error and what the server saw. */
async function failWith(respond: (request: SeenRequest, index: number) => Response | Promise<Response>) {
  const log: SeenRequest[] = [];
  server.use(record(QUERY_URL, log, respond));
  const error = await rejection(makeClient({ cluster: "east" }).query("up"));
  return { error: error as PrometheusError, log };
}

describe("the error matrix", () => {
  it("400 JSON bad_data is a BadQueryError with Prometheus' text, type, endpoint and cluster", async () => {
    const { error, log } = await failWith(() =>
      json(400, { status: "error", errorType: "bad_data", error: 'parse error: unexpected "}"' }),
    );
    expect(error).toBeInstanceOf(BadQueryError);
    expect(error).toMatchObject({ status: 400, errorType: "bad_data", endpoint: ENDPOINT, cluster: "east" });
    expect(error.message).toBe(`${ENDPOINT} answered 400 bad_data: parse error: unexpected "}"`);
    expect(log).toHaveLength(1);
  });

  it("422 JSON execution is a BadQueryError (the query could not run), not retried", async () => {
    const { error, log } = await failWith(() =>
      json(422, {
        status: "error",
        errorType: "execution",
        error: "query processing would load too many samples",
      }),
    );
    expect(error).toBeInstanceOf(BadQueryError);
    expect(error).toMatchObject({ status: 422, errorType: "execution" });
    expect(error.message).toContain("too many samples");
    expect(log).toHaveLength(1);
  });

  it("401 plain text keeps kube-rbac-proxy's 'Unauthorized' and is not retried", async () => {
    const { error, log } = await failWith(() => goText(401, "Unauthorized"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, errorType: undefined });
    expect(error.message).toBe(`${ENDPOINT} answered 401: Unauthorized`);
    expect(log).toHaveLength(1);
  });

  it("403 plain text keeps the proxy's whole Forbidden (...) line, after the GET fallback also got 403", async () => {
    const forbidden = (verb: string) =>
      `Forbidden (user=system:serviceaccount:ns:reader, verb=${verb}, resource=prometheuses, subresource=api)`;
    const { error, log } = await failWith((req) =>
      goText(403, forbidden(req.method === "POST" ? "create" : "get")),
    );
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error.status).toBe(403);
    expect(error.message).toBe(`${ENDPOINT} answered 403: ${forbidden("get")}`);
    expect(log.map((r) => r.method)).toEqual(["POST", "GET"]);
  });

  it("404 text is a ResponseError with the text", async () => {
    const { error, log } = await failWith(() => goText(404, "404 page not found"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.status).toBe(404);
    expect(error.message).toBe(`${ENDPOINT} answered 404: 404 page not found`);
    expect(log).toHaveLength(1);
  });

  it("500 text is an UnavailableError, not retried (the server ran and failed)", async () => {
    const { error, log } = await failWith(() => goText(500, "internal error: boom"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.status).toBe(500);
    expect(error.message).toContain("internal error: boom");
    expect(log).toHaveLength(1);
  });

  it("503 plain text (Prometheus starting) is retried, then an UnavailableError", async () => {
    const { error, log } = await failWith(() => goText(503, "Service Unavailable"));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(`${ENDPOINT} answered 503: Service Unavailable`);
    expect(log).toHaveLength(3); // the default limit: 2 retries
  });

  it("503 JSON errorType timeout is a TimeoutError, not retried: the server already spent its time", async () => {
    const { error, log } = await failWith(() =>
      json(503, { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 503, errorType: "timeout", timeoutMs: undefined });
    expect(log).toHaveLength(1);
  });

  it("503 JSON errorType canceled is an UnavailableError, not retried", async () => {
    const { error, log } = await failWith(() =>
      json(503, { status: "error", errorType: "canceled", error: "query was canceled" }),
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, errorType: "canceled" });
    expect(log).toHaveLength(1);
  });

  it("200 with status error is mapped by its errorType", async () => {
    const { error } = await failWith(() =>
      json(200, { status: "error", errorType: "bad_data", error: "invalid parameter" }),
    );
    expect(error).toBeInstanceOf(BadQueryError);
    expect(error).toMatchObject({ status: 200, errorType: "bad_data" });
    expect(error.message).toContain("invalid parameter");
  });

  it("an HTML page on 200 (a login page) is a ResponseError saying so", async () => {
    const { error, log } = await failWith(
      () =>
        new HttpResponse("<!DOCTYPE html><html><head><title>Log in</title></head><body>…</body></html>", {
          headers: { "content-type": "text/html" },
        }),
    );
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.status).toBe(200);
    expect(error.message).toContain("HTML page");
    expect(log).toHaveLength(1);
  });

  it("an HTML error page keeps only its title", async () => {
    const page = `<html><head><title> 502 Bad Gateway </title></head><body>${"x".repeat(5000)}</body></html>`;
    const { error } = await failWith(() => new HttpResponse(page, { status: 502 }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toBe(`${ENDPOINT} answered 502: an HTML page titled "502 Bad Gateway"`);
    const untitled = await failWith(() => new HttpResponse("<html><body>no</body></html>", { status: 404 }));
    expect(untitled.error.message).toBe(`${ENDPOINT} answered 404: an HTML page`);
  });

  it("truncated JSON is a ResponseError saying it is not JSON", async () => {
    const { error } = await failWith(
      () => new HttpResponse('{"status":"success","data":{"resultType":"vector","res', { status: 200 }),
    );
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toMatch(/answered 200 with a body that is not valid: the body is not JSON/);
  });

  it("a wrong shape is a ResponseError naming where it went wrong", async () => {
    const notEnvelope = await failWith(() => json(200, { result: [] }));
    expect(notEnvelope.error).toBeInstanceOf(ResponseError);
    expect(notEnvelope.error.message).toContain("not a Prometheus API envelope (status:");
    const badResult = await failWith(() =>
      json(200, { status: "success", data: { resultType: "vector", result: {} } }),
    );
    expect(badResult.error.message).toContain("data.result: expected an array");
    const noData = await failWith(() => json(200, { status: "success" }));
    expect(noData.error.message).toContain("status success but no data");
  });

  it("an empty 5xx body still gives a message with the status", async () => {
    const { error } = await failWith(() => new HttpResponse(null, { status: 502 }));
    expect(error.message).toBe(`${ENDPOINT} answered 502`);
  });

  it("a very long text body is cut in the message", async () => {
    const { error } = await failWith(() => goText(404, "y".repeat(2000)));
    expect(error.message.length).toBeLessThan(700);
    expect(error.message.endsWith("…")).toBe(true);
  });
});

describe("warnings and infos are never dropped", () => {
  it("they come with a success", async () => {
    server.use(
      http.post(QUERY_URL, () =>
        HttpResponse.json({
          ...{ status: "success", data: { resultType: "vector", result: [] } },
          warnings: ["w1"],
          infos: ["i1", "i2"],
        }),
      ),
    );
    const r = await makeClient().query("up");
    expect(r.warnings).toEqual(["w1"]);
    expect(r.infos).toEqual(["i1", "i2"]);
    expect(JSON.parse(JSON.stringify(r))).toMatchObject({ warnings: ["w1"], infos: ["i1", "i2"] });
  });

  it("they come with a 4xx error, a 503 timeout, and a 200 status:error", async () => {
    const extra = { warnings: ["partial response"], infos: ["PromQL info: metric might not be a counter"] };
    for (const [status, errorType, type] of [
      [400, "bad_data", BadQueryError],
      [503, "timeout", TimeoutError],
      [200, "execution", ResponseError],
    ] as const) {
      const { error } = await failWith(() =>
        json(status, { status: "error", errorType, error: "e", ...extra }),
      );
      expect(error).toBeInstanceOf(type);
      expect(error.warnings).toEqual(extra.warnings);
      expect(error.infos).toEqual(extra.infos);
      expect(error.toJSON()).toMatchObject(extra);
    }
  });
});

describe("errorFromResponse", () => {
  const base = { endpoint: "http://x/api/v1/query" };
  it.each([
    [{ status: 429, retryAfterMs: 2000 }, UnavailableError],
    [{ status: 418 }, ResponseError],
    [{ status: 200, errorType: "unavailable" }, UnavailableError],
    [{ status: 200, errorType: "canceled" }, UnavailableError],
    [{ status: 504, errorType: "timeout" }, TimeoutError],
    [{ status: 422, errorType: "bad_data" }, BadQueryError],
    [{ status: 401, errorType: "unauthorized" }, AuthenticationError],
  ])("%o → %o", (answer, type) => {
    const error = errorFromResponse({ ...base, ...answer });
    expect(error).toBeInstanceOf(type);
    expect(error.status).toBe(answer.status);
  });

  it("a 429 keeps Retry-After on the UnavailableError", () => {
    const error = errorFromResponse({ ...base, status: 429, retryAfterMs: 2000 }) as UnavailableError;
    expect(error.retryAfterMs).toBe(2000);
    expect(error.toJSON()).toMatchObject({ name: "UnavailableError", status: 429, retryAfterMs: 2000 });
  });
});

describe("the classes", () => {
  it("all are PrometheusErrors with their own name", () => {
    for (const Type of [
      AbortError,
      AuthenticationError,
      AuthorizationError,
      BadQueryError,
      ResponseError,
      TimeoutError,
      UnavailableError,
    ]) {
      const error = new Type("m");
      expect(error).toBeInstanceOf(PrometheusError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(Type.name);
      expect(error.warnings).toEqual([]);
      expect(error.cause).toBeUndefined();
    }
    const invalid = new InvalidArgumentError("step", "step must be > 0");
    expect(invalid).toBeInstanceOf(BadQueryError);
    expect(invalid.toJSON()).toMatchObject({
      name: "InvalidArgumentError",
      argument: "step",
      message: "step must be > 0",
    });
  });

  it("toJSON leaves the cause out; TimeoutError carries timeoutMs", () => {
    const error = new TimeoutError("late", { timeoutMs: 50, cause: { secret: "no" } });
    expect(error.timeoutMs).toBe(50);
    expect(JSON.stringify(error)).not.toContain("secret");
    expect(new PrometheusError("x", { cause: 1 }).cause).toBe(1);
  });

  it("a failed call's error shows no header value through util.inspect or JSON.stringify", async () => {
    const secret = "Bearer s3cr3t-token-value";
    server.use(http.post(QUERY_URL, () => goText(500, "boom")));
    const error = await rejection(makeClient({ headers: { "X-Api-Key": secret } }).query("up"));
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain("s3cr3t");
    expect(JSON.stringify(error)).not.toContain("s3cr3t");
  });
});
