import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { neverAnswers, withLatency } from "../support/stubServer.ts";
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

  it("a timeout within the cluster's own timeout still counts: a hung cluster's circuit opens", async () => {
    const s = await stub(neverAnswers());
    const fleet = new MetricsCollector({
      registry: [{ id: "a", url: s.url, clientOptions: { timeout: 100 } }],
      breaker: { failures: 2, coolDownMs: 60_000 },
      clientOptions: { retry: false },
    });
    try {
      for (let i = 0; i < 2; i++) expect((await fleet.query("up")).get("a")?.status).toBe("timeout");
      const third = (await fleet.query("up")).get("a");
      expect(third?.status).toBe("skipped");
      expect(third?.error?.message).toMatch(/circuit open/);
      expect(s.requests).toBe(2);
    } finally {
      await fleet.close();
    }
  });
});
