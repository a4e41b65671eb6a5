import { Keyv } from "keyv";
import { cacheContract } from "./cache-contract.ts";

// Two Keyv instances over one Map behave like two replicas sharing a store.
cacheContract("memory Keyv", async () => {
  const map = new Map<string, unknown>();
  return {
    keyv: () => new Keyv({ store: map }),
    keys: async (prefix) =>
      [...map.keys()].map((key) => key.replace(/^keyv:/, "")).filter((key) => key.startsWith(prefix)),
    close: async () => {},
  };
});
