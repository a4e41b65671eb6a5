import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, MetricsCollector, StaticClusterRegistry } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * fleet.queryRange checks split once, planning the range both as given and as an aligning cache
 * floors it: a range that is one piece as given and two once floored (points 100, 115, …, 190 all
 * lie in [97, 194); floored to 15 s, 90 lies in [0, 97)) is refused up front, not per cluster.
 */
describe("the fleet's one split check and an aligning cache", () => {
  let stub: StubServer | undefined;
  let fleet: MetricsCollector | undefined;
  afterEach(async () => {
    await fleet?.close();
    await stub?.close();
  });

  it("refuses once, up front, what every cluster would refuse", async () => {
    stub = await startStubServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }));
    });
    fleet = new MetricsCollector({
      registry: new StaticClusterRegistry([
        { id: "a", url: stub.url },
        { id: "b", url: stub.url },
      ]),
      cache: new Keyv(),
    });
    const call = fleet.queryRange("time() - end()", { start: 100, end: 190, step: 15, split: 97 });
    const outcome = await call.then(
      (r) => ({ perCluster: [...r].map((c) => c.error?.name ?? c.status) }),
      (e: unknown) => ({ thrown: e }),
    );
    expect(outcome).toEqual({ thrown: expect.any(InvalidArgumentError) });
  });
});
