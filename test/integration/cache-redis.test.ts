import { describe } from "vitest";
import { createRedisCache } from "../../src/index.ts";
import { redisMissing } from "../support/binaries.ts";
import { startRedis } from "../support/redis.ts";
import { RespConnection } from "../support/resp.ts";
import { cacheContract } from "../unit/cache-contract.ts";

// The same contract as the memory store, against a real redis-server through createRedisCache.
// Two createRedisCache instances over one server behave like two replicas.
describe.skipIf(redisMissing)("redis", () => {
  cacheContract("redis-server via createRedisCache", async () => {
    const redis = await startRedis();
    const opened: ReturnType<typeof createRedisCache>[] = [];
    return {
      keyv: () => {
        const keyv = createRedisCache(`${redis.url}/2`);
        opened.push(keyv);
        return keyv;
      },
      // DB 2, from the URL's path: KEYS on DB 0 would find nothing.
      keys: async (prefix) => {
        const connection = await RespConnection.open(redis.port);
        try {
          await connection.send(["SELECT", "2"]);
          const keys = (await connection.send(["KEYS", `${prefix}*`])) as string[];
          return keys.filter((key) => key.startsWith(prefix));
        } finally {
          connection.close();
        }
      },
      close: async () => {
        await Promise.all(opened.map((keyv) => keyv.disconnect().catch(() => {})));
        await redis.stop();
      },
    };
  });
});
