import { describe, expect, it } from "vitest";
import {
  mergeAlerts,
  mergeLabelSets,
  mergeMatrix,
  mergeQuery,
  mergeStrings,
  withClusterLabel,
} from "../../src/collector/merge.ts";
import { type ClusterResult, FleetResult } from "../../src/collector/result.ts";
import {
  ApiResponse,
  InstantSample,
  type MatrixData,
  PrometheusError,
  type QueryData,
  RangeSeries,
  ScalarSample,
  TimeoutError,
} from "../../src/index.ts";

function ok<T>(cluster: string, value: T, extra: Partial<ClusterResult<T>> = {}): ClusterResult<T> {
  return { cluster, status: "ok", value, latencyMs: 1, cached: false, warnings: [], infos: [], ...extra };
}

function failed(
  cluster: string,
  status: "error" | "timeout" | "skipped",
  error: PrometheusError,
): ClusterResult<never> {
  return { cluster, status, error, latencyMs: 1, cached: false, warnings: [], infos: [] };
}

function vector(...samples: Array<[Record<string, string>, number]>): ApiResponse<QueryData> {
  return new ApiResponse<QueryData>(
    { resultType: "vector", result: samples.map(([m, v]) => new InstantSample(m, 1_700_000_000, v)) },
    [],
    [],
  );
}

function fleet<T, M>(
  results: ClusterResult<T>[],
  merge: (i: { results: readonly ClusterResult<T>[]; clusterLabel: string }) => M,
  clusterLabel = "cluster",
) {
  return new FleetResult<T, M>(results, { durationMs: 5, clusterLabel, merge });
}

describe("withClusterLabel", () => {
  it("adds the label to a copy, keeping an existing one as exported_cluster (and further prefixes)", () => {
    const metric = { __name__: "up", job: "api" };
    expect(withClusterLabel(metric, "east", "cluster")).toEqual({
      __name__: "up",
      job: "api",
      cluster: "east",
    });
    expect(metric).toEqual({ __name__: "up", job: "api" });
    expect(withClusterLabel({ cluster: "inner" }, "east", "cluster")).toEqual({
      cluster: "east",
      exported_cluster: "inner",
    });
    expect(withClusterLabel({ cluster: "inner", exported_cluster: "older" }, "east", "cluster")).toEqual({
      cluster: "east",
      exported_cluster: "older",
      exported_exported_cluster: "inner",
    });
    expect(withClusterLabel({ source: "x" }, "east", "source")).toEqual({
      source: "east",
      exported_source: "x",
    });
  });
});

describe("merged()", () => {
  it("joins vectors of the ok clusters and names the failed ones in its warnings", () => {
    const r = fleet(
      [
        ok("east", vector([{ job: "a" }, 1], [{ job: "b", cluster: "inner" }, 2]), {
          warnings: ["partial"],
          infos: ["note"],
        }),
        failed("west", "timeout", new TimeoutError("deadline of 10 ms exceeded")),
        ok("north", vector([{ job: "a" }, 3])),
        failed("south", "skipped", new PrometheusError("circuit open")),
        failed("dead", "error", new PrometheusError("connection refused")),
      ],
      mergeQuery,
    );
    const m = r.merged();
    expect(m.data.resultType).toBe("vector");
    const samples = m.data.result as InstantSample[];
    expect(samples.map((s) => [s.metric, s.value])).toEqual([
      [{ job: "a", cluster: "east" }, 1],
      [{ job: "b", cluster: "east", exported_cluster: "inner" }, 2],
      [{ job: "a", cluster: "north" }, 3],
    ]);
    expect(m.warnings).toEqual([
      'cluster "east": partial',
      'cluster "west" failed (timeout): deadline of 10 ms exceeded',
      'cluster "south" skipped: circuit open',
      'cluster "dead" failed (error): connection refused',
    ]);
    expect(m.infos).toEqual(['cluster "east": note']);
    expect(m.cached).toBe(false);
    expect(r.merged()).toBe(m);
    // The per-cluster values are untouched.
    expect((r.get("east")!.value!.data.result as InstantSample[])[1]!.metric).toEqual({
      job: "b",
      cluster: "inner",
    });
  });

  it("uses the configured label name", () => {
    const r = fleet([ok("east", vector([{ job: "a" }, 1]))], mergeQuery, "source_cluster");
    expect((r.merged().data.result as InstantSample[])[0]!.metric).toEqual({
      job: "a",
      source_cluster: "east",
    });
  });

  it("turns scalars into one labelled sample per cluster, and refuses strings and mixed types", () => {
    const scalar = (v: number) =>
      new ApiResponse<QueryData>(
        { resultType: "scalar", result: new ScalarSample(1_700_000_000, v) },
        [],
        [],
      );
    const m = fleet([ok("a", scalar(1)), ok("b", scalar(2))], mergeQuery).merged();
    expect((m.data.result as InstantSample[]).map((s) => [s.metric, s.value])).toEqual([
      [{ cluster: "a" }, 1],
      [{ cluster: "b" }, 2],
    ]);
    const str = new ApiResponse<QueryData>(
      { resultType: "string", result: new ScalarSample(1, "x") },
      [],
      [],
    );
    expect(() => fleet([ok("a", str)], mergeQuery).merged()).toThrow(/string results/);
    const matrix = new ApiResponse<QueryData>({ resultType: "matrix", result: [] }, [], []);
    expect(() => fleet([ok("a", matrix), ok("b", scalar(1))], mergeQuery).merged()).toThrow(
      /different result types/,
    );
    expect(fleet([ok("a", matrix)], mergeQuery).merged().data.resultType).toBe("matrix");
  });

  it("is an empty vector when no cluster answered", () => {
    const m = fleet<ApiResponse<QueryData>, ApiResponse<QueryData>>(
      [failed("a", "error", new PrometheusError("down"))],
      mergeQuery,
    ).merged();
    expect(m.data).toEqual({ resultType: "vector", result: [] });
    expect(m.warnings).toEqual(['cluster "a" failed (error): down']);
  });

  it("joins matrices, sharing the sample columns", () => {
    const series = new RangeSeries(
      { __name__: "x", cluster: "in" },
      Float64Array.of(1, 2),
      Float64Array.of(3, 4),
    );
    const value = new ApiResponse<MatrixData>({ resultType: "matrix", result: [series] }, [], []);
    const m = fleet(
      [ok("east", value, { cached: true }), ok("west", value, { cached: true })],
      mergeMatrix,
    ).merged();
    expect(m.data.result.map((s) => s.metric)).toEqual([
      { __name__: "x", cluster: "east", exported_cluster: "in" },
      { __name__: "x", cluster: "west", exported_cluster: "in" },
    ]);
    expect(m.data.result[0]!.values).toBe(series.values);
    expect(m.cached).toBe(true);
    expect(JSON.parse(JSON.stringify(m)).data.result[1].values).toEqual([
      [1, "3"],
      [2, "4"],
    ]);
  });

  it("reports the oldest age when every ok answer was cached", () => {
    const aged = (ageMs: number) =>
      new ApiResponse<MatrixData>({ resultType: "matrix", result: [] }, [], [], { ageMs });
    const m = fleet(
      [ok("a", aged(100), { cached: true }), ok("b", aged(900), { cached: true })],
      mergeMatrix,
    ).merged();
    expect(m.ageMs).toBe(900);
  });

  it("labels series label sets, and unites label names and values", () => {
    const sets = new ApiResponse([{ __name__: "up", job: "a" }], [], []);
    expect(fleet([ok("a", sets), ok("b", sets)], mergeLabelSets).merged().data).toEqual([
      { __name__: "up", job: "a", cluster: "a" },
      { __name__: "up", job: "a", cluster: "b" },
    ]);
    const names = (...n: string[]) => new ApiResponse(n, [], []);
    expect(
      fleet([ok("a", names("job", "a")), ok("b", names("job", "b"))], mergeStrings).merged().data,
    ).toEqual(["a", "b", "job"]);
  });

  it("is refused where it means nothing (health)", () => {
    const r = new FleetResult<number>([ok("a", 1)], { durationMs: 1, clusterLabel: "cluster" });
    expect(() => r.merged()).toThrow(/not defined/);
  });
});

describe("mergeAlerts", () => {
  it("lists every ok cluster's alerts with a cluster label, copies only, failures as warnings", () => {
    const alert = {
      labels: { alertname: "KubePodCrashLooping", cluster: "inner" },
      annotations: { summary: "crash looping" },
      state: "firing" as const,
      activeAt: "2026-11-29T03:00:00.123456789Z",
      value: 3,
    };
    const east = new ApiResponse({ alerts: [alert] }, ["east warning"], []);
    const west = new ApiResponse({ alerts: [] }, [], []);
    const merged = mergeAlerts({
      results: [
        ok("east", east, { warnings: ["east warning"] }),
        ok("west", west),
        failed("north", "timeout", new TimeoutError("slow")),
      ],
      clusterLabel: "cluster",
    });
    expect(merged.data.alerts).toEqual([
      { ...alert, labels: { alertname: "KubePodCrashLooping", exported_cluster: "inner", cluster: "east" } },
    ]);
    // The cluster's own answer is unchanged.
    expect(east.data.alerts[0]!.labels).toEqual({ alertname: "KubePodCrashLooping", cluster: "inner" });
    expect(merged.warnings).toEqual([
      'cluster "east": east warning',
      'cluster "north" failed (timeout): slow',
    ]);
  });
});
