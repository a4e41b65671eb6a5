import { describe, expect, it } from "vitest";
import { jsonBody } from "../support/stubServer.ts";
import { collectorPool, rotatingCluster } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("a client replaced while a call runs on it", () => {
  it("lets that call finish past the short close grace (its own deadline bounds it), its events still heard", async () => {
    // The first answer takes 1.6 s, longer than close()'s default 1 s grace.
    let answered = 0;
    const s = await stub((req, res) => {
      const delay = answered++ === 0 ? 1_600 : 0;
      setTimeout(() => jsonBody(200, vectorBody({}, 1))(req, res), delay);
    });
    const { registry, rotate } = rotatingCluster(s.url, "token-1");
    const fleet = collector({ registry, timeout: 10_000 });
    const responses: number[] = [];
    fleet.on("response", (e) => responses.push(e.status));
    const slow = fleet.query("up");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const old = await fleet.client("a");
    rotate("token-2"); // the next fan-out builds a new client and retires the old one
    const fast = await fleet.query("up");
    expect(fast.get("a")?.status).toBe("ok");
    expect(await fleet.client("a")).not.toBe(old);
    const result = (await slow).get("a");
    expect(result?.error?.message).toBeUndefined();
    expect(result?.status).toBe("ok");
    expect(result?.latencyMs).toBeGreaterThan(1_000);
    // The old client's call reported its response too, though the client was being retired.
    expect(responses).toEqual([200, 200]);
  });
});

describe("PrometheusClient.close({ graceMs })", () => {
  it("refuses a grace that is not a non-negative number of milliseconds", async () => {
    const { PrometheusClient, InvalidArgumentError } = await import("../../src/index.ts");
    const client = new PrometheusClient({ url: "http://127.0.0.1:9" });
    for (const graceMs of [-1, Number.NaN, 2 ** 31, "1s"]) {
      await expect(client.close({ graceMs: graceMs as number })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await client.close({ graceMs: 0 });
    await expect(client.query("up")).rejects.toThrow(/closed/);
  });
});
