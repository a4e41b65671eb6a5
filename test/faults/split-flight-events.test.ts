import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { BadQueryError, PrometheusClient } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { sleep } from "./helpers.ts";
import { matrix, startOf } from "./splitStub.ts";

/**
 * A split call's pieces are quiet (the call reports its failure once), but a plain call that joins
 * a piece's cache flight still wants its own `error` event: the flight decides when it fails, by
 * who is still waiting. (It once stayed quiet for every caller that joined it.)
 */
const S = 1_700_000_040; // a multiple of 60 and 15
const RANGE = { start: S, end: S + 600 - 15, step: 15, split: { interval: "1m", concurrency: 10 } };
const BAD = S + 180; // the fourth piece: [S+180, S+225]

describe("a plain call joining the cache flight of a split call's piece", () => {
  let stub: StubServer | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close({ graceMs: 0 });
    await stub?.close();
  });

  it("each failed call has its own error event", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        if (start !== BAD) return matrix(res, start);
        await sleep(300);
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "error", errorType: "bad_data", error: "bad piece" }));
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false, cache: new Keyv() });
    const errors: Error[] = [];
    const cache: string[] = [];
    client.on("error", (e) => errors.push(e.error));
    client.on("cache", (e) => cache.push(e.type));

    const split = client.queryRange("up", RANGE).catch((e: unknown) => e as Error);
    await sleep(100); // the piece [BAD, BAD+45] is in flight now
    const plain = client
      .queryRange("up", { start: BAD, end: BAD + 45, step: 15 })
      .catch((e: unknown) => e as Error);
    const [a, b] = await Promise.all([split, plain]);
    await sleep(50);
    expect(a).toBeInstanceOf(BadQueryError);
    expect(b).toBeInstanceOf(BadQueryError);
    expect(cache).toContain("coalesced"); // the plain call did join the piece's flight
    // Two calls failed: the split call's one event, and the plain call's.
    expect(errors).toHaveLength(2);
  });
});
