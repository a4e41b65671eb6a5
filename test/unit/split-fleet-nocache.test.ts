import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { MetricsCollector, PrometheusClient, StaticClusterRegistry } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * The fleet's one split check plans the range as a cache floors it only when something floors it:
 * without a cache, or with `cache: false`, a range that is one piece as given (sent as is,
 * `end()` and all) is taken by the fleet as by each of its clients.
 */
const CALL = { start: 100, end: 190, step: 15, split: 97 } as const;
const Q = "time() - end()";

describe("the fleet's one split check when nothing floors the range", () => {
  let stub: StubServer | undefined;
  let fleet: MetricsCollector | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await fleet?.close();
    await client?.close();
    await stub?.close();
  });

  const start = async () =>
    startStubServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }));
    });

  it.each([
    ["no cache", {}, {}],
    ["cache, call with cache: false", { cache: new Keyv() }, { cache: false }],
  ])("%s: the fleet takes what its client takes", async (_, fleetOptions, callOptions) => {
    stub = await start();
    client = new PrometheusClient({ url: stub.url, ...fleetOptions });
    const alone = await client.queryRange(Q, { ...CALL, ...callOptions } as never).then(
      () => "ok",
      (e: unknown) => (e as Error).name,
    );
    expect(alone, "a client alone").toBe("ok");
    fleet = new MetricsCollector({
      registry: new StaticClusterRegistry([{ id: "a", url: stub.url }]),
      ...fleetOptions,
    } as never);
    const outcome = await fleet.queryRange(Q, { ...CALL, ...callOptions } as never).then(
      (r) => [...r].map((c) => c.status),
      (e: unknown) => (e as Error).message,
    );
    expect(outcome).toEqual(["ok"]);
  });
});
