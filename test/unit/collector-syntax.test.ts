import { describe, expect, it } from "vitest";
import { BadQueryError, InvalidArgumentError } from "../../src/index.ts";
import { jsonBody } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool, vectorBody } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

describe("syntax check", () => {
  it("rejects a PromQL syntax error once, before any request", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({
      registry: [
        { id: "a", url: s.url },
        { id: "b", url: s.url },
      ],
    });
    const error = await fleet.query("sum(rate(x[5m])").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadQueryError);
    expect((error as InvalidArgumentError).argument).toBe("query");
    expect((error as Error).message).toMatch(/not valid PromQL.*line 1, column/);
    await expect(fleet.queryRange("foo bar", { start: 0, end: 60, step: 15 })).rejects.toThrow(
      /unexpected "bar"/,
    );
    await expect(fleet.series(['up{job="a"'])).rejects.toBeInstanceOf(BadQueryError);
    await expect(fleet.query("")).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(s.requests).toBe(0);
  });

  it("says where a multi-line query breaks", async () => {
    const { checkPromqlSyntax } = await import("../../src/collector/syntax.ts");
    expect(() => checkPromqlSyntax("sum by (job) (\n  rate(x[5m]")).toThrow(
      /unexpected end of input at line 2, column 13/,
    );
    expect(() => checkPromqlSyntax("up ) + 1")).toThrow(/unexpected "\) \+ 1" at line 1, column 4/);
    expect(checkPromqlSyntax('histogram_quantile(0.9, sum by (le) (rate(x_bucket{a="b"}[5m])))')).toMatch(
      /^histogram/,
    );
  });

  it("leaves calls of functions the grammar does not know to the server (holt_winters on 2.x)", async () => {
    const { checkPromqlSyntax } = await import("../../src/collector/syntax.ts");
    // Prometheus 2.x has holt_winters; the grammar (3.x) only knows double_exponential_smoothing.
    expect(checkPromqlSyntax("holt_winters(x[5m], 0.5, 0.5)")).toMatch(/^holt_winters/);
    expect(checkPromqlSyntax("sum(some_future_fn (up))")).toMatch(/^sum/);
    // Other errors are still caught, also a bracket after something that is not a name.
    expect(() => checkPromqlSyntax("rate(x[5m]")).toThrow(/unexpected end of input/);
    expect(() => checkPromqlSyntax('up{a="b"}(1)')).toThrow(/not valid PromQL/);
    // A bracket after a label name of a grouping is a syntax error, not a function call.
    expect(() => checkPromqlSyntax("sum by (job (up)")).toThrow(/not valid PromQL/);
    expect(() => checkPromqlSyntax("up and on (a (b)")).toThrow(/not valid PromQL/);
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    expect((await fleet.query("holt_winters(x[5m], 0.5, 0.5)")).get("a")?.status).toBe("ok");
    expect(s.requests).toBe(1);
  });

  it("sends what the grammar does not know when checkSyntax is false (MetricsQL)", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "vm", url: s.url }], checkSyntax: false });
    const r = await fleet.query("with (x = up) x");
    expect(r.get("vm")?.status).toBe("ok");
    expect(s.requests).toBe(1);
  });

  it("checks other arguments once too (start after end), before any request", async () => {
    const s = await stub(jsonBody(200, vectorBody({}, 1)));
    const fleet = collector({ registry: [{ id: "a", url: s.url }] });
    await expect(fleet.queryRange("up", { start: 100, end: 0, step: 15 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(fleet.query("up", { time: "yesterday" })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(s.requests).toBe(0);
  });
});
