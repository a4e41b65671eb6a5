import { describe, expect, it } from "vitest";
import { decodeExemplars } from "../../src/decode/api/exemplars.ts";
import { decodeAlerts } from "../../src/decode/api/rules.ts";
import { ApiResponse } from "../../src/decode/response.ts";

const encode = (t: string) => new TextEncoder().encode(t);

function roundTrip<T>(decode: (b: Uint8Array) => { ok: boolean }, wire: string): unknown {
  const d = decode(encode(wire)) as { ok: true; data: T; warnings: string[]; infos: string[] };
  if (!d.ok) throw new Error("not ok");
  return JSON.parse(JSON.stringify(new ApiResponse(d.data, d.warnings, d.infos)));
}

describe("toJSON of alerts and exemplars", () => {
  it("an alert whose value is +Inf or NaN keeps it on the way back out", () => {
    // Prometheus writes Alert.value as strconv.FormatFloat(v, 'e', -1, 64): "+Inf", "NaN", "1e+00".
    const wire = {
      status: "success",
      data: {
        alerts: [
          {
            labels: { alertname: "DivByZero" },
            annotations: {},
            state: "firing",
            activeAt: "2024-01-01T00:00:00Z",
            value: "+Inf",
          },
          {
            labels: { alertname: "NaNAlert" },
            annotations: {},
            state: "firing",
            activeAt: "2024-01-01T00:00:00Z",
            value: "NaN",
          },
        ],
      },
    };
    const back = roundTrip(decodeAlerts, JSON.stringify(wire)) as typeof wire;
    // JSON.stringify(Infinity) and JSON.stringify(NaN) are both `null`: the value is lost.
    expect(back.data.alerts.map((a) => a.value)).toEqual(["+Inf", "NaN"]);
  });

  it("an exemplar value stays a Prometheus string", () => {
    const wire = {
      status: "success",
      data: [
        {
          seriesLabels: { __name__: "x" },
          exemplars: [{ labels: { trace_id: "a" }, value: "6", timestamp: 1600096945.479 }],
        },
      ],
    };
    const back = roundTrip(decodeExemplars, JSON.stringify(wire));
    expect(back).toEqual(wire);
  });

  it("keeps the decoded value a number, and toJSON out of the data's own keys", () => {
    const wire =
      '{"status":"success","data":{"alerts":[{"labels":{},"annotations":{},"state":"firing","value":"-Inf"}]}}';
    const decoded = decodeAlerts(encode(wire));
    if (!decoded.ok) throw new Error("not ok");
    const [alert] = decoded.data.alerts;
    expect(alert?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.keys(alert ?? {})).not.toContain("toJSON");
    expect({ ...alert }.value).toBe(Number.NEGATIVE_INFINITY);
  });
});
