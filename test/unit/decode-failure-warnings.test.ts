import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { type PrometheusError, ResponseError } from "../../src/index.ts";
import { BASE, json, makeClient, mockPrometheus, QUERY_URL, record, rejection } from "./promMock.ts";

const server = mockPrometheus();

describe("warnings kept when a 2xx body fails to decode", () => {
  it("a success envelope with warnings but a data shape the client cannot decode keeps its warnings", async () => {
    server.use(
      record(QUERY_URL, [], () =>
        json(200, {
          status: "success",
          warnings: ["PromQL info: partial response from store X"],
          infos: ["an info"],
          data: { resultType: "vector", result: [{ metric: {}, value: [1, 2] }] }, // value must be [t, "string"]
        }),
      ),
    );
    const client = makeClient();
    const error = (await rejection(client.query("up"))) as PrometheusError;
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.warnings).toEqual(["PromQL info: partial response from store X"]);
    expect(error.infos).toEqual(["an info"]);
  });
});

describe("warnings of a success envelope whose data does not decode", () => {
  it("are kept on the ResponseError (DESIGN: warnings and infos are never dropped, also when the call fails)", async () => {
    // Thanos with partial_response: a warning, and (here) a vector where query_range promised a matrix.
    const body =
      '{"status":"success","warnings":["partial response: store gateway unavailable"],"infos":["i"],"data":{"resultType":"vector","result":[]}}';
    server.use(
      http.all(
        `${BASE}/api/v1/query_range`,
        () => new HttpResponse(body, { headers: { "content-type": "application/json" } }),
      ),
    );
    const error = await makeClient()
      .queryRange("up", { start: 0, end: 60, step: 15 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError).message).toMatch(/not a matrix/);
    expect({ warnings: (error as ResponseError).warnings, infos: (error as ResponseError).infos }).toEqual({
      warnings: ["partial response: store gateway unavailable"],
      infos: ["i"],
    });
  });
});
