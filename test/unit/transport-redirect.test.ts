import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import { AuthenticationError, ResponseError } from "../../src/index.ts";
import {
  BASE,
  EMPTY_VECTOR,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();
const OTHER = "http://other.test";
const NEW_QUERY_URL = `${BASE}/new/api/v1/query`;

/** An auth strategy that marks each request it signs. */
const auth: AuthStrategy = {
  type: "bearer",
  apply: ({ headers }) => headers.set("authorization", "Bearer s3cr3t"),
  identity: () => "s3cr3t",
  describe: () => "bearer(static)",
};

function redirect(status: number, location: string): Response {
  return new HttpResponse(`moved to ${location}`, { status, headers: { location } });
}

/** Serves a redirect at the query endpoint and records both ends. */
function redirecting(status: number, location: string, target = NEW_QUERY_URL) {
  const from: SeenRequest[] = [];
  const to: SeenRequest[] = [];
  server.use(
    record(QUERY_URL, from, () => redirect(status, location)),
    record(target, to),
  );
  return { from, to };
}

describe("same-origin redirects", () => {
  it.each([307, 308])("%i re-POSTs the same form, with credentials and static headers", async (status) => {
    const { from, to } = redirecting(status, "/new/api/v1/query");
    const client = makeClient({ auth, headers: { "X-Scope-OrgID": "team-a" } });
    const r = await client.query("up", { time: 1_700_000_000 });
    expect(r.data.resultType).toBe("vector");
    expect(to).toHaveLength(1);
    expect(to[0]?.method).toBe("POST");
    expect(to[0]?.body).toBe(from[0]?.body);
    expect(to[0]?.form.get("query")).toBe("up");
    expect(to[0]?.headers.get("authorization")).toBe("Bearer s3cr3t");
    expect(to[0]?.headers.get("x-scope-orgid")).toBe("team-a");
  });

  it.each([301, 302, 303])(
    "%i turns the POST into a GET that carries the parameters in the query string",
    async (status) => {
      const { to } = redirecting(status, `${BASE}/new/api/v1/query`);
      await makeClient({ auth }).query("up", { time: 1_700_000_000 });
      expect(to[0]?.method).toBe("GET");
      expect(to[0]?.url.searchParams.get("query")).toBe("up");
      expect(to[0]?.url.searchParams.get("time")).toBe("1700000000");
      expect(to[0]?.url.searchParams.has("timeout")).toBe(true);
      expect(to[0]?.headers.get("authorization")).toBe("Bearer s3cr3t");
    },
  );

  it.each([302, 303, 307])(
    "%i of a GET follows the Location as given, without repeating parameters",
    async (status) => {
      const to: SeenRequest[] = [];
      server.use(
        record(QUERY_URL, [], (req) => redirect(status, `/new/api/v1/query${req.url.search}`)),
        record(NEW_QUERY_URL, to),
      );
      await makeClient().query("up", { namespace: "team-a" });
      expect(to[0]?.method).toBe("GET");
      expect(to[0]?.url.searchParams.getAll("query")).toEqual(["up"]);
      expect(to[0]?.url.searchParams.getAll("namespace")).toEqual(["team-a"]);
    },
  );

  it("a 3xx without Location is an answer, not a redirect", async () => {
    server.use(record(QUERY_URL, [], () => new HttpResponse("not modified?", { status: 302 })));
    const error = await rejection(makeClient().query("up"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ status: 302 });
  });
});

describe("cross-origin redirects", () => {
  it("are refused with a ResponseError naming the target (without its query or credentials)", async () => {
    const { to } = redirecting(
      302,
      `http://user:pw@other.test/api/v1/query?token=abc`,
      `${OTHER}/api/v1/query`,
    );
    const error = await rejection(makeClient({ auth }).query("up"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error).toMatchObject({ status: 302, endpoint: QUERY_URL });
    expect(error.message).toContain(`redirected to another origin (${OTHER}/api/v1/query)`);
    expect(error.message).not.toMatch(/pw|token=abc/);
    expect(to).toHaveLength(0);
  });

  it("a different port is another origin", async () => {
    const { to } = redirecting(
      307,
      "http://prom.test:8080/api/v1/query",
      "http://prom.test:8080/api/v1/query",
    );
    expect(await rejection(makeClient().query("up"))).toBeInstanceOf(ResponseError);
    expect(to).toHaveLength(0);
  });

  it("with followCrossOriginRedirects, are followed with no Authorization and no static header", async () => {
    const { from, to } = redirecting(307, `${OTHER}/api/v1/query`, `${OTHER}/api/v1/query`);
    const client = makeClient({
      auth,
      headers: { "X-Api-Key": "k3y", "X-Scope-OrgID": "team-a" },
      followCrossOriginRedirects: true,
    });
    await client.query("up");
    expect(from[0]?.headers.get("x-api-key")).toBe("k3y");
    expect(to).toHaveLength(1);
    expect(to[0]?.method).toBe("POST");
    expect(to[0]?.form.get("query")).toBe("up");
    expect(to[0]?.headers.get("authorization")).toBeNull();
    expect(to[0]?.headers.get("x-api-key")).toBeNull();
    expect(to[0]?.headers.get("x-scope-orgid")).toBeNull();
    expect(to[0]?.headers.get("user-agent")).toMatch(/^promfleet\//);
  });

  it("a 401 from the other origin does not make the strategy drop its credentials", async () => {
    server.use(
      record(QUERY_URL, [], () => redirect(307, `${OTHER}/api/v1/query`)),
      record(`${OTHER}/api/v1/query`, [], () => new HttpResponse("who are you?", { status: 401 })),
    );
    let refreshes = 0;
    const refreshing: AuthStrategy = {
      ...auth,
      refresh: () => {
        refreshes++;
        return true;
      },
    };
    const error = await rejection(
      makeClient({ auth: refreshing, followCrossOriginRedirects: true }).query("up"),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(refreshes).toBe(0);
  });

  it("once another origin was reached, a redirect back does not bring the credentials back", async () => {
    const back: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, back, (_req, i) =>
        i === 0 ? redirect(302, `${OTHER}/hop`) : HttpResponse.json(EMPTY_VECTOR),
      ),
      record(`${OTHER}/hop`, [], () => redirect(302, QUERY_URL)),
    );
    await makeClient({ auth, followCrossOriginRedirects: true }).query("up");
    expect(back.map((r) => r.headers.get("authorization"))).toEqual(["Bearer s3cr3t", null]);
  });
});

describe("maxRedirects", () => {
  it("a redirect loop fails after maxRedirects hops (5 by default)", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log, () => redirect(307, QUERY_URL)));
    const error = await rejection(makeClient().query("up"));
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.message).toBe(`${QUERY_URL} redirected more than 5 times`);
    expect(log).toHaveLength(6);
  });

  it("is configurable; 0 follows none", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log, () => redirect(308, QUERY_URL)));
    expect((await rejection(makeClient({ maxRedirects: 0 }).query("up"))).message).toContain(
      "more than 0 times",
    );
    expect(log).toHaveLength(1);
    await rejection(makeClient({ maxRedirects: 2 }).query("up"));
    expect(log).toHaveLength(4);
  });
});
