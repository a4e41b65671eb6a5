import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { Cluster, type ClusterConfig, toCluster } from "./cluster.ts";
import type { ClusterRegistry } from "./registry.ts";

/**
 * Which clusters a fan-out goes to: all (omitted), a list of ids, a label selector such as
 * `{ env: "prod" }` (every label must match), or a predicate over the cluster.
 */
export type ClusterSelection =
  | ReadonlyArray<string>
  | Readonly<Record<string, string>>
  | ((cluster: Cluster) => boolean);

/** One cluster of a fan-out: its id, and the cluster itself when the selection already had it. */
export interface Target {
  id: string;
  cluster?: Cluster | undefined;
}

/**
 * Turns registry answers into checked clusters, remembering the result per answer object so a
 * registry that hands out the same objects gets the same Cluster (and auth strategy) back.
 */
export class ClusterChecker {
  readonly #seen = new WeakMap<object, Cluster>();

  /** The checked cluster for a registry answer; errors name the cluster and the field. */
  check(raw: ClusterConfig | Cluster): Cluster {
    if (raw instanceof Cluster) return raw;
    let cluster = typeof raw === "object" && raw !== null ? this.#seen.get(raw) : undefined;
    if (!cluster) {
      cluster = toCluster(raw);
      this.#seen.set(raw, cluster);
    }
    return cluster;
  }
}

/** Checks a selection argument; returns the kind of selection. */
function kindOf(selection: unknown): "all" | "ids" | "labels" | "predicate" {
  if (selection === undefined) return "all";
  if (typeof selection === "function") return "predicate";
  if (Array.isArray(selection)) {
    if (!selection.every((id) => typeof id === "string" && id.length > 0)) {
      throw new InvalidArgumentError("clusters", "clusters must be a list of non-empty cluster ids");
    }
    return "ids";
  }
  if (typeof selection === "object" && selection !== null) {
    if (!Object.values(selection).every((value) => typeof value === "string")) {
      throw new InvalidArgumentError("clusters", "a label selector maps label names to string values");
    }
    return "labels";
  }
  throw new InvalidArgumentError(
    "clusters",
    "clusters must be a list of ids, a label selector such as { env: 'prod' }, or a function",
  );
}

/**
 * Resolves a selection against the registry. A list of ids (given, or the registry's `ids()`
 * for all clusters) is not looked up here: each id is looked up when its turn in the pool
 * comes, inside its own deadline. Duplicate ids count once.
 */
export async function resolveTargets(
  registry: ClusterRegistry,
  checker: ClusterChecker,
  selection: ClusterSelection | undefined,
): Promise<Target[]> {
  const kind = kindOf(selection);
  if (kind === "ids") return [...new Set(selection as readonly string[])].map((id) => ({ id }));
  if (kind === "all" && typeof registry.ids === "function") {
    // Looked up one by one inside the pool, each within its own deadline.
    return [...new Set(await registry.ids())].map((id) => ({ id }));
  }
  const all = (await registry.list()).map((raw) => checker.check(raw));
  let chosen = all;
  if (kind === "labels") {
    const selector = selection as Readonly<Record<string, string>>;
    chosen = all.filter((c) => c.matches(selector));
  } else if (kind === "predicate") {
    chosen = all.filter((c) => (selection as (c: Cluster) => boolean)(c));
  }
  // A custom registry listing an id twice still gets one result per cluster.
  const byId = new Map<string, Cluster>();
  for (const cluster of chosen) if (!byId.has(cluster.id)) byId.set(cluster.id, cluster);
  return [...byId.values()].map((cluster) => ({ id: cluster.id, cluster }));
}
