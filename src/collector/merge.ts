import { withWireValue } from "../decode/api/common.ts";
import type { Alert, AlertsData } from "../decode/api/rules.ts";
import { ApiResponse } from "../decode/response.ts";
import {
  InstantSample,
  type Labels,
  type MatrixData,
  type QueryData,
  RangeSeries,
  type VectorData,
} from "../decode/types.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { ClusterResult } from "./result.ts";

/** What a merge needs: the per-cluster results, in order, and the name of the cluster label. */
export interface MergeInput<T> {
  results: ReadonlyArray<ClusterResult<T>>;
  clusterLabel: string;
}

/**
 * Adds the cluster label to a copy of `metric`. An existing label of that name is kept as
 * `exported_<name>` (more `exported_` prefixes while that is taken too), as Prometheus does
 * for conflicting target labels when `honor_labels` is false.
 */
export function withClusterLabel(metric: Labels, cluster: string, labelName: string): Labels {
  const out: Labels = { ...metric };
  if (Object.hasOwn(out, labelName)) {
    let exported = `exported_${labelName}`;
    while (Object.hasOwn(out, exported)) exported = `exported_${exported}`;
    out[exported] = out[labelName]!;
  }
  out[labelName] = cluster;
  return out;
}

/**
 * The warnings of a merged result: each ok cluster's own warnings, prefixed with its id, then
 * one line per cluster that failed or was skipped, so a partial answer never looks complete.
 */
export function mergedNotes<T>(results: ReadonlyArray<ClusterResult<T>>): {
  warnings: string[];
  infos: string[];
} {
  const warnings: string[] = [];
  const infos: string[] = [];
  for (const r of results) {
    for (const w of r.warnings) warnings.push(`cluster "${r.cluster}": ${w}`);
    for (const i of r.infos) infos.push(`cluster "${r.cluster}": ${i}`);
  }
  for (const r of results) {
    if (r.status === "ok") continue;
    const why = r.error?.message ?? "no answer";
    warnings.push(
      r.status === "skipped"
        ? `cluster "${r.cluster}" skipped: ${why}`
        : `cluster "${r.cluster}" failed (${r.status}): ${why}`,
    );
  }
  return { warnings, infos };
}

/** Cache details of a merged result: cached when every ok cluster's answer was, aged by the oldest. */
function cacheOf<T>(ok: ReadonlyArray<ClusterResult<T>>): { ageMs: number } | undefined {
  if (ok.length === 0 || !ok.every((r) => r.cached)) return undefined;
  let ageMs = 0;
  for (const r of ok) {
    const age = (r.value as { ageMs?: number } | undefined)?.ageMs ?? 0;
    if (age > ageMs) ageMs = age;
  }
  return { ageMs };
}

function okResults<T>(results: ReadonlyArray<ClusterResult<T>>): ClusterResult<T>[] {
  return results.filter((r) => r.status === "ok" && r.value !== undefined);
}

/**
 * Merges instant-query results into one: vectors are joined, scalars become one sample each
 * (labelled only with the cluster), matrices (a range selector such as `up[5m]`) are joined.
 * Sample arrays are shared with the per-cluster results, labels are copied.
 */
export function mergeQuery(input: MergeInput<ApiResponse<QueryData>>): ApiResponse<QueryData> {
  const ok = okResults(input.results);
  const { warnings, infos } = mergedNotes(input.results);
  const kinds = new Set(ok.map((r) => r.value!.data.resultType));
  if (kinds.has("string")) {
    throw new PrometheusError("merged(): string results carry no labels and cannot be merged");
  }
  if (kinds.has("matrix")) {
    if (kinds.size > 1) {
      throw new PrometheusError(
        `merged(): clusters answered different result types (${[...kinds].join(", ")})`,
      );
    }
    return new ApiResponse<QueryData>(
      joinMatrix(ok as ClusterResult<ApiResponse<MatrixData>>[], input.clusterLabel),
      warnings,
      infos,
      cacheOf(ok),
    );
  }
  const result: InstantSample[] = [];
  for (const r of ok) {
    const data = r.value!.data;
    if (data.resultType === "vector") {
      for (const s of data.result) {
        result.push(
          new InstantSample(
            withClusterLabel(s.metric, r.cluster, input.clusterLabel),
            s.timestamp,
            s.value,
            s.histogram,
          ),
        );
      }
    } else if (data.resultType === "scalar") {
      result.push(
        new InstantSample({ [input.clusterLabel]: r.cluster }, data.result.timestamp, data.result.value),
      );
    }
  }
  const data: VectorData = { resultType: "vector", result };
  return new ApiResponse<QueryData>(data, warnings, infos, cacheOf(ok));
}

function joinMatrix(ok: ReadonlyArray<ClusterResult<ApiResponse<MatrixData>>>, label: string): MatrixData {
  const result: RangeSeries[] = [];
  for (const r of ok) {
    for (const s of r.value!.data.result) {
      result.push(
        new RangeSeries(withClusterLabel(s.metric, r.cluster, label), s.timestamps, s.values, s.histograms),
      );
    }
  }
  return { resultType: "matrix", result };
}

/** Merges range-query results: every series of every ok cluster, labelled with its cluster. */
export function mergeMatrix(input: MergeInput<ApiResponse<MatrixData>>): ApiResponse<MatrixData> {
  const ok = okResults(input.results);
  const { warnings, infos } = mergedNotes(input.results);
  return new ApiResponse(joinMatrix(ok, input.clusterLabel), warnings, infos, cacheOf(ok));
}

/** Merges `series()` results: every label set of every ok cluster, labelled with its cluster. */
export function mergeLabelSets(input: MergeInput<ApiResponse<Labels[]>>): ApiResponse<Labels[]> {
  const ok = okResults(input.results);
  const { warnings, infos } = mergedNotes(input.results);
  const data: Labels[] = [];
  for (const r of ok) {
    for (const labels of r.value!.data) data.push(withClusterLabel(labels, r.cluster, input.clusterLabel));
  }
  return new ApiResponse(data, warnings, infos, cacheOf(ok));
}

/** Merges `labelNames()`/`labelValues()` results: the sorted union of every ok cluster's strings. */
export function mergeStrings(input: MergeInput<ApiResponse<string[]>>): ApiResponse<string[]> {
  const ok = okResults(input.results);
  const { warnings, infos } = mergedNotes(input.results);
  const union = new Set<string>();
  for (const r of ok) for (const s of r.value!.data) union.add(s);
  return new ApiResponse([...union].sort(), warnings, infos, cacheOf(ok));
}

/** Merges `alerts()` results: every active alert of every ok cluster, its labels given the cluster's. */
export function mergeAlerts(input: MergeInput<ApiResponse<AlertsData>>): ApiResponse<AlertsData> {
  const ok = okResults(input.results);
  const { warnings, infos } = mergedNotes(input.results);
  const alerts: Alert[] = [];
  for (const r of ok) {
    for (const alert of r.value!.data.alerts) {
      // A copy keeps the wire form of its value (NaN, ±Inf as Prometheus' strings in JSON).
      alerts.push(
        withWireValue({ ...alert, labels: withClusterLabel(alert.labels, r.cluster, input.clusterLabel) }),
      );
    }
  }
  return new ApiResponse({ alerts }, warnings, infos, cacheOf(ok));
}
