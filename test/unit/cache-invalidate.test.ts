import { Keyv } from "keyv";
import { delay, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { UnavailableError } from "../../src/index.ts";
import { makeClient, mockPrometheus, QUERY_URL, record, type SeenRequest } from "./promMock.ts";

const server = mockPrometheus();
const T = 1_700_000_000;

/** A vector whose value says which upstream answer it is. */
function counting(log: SeenRequest[]) {
  return record(QUERY_URL, log, (_r, i) =>
    HttpResponse.json({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { __name__: "n" }, value: [T, String(i + 1)] }] },
    }),
  );
}

function storeDone(client: ReturnType<typeof makeClient>): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on("cache", (e) => {
      if (e.type === "store") {
        off();
        resolve();
      }
    });
  });
}

/** A Map whose set() fails for generation keys while `failGen` is set. */
class FlakyMap<K, V> extends Map<K, V> {
  failGen = false;
  override set(key: K, value: V): this {
    if (this.failGen && String(key).includes(":gen:")) throw new Error("connection reset");
    return super.set(key, value);
  }
}

describe("invalidation when the cache did not take the write", () => {
  it("this process never serves entries from before the invalidation again", async () => {
    const log: SeenRequest[] = [];
    server.use(counting(log));
    const map = new FlakyMap<string, unknown>();
    const keyv = new Keyv({ store: map });
    const client = makeClient({ cache: keyv, cluster: "east", cacheTimeout: 1_000 });

    const stored = storeDone(client);
    const first = await client.query("up", { time: T });
    await stored;
    expect((first.data.result as Array<{ value: number }>)[0]!.value).toBe(1);

    // A Redis blip during invalidate(): the write fails, and invalidate() says so.
    map.failGen = true;
    const err = await client.invalidate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(String((err as Error).message)).toMatch(/this process no longer serves the old entries/);
    map.failGen = false;

    const stored2 = storeDone(client);
    const second = await client.query("up", { time: T });
    await stored2;
    expect(second.cached).toBe(false);
    expect((second.data.result as Array<{ value: number }>)[0]!.value).toBe(2);

    await new Promise((r) => setTimeout(r, 1_200)); // past the 1 s generation memo
    const third = await client.query("up", { time: T });
    // The value after invalidation (2, from the cache, or 3 upstream), never the old 1.
    expect((third.data.result as Array<{ value: number }>)[0]!.value).not.toBe(1);

    // That read also wrote the refused token again: another replica (its own Keyv over the same
    // store) no longer finds the entries from before the invalidation either.
    await new Promise((r) => setTimeout(r, 50));
    const replica = makeClient({ cache: new Keyv({ store: map }), cluster: "east", cacheTimeout: 1_000 });
    const fourth = await replica.query("up", { time: T });
    expect((fourth.data.result as Array<{ value: number }>)[0]!.value).not.toBe(1);
  });
});

describe("a coalesced caller's own deadline", () => {
  it("control: alone, a call with a per-call timeout longer than the client's succeeds", async () => {
    server.use(
      record(QUERY_URL, [], async () => {
        await delay(1_500);
        return HttpResponse.json({ status: "success", data: { resultType: "vector", result: [] } });
      }),
    );
    const client = makeClient({ cache: new Keyv(), timeout: 1_000 });
    const r = await client.query("up", { time: T, timeout: 5_000 });
    expect(r.data.resultType).toBe("vector");
  });

  it("a caller with a longer per-call timeout is not failed early because it joined a shorter flight", async () => {
    server.use(
      record(QUERY_URL, [], async () => {
        await delay(1_500);
        return HttpResponse.json({ status: "success", data: { resultType: "vector", result: [] } });
      }),
    );
    const client = makeClient({ cache: new Keyv(), timeout: 1_000 });
    const short = client.query("up", { time: T }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    const patient = await client.query("up", { time: T, timeout: 5_000 }).catch((e: unknown) => e);
    await short;
    // The caller allowed 5 s; the server answers in 1.5 s.
    expect(patient).not.toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
