import { Keyv, type KeyvStoreAdapter } from "keyv";
import { describe, expect, it } from "vitest";
import { KeyvGuard } from "../../src/cache/guard.ts";
import { recordingReporter } from "./guardReporter.ts";

/** A store whose reads fail fast (error event + throw), and whose writes hang for ever when `hang` says so. */
function brokenStore(hangWrites: () => boolean): KeyvStoreAdapter {
  const listeners: Array<(error: unknown) => void> = [];
  return {
    opts: {},
    namespace: undefined,
    get: async () => {
      const error = new Error("ECONNREFUSED");
      for (const l of listeners) l(error);
      throw error;
    },
    set: async () => {
      if (hangWrites()) return new Promise(() => {});
      return true;
    },
    delete: async () => true,
    clear: async () => {},
    on: (event: string, listener: (error: unknown) => void) => {
      if (event === "error") listeners.push(listener);
    },
  } as unknown as KeyvStoreAdapter;
}

describe("guard write counters", () => {
  it("control: reads failing fast open the read breaker", async () => {
    const guard = new KeyvGuard(new Keyv({ store: brokenStore(() => false) }));
    const r = recordingReporter();
    for (let i = 0; i < 6; i++) await guard.get(`k${i}`, { timeoutMs: 100, reporter: r });
    expect(guard.breakers.read.isOpen).toBe(true);
  });

  it("one write that never settles (given up on by its timeout) must not blind the read breaker for ever", async () => {
    let hang = true;
    const guard = new KeyvGuard(new Keyv({ store: brokenStore(() => hang) }));
    const r = recordingReporter();
    const w = await guard.set("w", "v", 10_000, { timeoutMs: 20, reporter: r });
    expect(w).toEqual({ ok: false, reason: "failed" });
    hang = false;
    // Long after the write was given up on, no write is running: reads fail fast, one after another.
    for (let i = 0; i < 10; i++) await guard.get(`k${i}`, { timeoutMs: 100, reporter: r });
    expect(guard.breakers.read.isOpen).toBe(true);
  });
});
