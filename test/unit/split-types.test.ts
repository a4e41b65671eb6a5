import { describe, expect, it } from "vitest";
import type { MetricsCollector, PrometheusClient } from "../../src/index.ts";

/** Type checks only (tsc runs over the tests): where `split` is an option and where it is not. */
function splitTypes(client: PrometheusClient, fleet: MetricsCollector): void {
  void fleet.queryRange("up", { start: 0, end: 1, step: 1, split: "1d" });
  void client.queryRange("up", { start: 0, end: 1, step: 1, split: { interval: "1d", concurrency: 8 } });
  // @ts-expect-error split is not a query() option
  void client.query("up", { split: "1d" });
  // @ts-expect-error split is not a fleet.query() option
  void fleet.query("up", { split: "1d" });
  // @ts-expect-error split is not a series() option
  void client.series(["up"], { split: "1d" });
}

describe("split in the types", () => {
  it("is an option of queryRange alone (checked by tsc)", () => expect(splitTypes).toBeTypeOf("function"));
});
