import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Logger, PrometheusClient } from "../../src/index.ts";
import { Events } from "../../src/observe/events.ts";
import { type FakePrometheus, startFakePrometheus } from "../../src/testing/index.ts";
import { EMPTY_VECTOR_BODY, type StubServer, startStubServer } from "../support/stubServer.ts";

const T = 1_700_000_000;
let fake: FakePrometheus;

beforeAll(async () => {
  fake = await startFakePrometheus({
    series: [{ labels: { __name__: "up", job: "api" }, samples: [[T, 1]] }],
  });
});
afterAll(async () => {
  await fake.close();
});

/** Collects unhandled rejections raised while `fn` runs (and a little after). */
async function unhandledDuring(fn: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown, promise: Promise<unknown>) => {
    seen.push(reason);
    promise.catch(() => {}); // mark handled so vitest does not also fail the whole run
  };
  // Take over from vitest's listener for the duration, so the proof is an assertion, not a crash.
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off("unhandledRejection", onRejection);
    for (const l of others) process.on("unhandledRejection", l as never);
  }
  return seen;
}

describe("logger and listener failures", () => {
  it("an async logger that rejects does not cause an unhandled rejection", async () => {
    const reject = async () => {
      throw new Error("log shipper down");
    };
    const logger: Logger = { debug: reject, info: reject, warn: reject, error: reject };
    const client = new PrometheusClient({ url: fake.url, logger, retry: false });
    const seen = await unhandledDuring(() => client.query("sum(up)").catch(() => {})); // a failed call logs "call failed"
    await client.close();
    expect(seen).toEqual([]);
  });

  it("an async event listener that rejects does not cause an unhandled rejection", async () => {
    const client = new PrometheusClient({ url: fake.url, retry: false });
    client.on("request", async () => {
      throw new Error("metrics sink down");
    });
    const seen = await unhandledDuring(() => client.query("up", { time: T }));
    await client.close();
    expect(seen).toEqual([]);
  });

  it("a listener that re-subscribes itself during emit is not called again for the same event", () => {
    const events = new Events();
    let calls = 0;
    const listener = () => {
      calls++;
      if (calls > 5) return; // guard: without it this loops forever
      events.off("request", listener);
      events.on("request", listener);
    };
    events.on("request", listener);
    events.emit("request", { endpoint: "x", method: "POST", attempt: 1, cluster: undefined });
    expect(calls).toBe(1);
  });

  it("a listener added during emit does not hear the event being emitted (EventEmitter semantics)", () => {
    const events = new Events();
    const heard: string[] = [];
    events.on("request", () => {
      heard.push("first");
      events.on("request", () => heard.push("late"));
    });
    events.emit("request", { endpoint: "x", method: "POST", attempt: 1, cluster: undefined });
    expect(heard).toEqual(["first"]);
  });
});

describe("ResponseEvent.durationMs is documented as 'until its response headers arrived'", () => {
  let stub: StubServer;
  afterAll(async () => stub?.close());
  it("does not include the body download time", async () => {
    stub = await startStubServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      const text = JSON.stringify(EMPTY_VECTOR_BODY);
      res.write(text.slice(0, 5));
      setTimeout(() => res.end(text.slice(5)), 600);
    });
    const client = new PrometheusClient({ url: stub.url, retry: false });
    let durationMs = -1;
    client.on("response", (e) => {
      durationMs = e.durationMs;
    });
    await client.query("up");
    await client.close();
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(durationMs).toBeLessThan(400);
  });
});
