import { readFileSync } from "node:fs";
import { Keyv } from "keyv";
import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { AuthStrategy } from "../../src/auth/AuthStrategy.ts";
import {
  AuthenticationError,
  AuthorizationError,
  PrometheusClient,
  PrometheusError,
  VERSION,
} from "../../src/index.ts";
import {
  BASE,
  EMPTY_VECTOR,
  goText,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  RANGE_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();

/** A bearer-like strategy counting its calls; `refresh` reports `refreshes` as changed credentials. */
function countingAuth(
  token: string,
  refreshes?: boolean,
): AuthStrategy & { applied: number; refreshed: number } {
  const auth = {
    type: "test",
    applied: 0,
    refreshed: 0,
    apply({ headers }: { headers: Headers }) {
      auth.applied++;
      headers.set("authorization", `Bearer ${token}-${auth.refreshed}`);
    },
    identity: () => token,
    describe: () => "test(token)",
    ...(refreshes === undefined
      ? {}
      : {
          refresh() {
            auth.refreshed++;
            return refreshes;
          },
        }),
  };
  return auth;
}

describe("requests", () => {
  it("POSTs the query as a form with the User-Agent, Accept and static headers", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    const client = makeClient({ headers: { "X-Scope-OrgID": "team-a" } });
    await client.query("up", { time: 1_700_000_000.5 });
    const [req] = log;
    expect(req?.method).toBe("POST");
    expect(req?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(req?.headers.get("user-agent")).toBe(`promfleet/${VERSION}`);
    expect(req?.headers.get("accept")).toBe("application/json");
    expect(req?.headers.get("x-scope-orgid")).toBe("team-a");
    expect(req?.form.get("query")).toBe("up");
    expect(req?.form.get("time")).toBe("1700000000.5");
    expect(req?.url.search).toBe("");
  });

  it("VERSION equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });

  it("a custom userAgent replaces the default", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    await makeClient({ userAgent: "collector/2" }).query("up");
    expect(log[0]?.headers.get("user-agent")).toBe("collector/2");
  });

  it("sends Prometheus' timeout parameter, in seconds, below the call's deadline", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    const client = makeClient({ timeout: 20_000 });
    await client.query("up");
    await client.query("up", { timeout: 1_500 });
    const [first, second] = log.map((r) => Number(r.form.get("timeout")));
    // The time left, less a margin (a tenth, at most 500 ms) so the server's own timeout answers first.
    expect(first).toBeGreaterThan(15);
    expect(first).toBeLessThanOrEqual(19.5);
    expect(second).toBeGreaterThan(0.5);
    expect(second).toBeLessThanOrEqual(1.35);
  });

  it("keeps the base URL's path prefix, with or without a trailing slash", async () => {
    const log: SeenRequest[] = [];
    server.use(record(`${BASE}/prometheus/api/v1/query`, log));
    await makeClient({ url: `${BASE}/prometheus` }).query("up");
    await makeClient({ url: `${BASE}/prometheus/?ignored=1#frag` }).query("up");
    await makeClient({ url: new URL(`${BASE}/prometheus`) }).query("up");
    expect(log.map((r) => r.url.href)).toEqual(Array(3).fill(`${BASE}/prometheus/api/v1/query`));
  });

  it("puts namespace in the URL query and uses GET, with every parameter in the query string", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    await makeClient().query("up", { namespace: "team-a", time: 1_700_000_000 });
    const [req] = log;
    expect(req?.method).toBe("GET");
    expect(req?.body).toBe("");
    expect(req?.url.searchParams.get("namespace")).toBe("team-a");
    expect(req?.url.searchParams.get("query")).toBe("up");
    expect(req?.url.searchParams.get("time")).toBe("1700000000");
    expect(Number(req?.url.searchParams.get("timeout"))).toBeGreaterThan(0);
  });

  it("sends the Thanos and Prometheus parameters and extra ones in a stable order", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    await makeClient().query("up", {
      lookbackDelta: "5m",
      stats: true,
      limit: 10,
      dedup: true,
      partialResponse: false,
      maxSourceResolution: "auto",
      params: { z: "last", a: ["1", "2"], skipped: undefined, n: 3 },
    });
    expect([...(log[0]?.form ?? [])].filter(([k]) => k !== "timeout")).toEqual([
      ["query", "up"],
      ["lookback_delta", "300"],
      ["stats", "all"],
      ["limit", "10"],
      ["dedup", "true"],
      ["partial_response", "false"],
      ["max_source_resolution", "auto"],
      ["a", "1"],
      ["a", "2"],
      ["n", "3"],
      ["z", "last"],
    ]);
  });
});

describe("POST refused: the GET fallback", () => {
  it.each([405, 501, 403])(
    "after %i, GET is tried and, since it worked, the endpoint stays on GET",
    async (status) => {
      const log: SeenRequest[] = [];
      server.use(
        record(QUERY_URL, log, (req) =>
          req.method === "POST" ? goText(status, "no POST") : HttpResponse.json(EMPTY_VECTOR),
        ),
      );
      const client = makeClient();
      const first = await client.query("up", { time: 1 });
      expect(first.data.resultType).toBe("vector");
      await client.query("up", { time: 2 });
      expect(log.map((r) => r.method)).toEqual(["POST", "GET", "GET"]);
      expect(log[1]?.url.searchParams.get("time")).toBe("1");
    },
  );

  it("only for that endpoint: query_range still tries POST", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, log, (req) =>
        req.method === "POST" ? goText(405, "Method Not Allowed") : HttpResponse.json(EMPTY_VECTOR),
      ),
      record(RANGE_URL, log, () =>
        HttpResponse.json({ status: "success", data: { resultType: "matrix", result: [] } }),
      ),
    );
    const client = makeClient();
    await client.query("up");
    await client.queryRange("up", { start: 0, end: 60, step: 15 });
    expect(log.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      "POST /api/v1/query",
      "GET /api/v1/query",
      "POST /api/v1/query_range",
    ]);
  });

  it("when GET fails too, its answer is the error and the endpoint is not switched to GET", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, log, (req) =>
        goText(
          403,
          `Forbidden (user=u, verb=${req.method === "GET" ? "get" : "create"}, resource=prometheuses, subresource=api)`,
        ),
      ),
    );
    const client = makeClient();
    const error = await rejection(client.query("up"));
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error.message).toContain("verb=get");
    await rejection(client.query("up"));
    expect(log.map((r) => r.method)).toEqual(["POST", "GET", "POST", "GET"]);
  });

  it("a clients' GET memory is its own", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, log, (req) =>
        req.method === "POST" ? goText(405, "x") : HttpResponse.json(EMPTY_VECTOR),
      ),
    );
    await makeClient().query("up");
    await makeClient().query("up");
    expect(log.map((r) => r.method)).toEqual(["POST", "GET", "POST", "GET"]);
  });
});

describe("auth in the transport", () => {
  it("applies the strategy on every attempt", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, log, (_req, i) =>
        i === 0 ? goText(503, "starting") : HttpResponse.json(EMPTY_VECTOR),
      ),
    );
    const auth = countingAuth("t");
    await makeClient({ auth }).query("up");
    expect(auth.applied).toBe(2);
    expect(log.map((r) => r.headers.get("authorization"))).toEqual(["Bearer t-0", "Bearer t-0"]);
  });

  it("after a 401, replays once when the strategy refreshed its credentials", async () => {
    const log: SeenRequest[] = [];
    server.use(
      record(QUERY_URL, log, (req) =>
        req.headers.get("authorization") === "Bearer t-1"
          ? HttpResponse.json(EMPTY_VECTOR)
          : goText(401, "Unauthorized"),
      ),
    );
    const auth = countingAuth("t", true);
    await makeClient({ auth }).query("up");
    expect(log.map((r) => r.headers.get("authorization"))).toEqual(["Bearer t-0", "Bearer t-1"]);
  });

  it("replays at most once, and not at all when refresh says nothing changed", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log, () => goText(401, "Unauthorized")));
    const always = countingAuth("t", true);
    expect(await rejection(makeClient({ auth: always }).query("up"))).toBeInstanceOf(AuthenticationError);
    expect(log).toHaveLength(2);
    const never = countingAuth("u", false);
    expect(await rejection(makeClient({ auth: never }).query("up"))).toBeInstanceOf(AuthenticationError);
    expect(log).toHaveLength(3);
    expect(never.refreshed).toBe(1);
  });

  it("a strategy that cannot load credentials fails with an AuthenticationError naming it, without a request", async () => {
    const auth: AuthStrategy = {
      type: "broken",
      apply() {
        throw new Error("ENOENT: /var/run/token");
      },
      identity: () => "broken",
      describe: () => "broken(tokenFile=/var/run/token)",
    };
    const error = await rejection(makeClient({ auth }).query("up"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(
      "could not load credentials for broken(tokenFile=/var/run/token): ENOENT: /var/run/token",
    );
    const thrownString = { ...auth, apply: () => Promise.reject("nope") };
    expect((await rejection(makeClient({ auth: thrownString }).query("up"))).message).toContain(
      "unknown reason",
    );
  });
});

describe("close()", () => {
  it("refuses calls afterwards, is idempotent, and works as asyncDispose", async () => {
    server.use(record(QUERY_URL, []));
    const client = new PrometheusClient({ url: BASE });
    await client.query("up");
    await client.close();
    await client.close();
    const error = await rejection(client.query("up"));
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error.message).toBe(`the client for ${BASE}/ is closed`);
    // invalidate() too: a closed client writes nothing more to a cache it may share.
    const cached = new PrometheusClient({ url: BASE, cache: new Keyv() });
    await cached.close();
    expect((await rejection(cached.invalidate())).message).toBe(`the client for ${BASE}/ is closed`);
    {
      await using disposable = new PrometheusClient({ url: BASE });
      await disposable.query("up");
    }
    expect(client.url).toBe(`${BASE}/`);
  });
});
