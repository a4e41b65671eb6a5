import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, PrometheusClient, TimeoutError } from "../../src/index.ts";
import { withLatency } from "../support/stubServer.ts";
import { stubPool } from "./collectorStubs.ts";

const stub = stubPool();
const clients: PrometheusClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe("a caller aborting with a promfleet error as the reason", () => {
  for (const cache of [false, true]) {
    it(`cancelling siblings with the first failure: each sibling gets its own AbortError, the reason as cause (cache ${cache})`, async () => {
      const server = await stub(withLatency(1_000));
      const client = new PrometheusClient({
        url: server.url,
        retry: false,
        ...(cache ? { cache: new Keyv() } : {}),
      });
      clients.push(client);
      const events: Error[] = [];
      client.on("error", (e) => events.push(e.error));
      // A common idiom: several calls share a controller; the first failure cancels the others.
      const controller = new AbortController();
      const first = client.query("a", { timeout: 100, signal: controller.signal }).catch((e: unknown) => {
        controller.abort(e);
        return e as Error;
      });
      const second = client
        .query("b", { timeout: 5_000, signal: controller.signal })
        .catch((e: unknown) => e as Error);
      const [e1, e2] = await Promise.all([first, second]);
      expect(e1).toBeInstanceOf(TimeoutError);
      // The second call was aborted by its caller: it should be an AbortError with e1 as cause,
      // not the first call's TimeoutError object itself (same stack, same timeoutMs: 100).
      expect(e2).not.toBe(e1);
      expect(e2).toBeInstanceOf(AbortError);
      expect((e2 as AbortError).cause).toBe(e1);
    });
  }
});
