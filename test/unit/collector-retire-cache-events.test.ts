import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { jsonBody } from "../support/stubServer.ts";
import { missingStore, rotatingCluster } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads miss at once; a write fails after 40 ms (a Redis that is slow and then refuses). */
const slowFailingWrites = () =>
  missingStore(async () => {
    await sleep(40);
    throw new Error("OOM command not allowed");
  });

describe("events of a replaced client's background cache write", () => {
  it("the cache error of the last call's write reaches the fleet after the client is replaced", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const keyv = new Keyv({ store: slowFailingWrites(), throwOnErrors: true });
    const fleet = new MetricsCollector({ registry, cache: keyv, clientOptions: { retry: false } });
    const cacheErrors: string[] = [];
    fleet.on("cache", (e) => {
      if (e.type === "error") cacheErrors.push(String(e.error?.message));
    });
    try {
      expect((await fleet.query("up")).get("a")?.status).toBe("ok"); // its write is now under way
      rotate("t2");
      await fleet.client("a"); // replaces the client: the old one has no call in flight
      await sleep(300); // the old client's write has failed by now
      expect(cacheErrors).toEqual(["cache set failed: OOM command not allowed"]);
    } finally {
      await fleet.close();
    }
  });
});
