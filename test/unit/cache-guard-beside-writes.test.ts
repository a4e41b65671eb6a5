import { Keyv, type KeyvStoreAdapter } from "keyv";
import { describe, expect, it } from "vitest";
import { KeyvGuard } from "../../src/cache/guard.ts";
import { recordingReporter } from "./guardReporter.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A full Redis (maxmemory + noeviction) as a Keyv store: reads answer (after 5 ms), writes are refused. */
function fullStore(data: Map<string, unknown>): KeyvStoreAdapter {
  const listeners: Array<(error: unknown) => void> = [];
  return {
    opts: {},
    namespace: undefined,
    get: async (key: string) => {
      await sleep(5);
      return data.get(key);
    },
    set: async () => {
      const error = new Error("OOM command not allowed when used memory > 'maxmemory'");
      for (const listener of listeners) listener(error);
      throw error;
    },
    delete: async (key: string) => data.delete(key),
    clear: async () => data.clear(),
    on: (event: string, listener: (error: unknown) => void) => {
      if (event === "error") listeners.push(listener);
    },
  } as unknown as KeyvStoreAdapter;
}

describe("read and write breakers with Keyv's default throwOnErrors: false", () => {
  it("refused writes running beside read misses leave the read breaker closed", async () => {
    const data = new Map<string, unknown>();
    // Keyv's default (throwOnErrors false), as a user passing `new Keyv({ store: new KeyvRedis(url) })` has.
    const keyv = new Keyv({ store: fullStore(data) });
    data.set("keyv:stored", { value: "hit", expires: undefined });
    const guard = new KeyvGuard(keyv);
    const r = recordingReporter();
    const call = { timeoutMs: 500, reporter: r };
    // A fleet polling: each round, one query misses (its read) while another's write is refused.
    for (let i = 0; i < 6; i++) {
      await Promise.all([guard.get(`miss-${i}`, call), guard.set(`new-${i}`, "v", 30_000, call)]);
    }
    // The reads all worked (they were misses): only the write breaker should have opened, so the
    // entry stored before Redis filled up is still served.
    expect(await guard.get("stored", call)).toEqual({ ok: true, value: "hit" });
    expect(r.transitions).toEqual(["write opened"]);
  });
});
