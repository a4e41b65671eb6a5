import { describe, expect, it } from "vitest";
import { jsonBody } from "../support/stubServer.ts";
import { collectorPool } from "./collectorHelpers.ts";
import { stubPool } from "./collectorStubs.ts";

const stub = stubPool();
const collector = collectorPool();

const alertsBody = {
  status: "success",
  data: {
    alerts: [
      {
        labels: { alertname: "NoData" },
        annotations: {},
        state: "firing",
        activeAt: "2024-01-01T00:00:00Z",
        value: "NaN",
      },
      {
        labels: { alertname: "Huge" },
        annotations: {},
        state: "firing",
        activeAt: "2024-01-01T00:00:00Z",
        value: "+Inf",
      },
    ],
  },
};

describe("fleet.alerts().merged() and JSON", () => {
  it("merged alerts serialise their value as the per-cluster alerts do", async () => {
    const s = await stub(jsonBody(200, alertsBody));
    const fleet = collector({ registry: [{ id: "east", url: s.url }] });
    const r = await fleet.alerts();
    const own = JSON.parse(JSON.stringify(r.get("east")!.value!.data.alerts));
    const merged = JSON.parse(JSON.stringify(r.merged().data.alerts));
    expect(own.map((a: { value: unknown }) => a.value)).toEqual(["NaN", "+Inf"]);
    // Merged copies keep the wire form: NaN and +Inf, not null.
    expect(merged.map((a: { value: unknown }) => a.value)).toEqual(["NaN", "+Inf"]);
  });
});
