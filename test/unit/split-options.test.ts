import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, PrometheusClient } from "../../src/index.ts";
import { type StubServer, startStubServer } from "../support/stubServer.ts";

/**
 * Every option of a split call is checked before anything starts, as without split: a bad one is
 * a rejection with nothing sent and no `error` event (failures that send nothing are not `error`
 * events). Options the planner itself does not read (namespace, lookbackDelta, `cache` on a
 * client without one) were once first checked by the pieces, which made them a failed call.
 */
const RANGE = { start: 1_700_000_040, end: 1_700_000_040 + 600 - 15, step: 15 };

describe("a bad option of a split call", () => {
  let stub: StubServer | undefined;
  let client: PrometheusClient | undefined;
  afterEach(async () => {
    await client?.close({ graceMs: 0 });
    await stub?.close();
  });

  it.each([
    ["namespace", { namespace: "Not_A_Namespace" }],
    ["lookbackDelta", { lookbackDelta: "five minutes" }],
    ["cache (client without a cache)", { cache: -1 }],
  ])("%s: rejected like without split, no error event, nothing sent", async (_, bad) => {
    stub = await startStubServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    client = new PrometheusClient({ url: stub.url, retry: false });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e.error));

    const whole = await client.queryRange("up", { ...RANGE, ...bad } as never).catch((e: unknown) => e);
    const one = await client
      .queryRange("up", { ...RANGE, ...bad, split: "1d" } as never)
      .catch((e: unknown) => e);
    expect(whole).toBeInstanceOf(InvalidArgumentError);
    expect(one).toBeInstanceOf(InvalidArgumentError);
    expect(errors, "without split / one piece: no event").toHaveLength(0);

    const pieces = await client
      .queryRange("up", { ...RANGE, ...bad, split: "1m" } as never)
      .catch((e: unknown) => e);
    expect(pieces).toBeInstanceOf(InvalidArgumentError);
    expect(stub.requests).toBe(0);
    expect(errors, "in pieces: a rejection too, not a failed call").toHaveLength(0);
  });
});
