import { Keyv } from "keyv";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { prepareQuery, prepareQueryRange } from "../../src/client/query.ts";
import { PARTIAL_WARNING } from "../../src/decode/envelope.ts";
import { BASE, makeClient, mockPrometheus } from "./promMock.ts";

/**
 * VictoriaMetrics (vmselect, query_response.qtpl / query_range_response.qtpl) writes
 * `"isPartial":true|false` beside `data`, and a partial answer (some vmstorage nodes down)
 * carries no warning of its own.
 */
const server = mockPrometheus();
const encode = (t: string) => new TextEncoder().encode(t);

const vmMatrix = (partial: boolean) =>
  `{"status":"success","isPartial":${partial},"data":{"resultType":"matrix","result":[{"metric":{"__name__":"up"},"values":[[1700000000,"1"]]}]},"stats":{"seriesFetched": "1","executionTimeMsec":3}}`;
const vmVector = (partial: boolean, warnings = "") =>
  `{"status":"success",${warnings}"isPartial":${partial},"data":{"resultType":"vector","result":[{"metric":{"__name__":"up"},"value":[1700000000,"1"]}]},"stats":{"seriesFetched": "1","executionTimeMsec":3}}`;

const range = prepareQueryRange("up", { start: 0, end: 60, step: 15 }, 30_000).decode;
const instant = prepareQuery("up", undefined).decode;

describe("VictoriaMetrics isPartial", () => {
  it("turns isPartial: true into a warning, on the scanner's path (matrix) and the reference path (vector)", () => {
    for (const decoded of [range(encode(vmMatrix(true))), instant(encode(vmVector(true)))]) {
      expect(decoded.ok && decoded.warnings).toEqual([PARTIAL_WARNING]);
    }
  });

  it("adds nothing for isPartial: false, and keeps the server's own warnings first", () => {
    expect(range(encode(vmMatrix(false)))).toMatchObject({ ok: true, warnings: [] });
    expect(instant(encode(vmVector(false)))).toMatchObject({ ok: true, warnings: [] });
    const both = instant(encode(vmVector(true, '"warnings":["slow"],')));
    expect(both.ok && both.warnings).toEqual(["slow", PARTIAL_WARNING]);
  });

  it("a partial answer is not cached as if complete; a complete one is", async () => {
    let calls = 0;
    let partial = true;
    server.use(
      http.all(`${BASE}/api/v1/query`, () => {
        calls++;
        return new HttpResponse(vmVector(partial), { headers: { "content-type": "application/json" } });
      }),
    );
    const client = makeClient({ cache: new Keyv() });
    expect((await client.query("up")).warnings).toEqual([PARTIAL_WARNING]);
    expect((await client.query("up")).cached).toBe(false);
    partial = false;
    await client.query("up");
    const fourth = await client.query("up");
    expect({ calls, cached: fourth.cached }).toEqual({ calls: 3, cached: true });
  });
});
