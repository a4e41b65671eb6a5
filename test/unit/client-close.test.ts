import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { ResponseError, UnavailableError } from "../../src/index.ts";
import {
  goText,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();

describe("close() with a call waiting to retry", () => {
  it("the call fails by the grace with an UnavailableError, not a bare PrometheusError after the whole wait", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log, () => goText(429, "slow down", { "retry-after": "3" })));
    const client = makeClient({ timeout: 10_000 });
    const started = performance.now();
    const call = rejection(client.query("up"));
    await new Promise((r) => setTimeout(r, 100));
    await client.close({ graceMs: 100 });
    const error = await call;
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/closed during the call/);
    expect(elapsed).toBeLessThan(1_500);
  });
});

describe("a malformed Location header", () => {
  it("is a ResponseError at once, not retried as a network failure", async () => {
    let hits = 0;
    server.use(
      http.all(QUERY_URL, () => {
        hits++;
        return new HttpResponse(null, { status: 302, headers: { location: "http://[::1" } });
      }),
    );
    const client = makeClient();
    const error = await rejection(client.query("up"));
    expect(hits).toBe(1);
    expect(error).toBeInstanceOf(ResponseError);
  });
});
