import { describe, expect, it } from "vitest";
import { MetricsCollector } from "../../src/collector/MetricsCollector.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();

describe("snapshot ordering and fleet.client()", () => {
  it("a slow registry answer for fleet.client() does not switch a cluster back to a rotated-away token", async () => {
    const seen: string[] = [];
    const s = await stub((req, res) => {
      req.resume();
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(vectorBody({}, 1)));
    });
    let token = "token-one-1111";
    let releaseGet!: () => void;
    const held = new Promise<void>((r) => (releaseGet = r));
    const entry = (t: string) => ({ id: "a", url: s.url, auth: { type: "bearer" as const, token: t } });
    const fleet = new MetricsCollector({
      registry: {
        // A lookup that reads the registry now and answers late (a slow secret store).
        get: async (id: string) => {
          const snapshot = entry(token);
          await held;
          return id === "a" ? snapshot : undefined;
        },
        list: () => [entry(token)],
      },
      clientOptions: { retry: false },
    });
    try {
      const pending = fleet.client("a"); // asks the registry while the token is still "one"
      token = "token-two-2222"; // rotated
      // A fan-out lists the registry after the rotation: its client sends token two.
      expect((await fleet.query("up", { clusters: () => true })).get("a")?.status).toBe("ok");
      releaseGet(); // the older answer arrives now
      const client = await pending;
      await client.query("up");
      // A later fan-out from a fresh listing.
      await fleet.query("up", { clusters: () => true });
      // The answer fleet.client() got was asked for before the fan-out's listing: like a fan-out's
      // older answer, it should be lent the current client, not replace it with token one.
      expect(seen).toEqual(["Bearer token-two-2222", "Bearer token-two-2222", "Bearer token-two-2222"]);
    } finally {
      await fleet.close();
    }
  });
});
