import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { bearerAuth } from "../../src/index.ts";
import { EMPTY_VECTOR, makeClient, mockPrometheus, QUERY_URL, record, type SeenRequest } from "./promMock.ts";

const server = mockPrometheus();

/** Settles with how the promise ended and after how long, or "pending" after `capMs`. */
async function outcome(
  p: Promise<unknown>,
  capMs: number,
): Promise<{ kind: string; name?: string; ms: number }> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<{ kind: string }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "pending" }), capMs);
  });
  const r = await Promise.race([
    p.then(
      () => ({ kind: "ok" }),
      (e: Error) => ({ kind: "error", name: e.name }),
    ),
    cap,
  ]);
  clearTimeout(timer);
  p.catch(() => {});
  return { ...r, ms: Math.round(performance.now() - t0) };
}

describe("the caller's deadline with a cache", () => {
  it("control: without a cache a hung token provider ends at the call's deadline", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    const client = makeClient({ auth: bearerAuth({ token: () => new Promise<string>(() => {}) }) });
    const r = await outcome(client.query("up", { timeout: 200 }), 2_000);
    expect(r.kind).toBe("error");
    expect(r.name).toBe("TimeoutError");
  });

  it("with a cache, a hung token provider must not stall the query past its deadline", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    const client = makeClient({
      auth: bearerAuth({ token: () => new Promise<string>(() => {}) }),
      cache: new Keyv(),
    });
    const r = await outcome(client.query("up", { timeout: 200 }), 2_000);
    expect(r).toMatchObject({ kind: "error", name: "TimeoutError" });
  });

  it("with a cache, a caller's abort is honoured while a hung token provider is asked", async () => {
    server.use(record(QUERY_URL, []));
    const client = makeClient({
      auth: bearerAuth({ token: () => new Promise<string>(() => {}) }),
      cache: new Keyv(),
    });
    const r = await outcome(client.query("up", { signal: AbortSignal.timeout(100) }), 2_000);
    expect(r).toMatchObject({ kind: "error", name: "AbortError" });
  });

  it("a caller's abort is honoured while the generations are read from a hung cache", async () => {
    server.use(record(QUERY_URL, [], () => Response.json(EMPTY_VECTOR)));
    const hung = new Map<string, unknown>();
    const store = {
      get: () => new Promise(() => {}),
      getMany: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      delete: async () => true,
      clear: async () => {},
      has: () => new Promise(() => {}),
      on: () => store,
      opts: {},
      namespace: undefined,
      _map: hung,
    };
    const client = makeClient({ cache: new Keyv({ store: store as never }), cacheTimeout: 3_000 });
    const r = await outcome(client.query("up", { signal: AbortSignal.timeout(100), timeout: 300 }), 5_000);
    expect(r.kind).toBe("error");
    // the caller asked to stop at 100 ms (and its deadline is 300 ms)
    expect(r.ms).toBeLessThan(1_000);
  });
});
