import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import { jsonBody, withLatency } from "../support/stubServer.ts";
import { rotatingBearer } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("close() while a fan-out runs", () => {
  it("does not build (and leak) new clients for clusters started after close()", async () => {
    const a = await stub(withLatency(300, vectorBody({}, 1)));
    const b = await stub(withLatency(0, vectorBody({}, 2)));
    const fleet = new MetricsCollector({
      registry: [
        { id: "a", url: a.url },
        { id: "b", url: b.url },
      ],
      concurrency: 1,
      clientOptions: { retry: false },
    });
    const running = fleet.query("up");
    await sleep(100); // "a" is in flight, "b" not started yet
    await fleet.close();
    const r = await running;
    // After close() resolved, the collector must hold no client and no socket to any cluster.
    await sleep(200);
    const leftover = {
      clients: fleet.toJSON().clients,
      bSockets: b.openSockets(),
      bStatus: r.get("b")?.status,
    };
    expect(leftover).toEqual({ clients: 0, bSockets: 0, bStatus: expect.not.stringMatching(/^ok$/) });
  });
});

describe("a replaced client's grace", () => {
  it("lets a call running on the old client finish within that call's own (longer) deadline", async () => {
    let answered = 0;
    const s = await stub((req, res) => {
      const delay = answered++ === 0 ? 1_200 : 0;
      setTimeout(() => jsonBody(200, vectorBody({}, 1))(req, res), delay);
    });
    let token = "token-1";
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      // the cluster's own timeout is 300 ms, but the fan-out below asks for 5 s
      lookup: () => ({ url: s.url, auth: rotatingBearer(() => token), clientOptions: { timeout: 300 } }),
      memoMs: 0,
    });
    const fleet = new MetricsCollector({ registry, clientOptions: { retry: false } });
    try {
      const slow = fleet.query("up", { timeout: 5_000 });
      await sleep(150);
      token = "token-2";
      expect((await fleet.query("up", { timeout: 5_000 })).get("a")?.status).toBe("ok");
      const result = (await slow).get("a");
      expect(result?.error?.message).toBeUndefined();
      expect(result?.status).toBe("ok");
    } finally {
      await fleet.close();
    }
  });
});

describe("close() twice", () => {
  it("a second close() does not resolve before the first has closed the clients", async () => {
    const s = await stub(withLatency(0, vectorBody({}, 1)));
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url }],
      clientOptions: { retry: false },
    });
    await fleet.query("up");
    const client = await fleet.client("a");
    let firstDone = false;
    const first = fleet.close().then(() => {
      firstDone = true;
    });
    await fleet.close();
    const secondSawFirstDone = firstDone;
    await first;
    expect(client.toJSON()).toMatchObject({}); // client exists
    expect(secondSawFirstDone).toBe(true);
  });
});
