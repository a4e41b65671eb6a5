import type { IncomingMessage, ServerResponse } from "node:http";
import { Keyv } from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  BadQueryError,
  InvalidArgumentError,
  MetricsCollector,
  PrometheusClient,
  StaticClusterRegistry,
  TimeoutError,
  UnavailableError,
} from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";
import { failure, settle, sleep } from "./helpers.ts";
import { matrix, startOf } from "./splitStub.ts";

/** A range of 10 one-minute pieces at 15 s. */
const RANGE = { start: 1_700_000_040, end: 1_700_000_040 + 600 - 15, step: 15, split: "1m" };

describe("a split range under faults: failures, deadlines, aborts, close()", () => {
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
    // The call's deadline, not what the piece running then had left of it.
    expect((error as TimeoutError).timeoutMs).toBe(400);
    expect(error.message).toMatch(
      /\(a range split into 10 pieces\) did not complete within the deadline of 400 ms$/,
    );
    expect(error.cause).toBeInstanceOf(TimeoutError);
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

  it.each([
    ["without a cache", false],
    ["with a cache", true],
  ])("close() gives a running split call its grace, every piece of it (%s)", async (_, withCache) => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then((start) => setTimeout(() => !res.destroyed && matrix(res, start), 100));
    });
    client = new PrometheusClient({
      url: stub.url,
      retry: false,
      ...(withCache ? { cache: new Keyv() } : {}),
    });
    // Three one-minute pieces, one at a time: about 300 ms, well within a 5 s grace.
    const range = { ...RANGE, end: RANGE.start + 165, split: { interval: "1m", concurrency: 1 } };
    const call = settle(() => client!.queryRange("up", range));
    await sleep(30);
    const closed = client.close({ graceMs: 5_000 });
    const settled = await call;
    await closed;
    if (!settled.ok) throw settled.error;
    expect([...settled.value.data.result[0]!.timestamps]).toEqual([0, 60, 120].map((s) => RANGE.start + s));
    expect(stub.requests).toBe(3);
  });

  it("close() cuts a split call whose grace ran out, with an UnavailableError", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then((start) => setTimeout(() => !res.destroyed && matrix(res, start), 150));
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const call = settle(() =>
      client!.queryRange("up", { ...RANGE, split: { interval: "1m", concurrency: 1 } }),
    );
    await sleep(30);
    await client.close({ graceMs: 200 });
    const error = failure(await call);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(stub.requests).toBeLessThan(10);
  });

  it("a closed client rejects a split call as it rejects any other", async () => {
    stub = await startStubServer((req, res) => void startOf(req).then((start) => matrix(res, start)));
    client = new PrometheusClient({ url: stub.url });
    await client.close();
    await expect(client.queryRange("up", RANGE)).rejects.toThrow(/is closed/);
    expect(stub.requests).toBe(0);
  });

  it("a failing piece is one error event, the call's, not one for each piece it stopped", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        if (start === RANGE.start + 60) {
          res.writeHead(503, { "content-type": "text/plain" });
          res.end("down");
          return;
        }
        await sleep(2_000);
        if (!res.destroyed) matrix(res, start);
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e.error));
    const error = failure(await settle(() => client!.queryRange("up", RANGE)));
    await sleep(100);
    expect(errors).toEqual([error]);
    expect(error).toBeInstanceOf(UnavailableError);
  });

  it("a deadline is one error event naming the call's deadline; an aborted signal, one as without split", async () => {
    stub = await startStubServer((req, res) => {
      void startOf(req).then(async (start) => {
        await sleep(150);
        if (!res.destroyed) matrix(res, start);
      });
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e.error));
    await settle(() =>
      client!.queryRange("up", { ...RANGE, split: { interval: "1m", concurrency: 2 }, timeout: 400 }),
    );
    await sleep(100);
    expect(errors.map((e) => (e as TimeoutError).timeoutMs)).toEqual([400]);

    errors.length = 0;
    const signal = AbortSignal.abort(new Error("gone"));
    const requests = stub.requests;
    expect(
      failure(await settle(() => client!.queryRange("up", { ...RANGE, split: undefined, signal }))),
    ).toBeInstanceOf(AbortError);
    expect(failure(await settle(() => client!.queryRange("up", { ...RANGE, signal })))).toBeInstanceOf(
      AbortError,
    );
    expect(errors.map((e) => e.name)).toEqual(["AbortError", "AbortError"]);
    expect(stub.requests, "nothing is sent for an aborted call").toBe(requests);
  });
});

/** Answers one series with a point at every step of the range asked. */
function grid(req: IncomingMessage, res: ServerResponse): void {
  void (async () => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const p = new URLSearchParams(body || (req.url ?? "").split("?")[1]);
    const [start, end, step] = ["start", "end", "step"].map((n) => Number(p.get(n))) as [
      number,
      number,
      number,
    ];
    const values: Array<[number, string]> = [];
    for (let t = start; t <= end + 1e-9; t += step) values.push([Math.round(t * 1000) / 1000, "1"]);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        status: "success",
        data: { resultType: "matrix", result: [{ metric: { job: "a" }, values }] },
      }),
    );
  })();
}

describe("a split range through an aligning cache, at the points limit", () => {
  let stub: StubServer | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close({ graceMs: 0 });
    await stub?.close();
  });

  // 86_400 · 19_676 is a day boundary. 20 intervals of 15 s, plus 7.5 s: accepted whole, 21 once
  // floored, so the cache moves start up one step; the split range must do the same.
  const day = 86_400 * 19_676;
  const range = { start: day + 7.5, end: day + 7.5 + 20 * 15 + 7.5, step: 15 };

  it("accepts with a one-piece split what it accepts without, and pieces give the same points", async () => {
    stub = await startStubServer(grid);
    client = new PrometheusClient({ url: stub.url, cache: new Keyv(), maxPointsPerSeries: 20 });
    const whole = await client.queryRange("up", range);
    const one = await client.queryRange("up", { ...range, split: "1d" });
    const pieces = await client.queryRange("up", { ...range, split: "2m" });
    expect(whole.data.result[0]!.timestamps).toHaveLength(21);
    expect([...one.data.result[0]!.timestamps]).toEqual([...whole.data.result[0]!.timestamps]);
    expect([...pieces.data.result[0]!.timestamps]).toEqual([...whole.data.result[0]!.timestamps]);
  });
});

describe("a fleet's split range and the circuit breaker", () => {
  let stub: StubServer | undefined;
  let fleet: MetricsCollector | undefined;
  afterEach(async () => {
    await fleet?.close();
    await stub?.close();
  });

  it("a cluster's own points limit refusing the pieces is neutral; a per-call timeout cutting them is too", async () => {
    let slow = false;
    stub = await startStubServer((req, res) => {
      req.resume();
      setTimeout(() => !res.destroyed && matrix(res, 0), slow ? 1_000 : 0);
    });
    fleet = new MetricsCollector({
      registry: new StaticClusterRegistry([
        { id: "small", url: stub.url, clientOptions: { maxPointsPerSeries: 2 } },
        { id: "big", url: stub.url },
      ]),
      breaker: { failures: 1, coolDownMs: 60_000 },
      clientOptions: { retry: false },
    });
    const circuits: string[] = [];
    fleet.on("circuit", (e) => circuits.push(`${e.cluster}:${e.state}`));
    const range = { start: 0, end: 600, step: 15, split: "2m" };
    const r = await fleet.queryRange("up", range);
    expect(r.get("small")?.error).toBeInstanceOf(InvalidArgumentError);
    expect(r.get("small")?.error?.message).toMatch(
      /a piece of 120s holds 8 points per series at step 15s; the server allows 3/,
    );
    expect(r.get("big")?.status).toBe("ok");
    slow = true;
    const t = await fleet.queryRange("up", { ...range, split: "1m", clusters: ["big"], timeout: 300 });
    expect(t.get("big")?.error).toBeInstanceOf(TimeoutError);
    expect(circuits).toEqual([]);
  });
});
