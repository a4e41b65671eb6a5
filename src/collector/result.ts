import { inspect } from "node:util";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { MergeInput } from "./merge.ts";

/** How one cluster's part of a fan-out ended. */
export type ClusterStatus = "ok" | "error" | "timeout" | "skipped";

/**
 * One cluster's part of a fan-out. `value` is set when `status` is "ok" (and for `health()`
 * whenever the cluster answered); `error` otherwise — for "skipped", a PrometheusError saying why
 * (overall deadline passed, circuit open).
 */
export interface ClusterResult<T> {
  /** The cluster id. */
  readonly cluster: string;
  /** ok, error, timeout (its deadline or the overall one passed), or skipped (never started). */
  readonly status: ClusterStatus;
  /** The cluster's answer. */
  readonly value?: T | undefined;
  /** Why it did not succeed. */
  readonly error?: PrometheusError | undefined;
  /** Time from this cluster's start to its end, in ms (0 when skipped). */
  readonly latencyMs: number;
  /** Whether the answer came from the cache. */
  readonly cached: boolean;
  /** Warnings the server sent, also with a failure. */
  readonly warnings: readonly string[];
  /** Infos the server sent, also with a failure. */
  readonly infos: readonly string[];
}

/** Secret-free JSON of one cluster's result (errors through their own `toJSON`). */
function clusterResultJson<T>(r: ClusterResult<T>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    cluster: r.cluster,
    status: r.status,
    latencyMs: r.latencyMs,
    cached: r.cached,
    warnings: r.warnings,
    infos: r.infos,
  };
  if (r.value !== undefined) out.value = r.value;
  if (r.error !== undefined) out.error = r.error.toJSON();
  return out;
}

/**
 * The answer of a fan-out: one {@link ClusterResult} per cluster, in the order the clusters were
 * selected — never all-or-nothing. Iterate it, pick a cluster with `get(id)`, split it with
 * `ok()`/`failed()`, or join the ok clusters into one result with `merged()`.
 *
 * @example
 * ```ts
 * const r = await fleet.query("up", { clusters: { env: "prod" } });
 * for (const c of r.failed()) console.warn(c.cluster, c.status, c.error?.message);
 * const all = r.merged(); // one vector, each sample labelled cluster="..."
 * ```
 */
export class FleetResult<T, M = never> implements Iterable<ClusterResult<T>> {
  /** Every cluster's result, in selection order. */
  readonly results: ReadonlyArray<ClusterResult<T>>;
  /** Wall time of the whole fan-out, in ms. */
  readonly durationMs: number;
  readonly #byId: ReadonlyMap<string, ClusterResult<T>>;
  readonly #merge: ((input: MergeInput<T>) => M) | undefined;
  readonly #clusterLabel: string;
  #merged: { value: M } | undefined;

  /**
   * Built by the collector.
   * @internal
   */
  constructor(
    results: ReadonlyArray<ClusterResult<T>>,
    options: { durationMs: number; clusterLabel: string; merge?: ((input: MergeInput<T>) => M) | undefined },
  ) {
    this.results = Object.freeze([...results]);
    this.durationMs = options.durationMs;
    this.#byId = new Map(results.map((r) => [r.cluster, r]));
    this.#merge = options.merge;
    this.#clusterLabel = options.clusterLabel;
  }

  /** Number of clusters in the fan-out. */
  get size(): number {
    return this.results.length;
  }

  /** The result of cluster `id`, or undefined when it was not part of the fan-out. */
  get(id: string): ClusterResult<T> | undefined {
    return this.#byId.get(id);
  }

  /** The clusters that answered. */
  ok(): Array<
    ClusterResult<T> & {
      /** The cluster's answer (always set for an ok cluster). */
      value: T;
    }
  > {
    return this.results.filter((r): r is ClusterResult<T> & { value: T } => r.status === "ok");
  }

  /** The clusters that did not: error, timeout or skipped. */
  failed(): Array<ClusterResult<T>> {
    return this.results.filter((r) => r.status !== "ok");
  }

  /**
   * One result over the ok clusters: each series gets the cluster label (`cluster` unless
   * configured; an existing one is kept as `exported_cluster`), and the warnings name every
   * cluster that failed or was skipped. Label names and values are merged as a sorted union.
   * Computed once; sample arrays are shared with the per-cluster values.
   */
  merged(): M {
    if (!this.#merge) throw new PrometheusError("merged() is not defined for this kind of fan-out");
    this.#merged ??= { value: this.#merge({ results: this.results, clusterLabel: this.#clusterLabel }) };
    return this.#merged.value;
  }

  /** Iterates the per-cluster results in selection order. */
  [Symbol.iterator](): Iterator<ClusterResult<T>> {
    return this.results[Symbol.iterator]();
  }

  /** Counts by status. */
  summary(): Record<ClusterStatus, number> {
    const counts: Record<ClusterStatus, number> = { ok: 0, error: 0, timeout: 0, skipped: 0 };
    for (const r of this.results) counts[r.status]++;
    return counts;
  }

  /** Secret-free JSON: every cluster's status, timing, notes, value and error. */
  toJSON(): Record<string, unknown> {
    return { durationMs: this.durationMs, clusters: this.results.map(clusterResultJson) };
  }

  /** `util.inspect` shows a summary and each cluster's status, without values or secrets. */
  [inspect.custom](): string {
    const lines = this.results.map(
      (r) =>
        `  ${r.cluster}: ${r.status} ${Math.round(r.latencyMs)} ms${r.cached ? " (cached)" : ""}` +
        (r.error ? ` — ${r.error.name}: ${r.error.message}` : ""),
    );
    return `FleetResult ${inspect(this.summary())} in ${Math.round(this.durationMs)} ms\n${lines.join("\n")}`;
  }
}
