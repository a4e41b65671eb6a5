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

/** A client with a cache against a server answering after 1 s, and the `error` events it emits. */
async function slowCachedClient() {
  const server = await stub(withLatency(1_000));
  const client = new PrometheusClient({ url: server.url, cache: new Keyv(), retry: false });
  clients.push(client);
  const events: Error[] = [];
  client.on("error", (e) => events.push(e.error));
  return { client, events };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a shared request every caller left", () => {
  it("reports the last caller's timeout, not a bare abort", async () => {
    const { client, events } = await slowCachedClient();
    const error = await client.query("up", { timeout: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await settle(50);
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(TimeoutError);
    expect(events[0]!.message).toBe((error as Error).message);
    // The request's error is its own copy: changing the caller's changes nothing there.
    expect(events[0]).not.toBe(error);
  });

  it("reports the last caller's abort, with the caller's reason as its cause", async () => {
    const { client, events } = await slowCachedClient();
    const controller = new AbortController();
    const reason = new Error("dashboard closed");
    setTimeout(() => controller.abort(reason), 100);
    const error = await client.query("up", { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    await settle(50);
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(AbortError);
    expect(events[0]!.cause).toBe(reason);
  });
});
