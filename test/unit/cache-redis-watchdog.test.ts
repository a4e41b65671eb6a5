import { describe, expect, it } from "vitest";
import { type PingableClient, RedisWatchdog } from "../../src/cache/redisWatchdog.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client whose PING does what `answer` says, counting pings and destroys. */
function fakeClient(answer: () => Promise<unknown>, ready = true) {
  const seen = { pings: 0, destroyed: 0 };
  const client: PingableClient = {
    get isOpen() {
      return seen.destroyed === 0;
    },
    get isReady() {
      return ready && seen.destroyed === 0;
    },
    ping: () => {
      seen.pings++;
      return answer();
    },
    destroy: () => {
      seen.destroyed++;
    },
  };
  return { client, seen };
}

describe("RedisWatchdog", () => {
  it("leaves a connection that answers alone", async () => {
    const { client, seen } = fakeClient(() => sleep(5).then(() => "PONG"));
    const dog = new RedisWatchdog(client, 20, 100, () => {});
    dog.start();
    await sleep(150);
    dog.stop();
    expect(seen.pings).toBeGreaterThanOrEqual(3);
    expect(seen.destroyed).toBe(0);
  });

  it("drops a silent connection once, saying so first; a failed PING is node-redis' own", async () => {
    let silent = 0;
    const { client, seen } = fakeClient(() => new Promise(() => {}));
    const dog = new RedisWatchdog(client, 20, 50, () => silent++);
    dog.start();
    await sleep(200);
    dog.stop();
    expect({ silent, destroyed: seen.destroyed }).toEqual({ silent: 1, destroyed: 1 });

    const failing = fakeClient(() => Promise.reject(new Error("ECONNRESET")));
    const other = new RedisWatchdog(failing.client, 20, 50, () => {});
    other.start();
    await sleep(100);
    other.stop();
    expect(failing.seen.pings).toBeGreaterThan(0);
    expect(failing.seen.destroyed).toBe(0);
  });

  it("does not ping a connection being made, nor after stop(), nor with an interval of 0", async () => {
    const notReady = fakeClient(() => Promise.resolve("PONG"), false);
    const a = new RedisWatchdog(notReady.client, 10, 50, () => {});
    a.start();
    await sleep(60);
    a.stop();
    const off = fakeClient(() => Promise.resolve("PONG"));
    new RedisWatchdog(off.client, 0, 50, () => {}).start();
    const stopped = fakeClient(() => Promise.resolve("PONG"));
    const c = new RedisWatchdog(stopped.client, 10, 50, () => {});
    c.start();
    c.stop();
    await sleep(60);
    expect([notReady.seen.pings, off.seen.pings, stopped.seen.pings]).toEqual([0, 0, 0]);
  });
});
