import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import { jsonBody } from "../support/stubServer.ts";
import { missingStore, rotatingCluster } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();

/** Reads miss at once; a write never settles (a paused Redis). */
const hungWrites = () => missingStore(() => new Promise(() => {}));

describe("fleet.close() with a replaced client's background write to a hung Redis", () => {
  it("ends within its 1 s grace", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const { registry, rotate } = rotatingCluster(s.url, "t1");
    const fleet = new MetricsCollector({
      registry,
      cache: new Keyv({ store: hungWrites() }),
      clientOptions: { retry: false, cacheTimeout: 3_000 },
    });
    expect((await fleet.query("up")).get("a")?.status).toBe("ok"); // its write now hangs
    rotate("t2");
    await fleet.client("a"); // the old client is retired with its call's deadline (30 s) as grace
    const t0 = performance.now();
    await fleet.close();
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2_500); // the grace is 1 s; a hung cache write would hold it 3 s
  }, 10_000);

  it("control: without the replacement, fleet.close() ends at its grace", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      lookup: () => ({ url: s.url }),
      memoMs: 0,
    });
    const fleet = new MetricsCollector({
      registry,
      cache: new Keyv({ store: hungWrites() }),
      clientOptions: { retry: false, cacheTimeout: 3_000 },
    });
    expect((await fleet.query("up")).get("a")?.status).toBe("ok");
    const t0 = performance.now();
    await fleet.close();
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2_500); // the grace is 1 s; a hung cache write would hold it 3 s
  }, 10_000);
});
