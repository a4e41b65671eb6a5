import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, PrometheusClient } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { sleep } from "./helpers.ts";
import { matrix, startOf } from "./splitStub.ts";

/**
 * Two identical split calls share their pieces through the cache's single flight; one aborts
 * midway. The other must still get every piece, and only the aborted call reports an error.
 */
const S = 1_700_000_040;
const RANGE = { start: S, end: S + 600 - 15, step: 15, split: { interval: "1m", concurrency: 3 } };

describe("split calls sharing pieces, one of them aborting", () => {
  let stub: StubServer | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close({ graceMs: 0 });
    await stub?.close();
  });

  it("the other caller gets the whole matrix", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        await sleep(60);
        if (!res.destroyed) matrix(res, start);
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false, cache: new Keyv() });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e.error));
    const controller = new AbortController();
    const a = client.queryRange("up", { ...RANGE, signal: controller.signal }).catch((e: unknown) => e);
    const b = client.queryRange("up", RANGE);
    await sleep(90);
    controller.abort(new Error("gone"));
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBeInstanceOf(AbortError);
    expect([...rb.data.result[0]!.timestamps]).toEqual(Array.from({ length: 10 }, (_, i) => S + 60 * i));
    await sleep(50);
    expect(errors.map((e) => e.name)).toEqual(["AbortError"]);
  });
});
