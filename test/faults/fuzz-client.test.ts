import fc from "fast-check";
import { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CacheEvent, PrometheusClient, PrometheusError } from "../../src/index.ts";
import { fuzzSeed } from "../support/seed.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { body } from "./fuzz/bodies.ts";
import { stored } from "./fuzz/cacheEntries.ts";
import { assertNoPollution, checkQueryData } from "./fuzz/guards.ts";

/**
 * A smaller sample of the fuzz through the public client, over a loopback socket: generated
 * bodies served by a stub reach query() and queryRange() whole (transport, status mapping,
 * decoding, the cache's encode and read-back), and each call ends with a result or a
 * PrometheusError within its deadline. Then generated values are planted in the cache's store
 * under the client's own keys: each call still succeeds (a bad entry is a miss).
 */

const SEED = fuzzSeed();
const DEADLINE_MS = 3_000;

describe("fuzzing through the public client", () => {
  let stub: StubServer;
  let current: Uint8Array = new Uint8Array();
  let status = 200;
  const map = new Map<string, unknown>();
  let client: PrometheusClient;
  const cacheEvents: CacheEvent[] = [];

  beforeAll(async () => {
    stub = await startStubServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(current);
      });
    });
    client = new PrometheusClient({
      url: stub.url,
      timeout: DEADLINE_MS,
      retry: 0,
      cache: new Keyv({ store: map }),
      cacheTimeout: 500,
    });
    client.on("cache", (event) => cacheEvents.push(event));
  });
  afterAll(async () => {
    await client?.close();
    await stub?.close();
  });

  it("500 generated bodies (under 200, 400 and 503): a result or a PrometheusError by the deadline; cached results read back equal", async () => {
    let n = 0;
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(200, 200, 200, 400, 503), async (bytes, code) => {
        current = bytes;
        status = code;
        // Far apart, so that ranges aligned to the step never share a cache entry.
        const time = 1_700_000_000 + ++n * 1_000;
        const range = n % 2 === 0;
        const call = () =>
          range
            ? client.queryRange("up", { start: time, end: time + 60, step: 15 })
            : client.query("up", { time });
        const started = performance.now();
        const first = await call().catch((error: unknown) => error);
        expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 1_000);
        assertNoPollution();
        if (first instanceof Error) {
          expect(first).toBeInstanceOf(PrometheusError);
          outcomes[first.name] = (outcomes[first.name] ?? 0) + 1;
          return;
        }
        const data = (first as { data: unknown }).data;
        checkQueryData(data, range);
        outcomes.ok = (outcomes.ok ?? 0) + 1;
        // The same call again: from the cache once the background write landed, and equal.
        await expect
          .poll(
            () =>
              cacheEvents.some((e) => e.type === "store") ||
              (first as { warnings: string[] }).warnings.length > 0,
            { timeout: 1_000 },
          )
          .toBe(true);
        cacheEvents.length = 0;
        current = new TextEncoder().encode(
          '{"status":"error","errorType":"execution","error":"not from the cache"}',
        );
        status = 422;
        const second = await call().catch((error: unknown) => error);
        if ((first as { warnings: string[] }).warnings.length > 0) {
          expect(second).toBeInstanceOf(PrometheusError); // results with warnings are not cached
        } else {
          expect((second as { cached: boolean }).cached).toBe(true);
          expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
    console.info(`public client (seed ${SEED}): ${JSON.stringify(outcomes)}`);
    expect(outcomes.ok).toBeGreaterThan(15);
    expect(outcomes.ResponseError).toBeGreaterThan(20);
  });

  it("generated values planted under the client's cache keys: every call still succeeds, a bad entry is a miss", async () => {
    const good = new TextEncoder().encode(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"2"]}]}}',
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(stored, async ({ raw }) => {
        current = good;
        status = 200;
        const time = 1_800_000_000 + ++n;
        await client.query("up", { time });
        await expect.poll(() => cacheEvents.some((e) => e.type === "store"), { timeout: 1_000 }).toBe(true);
        cacheEvents.length = 0;
        // Every entry key of this client now holds the generated value instead.
        const text = raw === undefined ? undefined : JSON.stringify({ value: raw });
        let planted = 0;
        for (const key of map.keys()) {
          if (!key.includes(":r1:")) continue; // result entries, not generation tokens
          map.set(key, text);
          planted++;
        }
        expect(planted).toBeGreaterThan(0);
        const again = await client.query("up", { time });
        expect(again.cached).toBe(false);
        expect(JSON.stringify(again.data)).toContain('"a":"b"');
        assertNoPollution();
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
