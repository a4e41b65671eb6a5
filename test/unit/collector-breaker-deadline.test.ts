import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { withLatency } from "../support/stubServer.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();

describe("breaker and caller-imposed deadlines", () => {
  it("a caller's short per-call deadline does not open the circuit of a healthy cluster for everyone", async () => {
    const s = await stub(withLatency(150, vectorBody({}, 1)));
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url }],
      clientOptions: { retry: false },
    });
    try {
      for (let i = 0; i < 5; i++) {
        expect((await fleet.query("up", { deadline: 30 })).get("a")?.status).toBe("timeout");
      }
      // A normal call (default 10 s per cluster) would answer in 150 ms.
      const r = await fleet.query("up");
      expect(r.get("a")?.error?.message).toBeUndefined();
      expect(r.get("a")?.status).toBe("ok");
    } finally {
      await fleet.close();
    }
  });
});
