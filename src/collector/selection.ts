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

/**
 * One cluster of a fan-out: its id, and the cluster itself when the selection already had it,
 * or why its registry entry could not be used (that cluster's error, not the fan-out's).
 */
export interface Target {
  id: string;
  cluster?: Cluster | undefined;
  error?: unknown;
  /** With `cluster`: when (performance.now()) the registry was asked for it. */
  seenAt?: number | undefined;
}

/**
 * Turns registry answers into checked clusters, remembering the result per answer object so a
 * registry that hands out the same objects gets the same Cluster (and auth strategy) back.
 */
export class ClusterChecker {
  readonly #seen = new WeakMap<object, { cluster: Cluster; snapshot: string }>();
  readonly #identities = new WeakMap<object, number>();

  /**
   * The checked cluster for a registry answer; errors name the cluster and the field. An answer
   * object changed in place since it was last checked (a config reload editing its url or
   * token) is checked anew, so its client is replaced.
   */
  check(raw: ClusterConfig | Cluster): Cluster {
    if (raw instanceof Cluster) return raw;
    if (typeof raw !== "object" || raw === null) return toCluster(raw);
    const snapshot = this.#snapshot(raw);
    const seen = this.#seen.get(raw);
    if (seen?.snapshot === snapshot) return seen.cluster;
    const cluster = toCluster(raw);
    this.#seen.set(raw, { cluster, snapshot });
    return cluster;
  }

  /**
   * The answer as comparable text: plain data by value, anything else (an auth strategy, a
   * token function) by identity. Kept in memory only, beside the answer it describes.
   */
  #snapshot(raw: object): string {
    const identity = (value: object): number => this.#identity(value);
    return JSON.stringify(raw, function (this: Record<string, unknown>, key, value: unknown) {
      // The value before its toJSON ran (a strategy's toJSON is its description, the same for
      // two strategies with different secrets): compared by identity unless plain data.
      const original = key === "" ? value : this[key];
      if (typeof original === "function") return `\u0000fn#${identity(original)}`;
      if (typeof original !== "object" || original === null || Array.isArray(original)) return value;
      const proto = Object.getPrototypeOf(original);
      if (proto === Object.prototype || proto === null) return value;
      return `\u0000obj#${identity(original)}`;
    });
  }

  #identity(value: object): number {
    let id = this.#identities.get(value);
    if (id === undefined) {
      id = nextIdentity++;
      this.#identities.set(value, id);
    }
    return id;
  }
}

let nextIdentity = 1;

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
 * comes, inside its own deadline. Duplicate ids count once. `onListed` is told every id the
 * registry has whenever the selection made it list them all (any selection but a list of ids).
 */
export async function resolveTargets(
  registry: ClusterRegistry,
  checker: ClusterChecker,
  selection: ClusterSelection | undefined,
  onListed?: (ids: ReadonlySet<string>) => void,
): Promise<Target[]> {
  const kind = kindOf(selection);
  if (kind === "ids") return [...new Set(selection as readonly string[])].map((id) => ({ id }));
  if (kind === "all" && typeof registry.ids === "function") {
    // Looked up one by one inside the pool, each within its own deadline.
    const ids = new Set(await registry.ids());
    onListed?.(ids);
    return [...ids].map((id) => ({ id }));
  }
  const listedAt = performance.now();
  const entries = await listEntries(registry, checker);
  for (const entry of entries) entry.seenAt = listedAt;
  onListed?.(new Set(entries.map((entry) => entry.id)));
  const selected = (cluster: Cluster): boolean =>
    kind === "labels"
      ? cluster.matches(selection as Readonly<Record<string, string>>)
      : kind === "predicate"
        ? (selection as (c: Cluster) => boolean)(cluster)
        : true;
  // A custom registry listing an id twice still gets one result per cluster.
  const byId = new Map<string, Target>();
  for (const entry of entries) {
    // An entry that could not be checked cannot be matched either: it is reported, not dropped.
    if (!byId.has(entry.id) && (entry.cluster === undefined || selected(entry.cluster)))
      byId.set(entry.id, entry);
  }
  return [...byId.values()];
}

/**
 * Every registry entry, checked one by one: an entry that fails its check, or (for a registry
 * with `ids()` whose `list()` failed) an id whose lookup fails, becomes that cluster's error
 * rather than failing the whole fan-out.
 */
async function listEntries(registry: ClusterRegistry, checker: ClusterChecker): Promise<Target[]> {
  let raws: ReadonlyArray<ClusterConfig | Cluster>;
  try {
    raws = await registry.list();
  } catch (error) {
    if (typeof registry.ids !== "function") throw error;
    const ids = [...new Set(await registry.ids())];
    const found = await Promise.allSettled(ids.map(async (id) => registry.get(id)));
    return found.flatMap((outcome, i): Target[] => {
      const id = ids[i]!;
      if (outcome.status === "rejected") return [{ id, error: outcome.reason }];
      return outcome.value === undefined ? [] : [checked(checker, outcome.value, id)];
    });
  }
  return raws.map((raw, i) => checked(checker, raw, `#${i}`));
}

/** One entry as a target: checked, or its error under its id (`fallbackId` when it has none). */
function checked(checker: ClusterChecker, raw: ClusterConfig | Cluster, fallbackId: string): Target {
  try {
    const cluster = checker.check(raw);
    return { id: cluster.id, cluster };
  } catch (error) {
    const id = (raw as { id?: unknown } | null)?.id;
    return { id: typeof id === "string" && id.length > 0 ? id : fallbackId, error };
  }
}

/**
 * Looks a cluster up by id and checks it. An unknown id, or an answer for another id, is an
 * InvalidArgumentError naming `argument` (`clusters` in a fan-out, `id` for `fleet.client()`).
 */
export async function lookupCluster(
  registry: ClusterRegistry,
  checker: ClusterChecker,
  id: string,
  argument: string,
): Promise<Cluster> {
  const raw = await registry.get(id);
  if (raw === undefined) {
    throw new InvalidArgumentError(argument, `unknown cluster "${id}": the registry has no such id`, {
      cluster: id,
    });
  }
  const cluster = checker.check(raw);
  if (cluster.id !== id) {
    throw new InvalidArgumentError("id", `cluster "${id}": the registry answered a different id`, {
      cluster: id,
    });
  }
  return cluster;
}
