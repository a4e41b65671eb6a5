import { describe, expect, it } from "vitest";
import { ResponseError } from "../../src/index.ts";
import { mockDecoding } from "./endpointsDecodeHelpers.ts";
import { makeClient, rejection } from "./promMock.ts";

/**
 * Decoding of the status endpoints, with the small differences of VictoriaMetrics (a bare
 * version, quoted numbers, extra fields).
 */

const { answer } = mockDecoding();

describe("status", () => {
  it("buildinfo: Prometheus' full answer, or only a version (VictoriaMetrics)", async () => {
    const full = {
      version: "3.1.0",
      revision: "abc",
      branch: "HEAD",
      buildUser: "root@x",
      buildDate: "20250101-00:00:00",
      goVersion: "go1.23.4",
    };
    answer("status/buildinfo", full);
    expect((await makeClient().buildInfo()).data).toEqual(full);
    answer("status/buildinfo", { version: "1.101.0" });
    expect((await makeClient().buildInfo()).data).toEqual({ version: "1.101.0" });
    answer("status/buildinfo", { revision: "no version" });
    expect((await rejection(makeClient().buildInfo())).message).toMatch(/version/);
  });

  it("runtimeinfo: typed where known, unknown fields kept", async () => {
    const info = {
      startTime: "2019-11-02T17:23:59.301361365+01:00",
      CWD: "/",
      hostname: "h",
      serverTime: "2025-01-05T18:27:33Z",
      reloadConfigSuccess: true,
      lastConfigTime: "2019-11-02T17:23:59+01:00",
      corruptionCount: 0,
      goroutineCount: 48,
      GOMAXPROCS: 4,
      GOMEMLIMIT: 2 ** 63,
      GOGC: "",
      GODEBUG: "",
      storageRetention: "15d",
      somethingNew: [1],
    };
    answer("status/runtimeinfo", info);
    expect((await makeClient().runtimeInfo()).data).toEqual(info);
  });

  it("flags and config", async () => {
    answer("status/flags", { "query.timeout": "2m", "log.level": "info" });
    expect((await makeClient().flags()).data).toEqual({ "query.timeout": "2m", "log.level": "info" });
    answer("status/flags", { "query.timeout": 120 });
    expect(await rejection(makeClient().flags())).toBeInstanceOf(ResponseError);
    answer("status/config", { yaml: "global: {}\n" });
    expect((await makeClient().config()).data).toEqual({ yaml: "global: {}\n" });
  });

  it("tsdb: numbers as numbers also when a server quotes them; VictoriaMetrics' extra fields kept", async () => {
    answer("status/tsdb", {
      headStats: {
        numSeries: "508",
        numLabelPairs: 10,
        chunkCount: 937,
        minTime: 1591516800000,
        maxTime: "1598896800143",
      },
      seriesCountByMetricName: [{ name: "up", value: "20" }],
      labelValueCountByLabelName: [{ name: "__name__", value: 211 }],
      memoryInBytesByLabelName: null,
      seriesCountByLabelValuePair: [{ name: "job=prometheus", value: 425 }],
      totalSeries: 508,
    });
    const { data } = await makeClient().tsdbStatus();
    expect(data.headStats).toEqual({
      numSeries: 508,
      numLabelPairs: 10,
      chunkCount: 937,
      minTime: 1591516800000,
      maxTime: 1598896800143,
    });
    expect(data.seriesCountByMetricName).toEqual([{ name: "up", value: 20 }]);
    expect(data.memoryInBytesByLabelName).toEqual([]);
    expect((data as unknown as { totalSeries: number }).totalSeries).toBe(508);
  });

  it("walreplay, with and without state", async () => {
    answer("status/walreplay", { min: 2, max: 5, current: 40, state: "in progress" });
    expect((await makeClient().walReplay()).data).toEqual({
      min: 2,
      max: 5,
      current: 40,
      state: "in progress",
    });
    answer("status/walreplay", { min: 0, max: 0, current: 0 });
    expect((await makeClient().walReplay()).data).toEqual({ min: 0, max: 0, current: 0 });
  });
});
