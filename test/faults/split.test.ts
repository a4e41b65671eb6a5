import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, BadQueryError, PrometheusClient, TimeoutError } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { failure, settle, sleep } from "./helpers.ts";

/** A range of 10 one-minute pieces at 15 s. */
const RANGE = { start: 1_700_000_040, end: 1_700_000_040 + 600 - 15, step: 15, split: "1m" };

/** The `start` a query_range request asked for (form body or URL). */
async function startOf(req: IncomingMessage): Promise<number> {
  let body = "";
  for await (const chunk of req) body += chunk;
  const params = new URLSearchParams(body || (req.url ?? "").split("?")[1]);
  return Number(params.get("start"));
}

function matrix(res: ServerResponse, start: number): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      status: "success",
      data: { resultType: "matrix", result: [{ metric: { job: "a" }, values: [[start, "1"]] }] },
    }),
  );
}

describe("a split range that fails", () => {
  let stub: StubServer | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close();
    await stub?.close();
  });

  it("rejects with the first piece's error and sends nothing after it", async () => {
    const starts: number[] = [];
    stub = await startStubServer((req, res) => {
      void startOf(req).then((start) => {
        starts.push(start);
        if (start !== RANGE.start + 180) return matrix(res, start);
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "error", errorType: "bad_data", error: "this piece is bad" }));
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const error = failure(
      await settle(() => client!.queryRange("up", { ...RANGE, split: { interval: "1m", concurrency: 1 } })),
    );
    expect(error).toBeInstanceOf(BadQueryError);
    expect(error.message).toMatch(/this piece is bad/);
    // One at a time: the fourth piece failed, and no later one was sent.
    expect(starts).toEqual([0, 60, 120, 180].map((s) => RANGE.start + s));
  });

  it("ends by its one deadline, however many pieces are left, with a TimeoutError", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        await sleep(150);
        if (!res.destroyed) matrix(res, start);
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const settled = await settle(() =>
      client!.queryRange("up", { ...RANGE, split: { interval: "1m", concurrency: 2 }, timeout: 400 }),
    );
    const error = failure(settled);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBeLessThanOrEqual(400);
    expect(settled.ms).toBeGreaterThanOrEqual(350);
    expect(settled.ms, "ends by its deadline (generous bound for a loaded machine)").toBeLessThan(2_500);
    // Two at a time, 150 ms each: at most six pieces were started within 400 ms, not all ten.
    expect(stub.requests).toBeLessThanOrEqual(6);
  });

  it("an abort ends every piece with an AbortError carrying the reason", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        await sleep(5_000);
        if (!res.destroyed) matrix(res, start);
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("the dashboard closed")), 100);
    const settled = await settle(() => client!.queryRange("up", { ...RANGE, signal: controller.signal }));
    const error = failure(settled);
    expect(error).toBeInstanceOf(AbortError);
    expect((error.cause as Error).message).toBe("the dashboard closed");
    expect(settled.ms).toBeLessThan(2_500);
    expect(stub.requests).toBe(4); // the default concurrency
  });

  it("a closed client rejects a split call as it rejects any other", async () => {
    stub = await startStubServer((req, res) => void startOf(req).then((start) => matrix(res, start)));
    client = new PrometheusClient({ url: stub.url });
    await client.close();
    await expect(client.queryRange("up", RANGE)).rejects.toThrow(/is closed/);
    expect(stub.requests).toBe(0);
  });
});
