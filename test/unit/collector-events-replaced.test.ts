import { describe, expect, it } from "vitest";
import { LookupClusterRegistry } from "../../src/collector/registry.ts";
import { jsonBody } from "../support/stubServer.ts";
import { collectorPool, rotatingBearer } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("fleet events of a call running on a replaced client", () => {
  it("are still forwarded to the collector's listeners", async () => {
    let answered = 0;
    const s = await stub((req, res) => {
      const delay = answered++ === 0 ? 800 : 0;
      setTimeout(() => jsonBody(200, vectorBody({}, 1))(req, res), delay);
    });
    let token = "token-1";
    const registry = new LookupClusterRegistry({
      list: () => ["a"],
      lookup: () => ({ url: s.url, auth: rotatingBearer(() => token) }),
      memoMs: 0,
    });
    const fleet = collector({ registry, timeout: 10_000 });
    const responses: number[] = [];
    fleet.on("response", (e) => responses.push(e.status));
    const slow = fleet.query("up");
    await new Promise((resolve) => setTimeout(resolve, 200));
    token = "token-2"; // the next fan-out builds a new client and retires the old one
    await fleet.query("up");
    expect((await slow).get("a")?.status).toBe("ok");
    // Two HTTP attempts answered 200; the collector heard only the new client's.
    expect(responses).toEqual([200, 200]);
  });
});
