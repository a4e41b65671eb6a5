import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { quotePath } from "../errors/quotePath.ts";
import { type Logger, safeLogger } from "../observe/logger.ts";
import { fileStamp } from "../transport/fileStamp.ts";
import type { Cluster, ClusterConfig } from "./cluster.ts";
import { type ClusterRegistry, StaticClusterRegistry } from "./registry.ts";

/** Options of {@link FileClusterRegistry}. */
export interface FileClusterRegistryOptions {
  /** Least time between two looks at the file, in ms (default 1,000). */
  checkIntervalMs?: number | undefined;
  /** Where a reload is reported (info) and a file that cannot be reloaded (warn); silent by default. */
  logger?: Logger | undefined;
}

/**
 * Clusters from a JSON file — an array of {@link ClusterConfig}, or `{ "clusters": [...] }` —
 * read and checked when built, and read again when the file changes: a ConfigMap or a
 * GitOps-managed file adds, removes or changes clusters without a restart. The file is looked
 * at (`stat`, a Kubernetes symlink swap included) at most once a second, when the collector asks
 * for clusters. A changed file that cannot be read or checked — half-written, a typo — leaves the
 * last good clusters in force, with a warning, and is read again once it changes.
 *
 * Errors name the file, the cluster and the field, never a value (a file may hold tokens). Paths
 * inside it (`tokenFile`, `tls.ca`, ...) are used as written: relative ones against the process's
 * working directory.
 *
 * @example
 * ```ts
 * // /etc/promfleet/clusters.json, mounted from a ConfigMap:
 * // [{ "id": "east", "url": "https://thanos-querier.east.example:9091",
 * //    "auth": { "type": "bearer", "tokenFile": "/var/run/secrets/east/token" },
 * //    "labels": { "env": "prod" } }]
 * const fleet = new MetricsCollector({ registry: new FileClusterRegistry("/etc/promfleet/clusters.json") });
 * ```
 */
export class FileClusterRegistry implements ClusterRegistry {
  /** The file, as given. */
  readonly path: string;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #clusters: StaticClusterRegistry;
  #stamp: string;
  #checkedAt: number;
  /** The last reload failure warned about: the same one is not warned about at every look. */
  #lastFailure: string | undefined;
  /** The stamp of a version that failed: not read and parsed again until the file changes. */
  #failedStamp: string | undefined;

  /** Reads and checks the file now; throws an InvalidArgumentError naming the file and what is wrong. */
  constructor(path: string, options: FileClusterRegistryOptions = {}) {
    if (typeof path !== "string" || path.length === 0) {
      throw new InvalidArgumentError("path", "FileClusterRegistry needs the path of a JSON file");
    }
    const interval = options.checkIntervalMs ?? 1_000;
    if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0) {
      throw new InvalidArgumentError("checkIntervalMs", "checkIntervalMs must be a number of ms, 0 or more");
    }
    this.path = path;
    this.#intervalMs = interval;
    this.#logger = safeLogger(options.logger);
    const loaded = loadClusters(path);
    this.#clusters = loaded.clusters;
    this.#stamp = loaded.stamp;
    this.#checkedAt = performance.now();
  }

  /** The cluster with this id, or undefined (the file is looked at first, at most once a second). */
  get(id: string): Cluster | undefined {
    return this.#current().get(id);
  }

  /** Every cluster, in the file's order. */
  list(): readonly Cluster[] {
    return this.#current().list();
  }

  /** Number of clusters in force. */
  get size(): number {
    return this.#clusters.size;
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    return { file: this.path, ...this.#clusters.toJSON() };
  }

  /** `util.inspect` shows the same secret-free description. */
  [inspect.custom](): string {
    return `FileClusterRegistry ${inspect(this.toJSON(), { depth: 4 })}`;
  }

  #current(): StaticClusterRegistry {
    const now = performance.now();
    if (now - this.#checkedAt >= this.#intervalMs) {
      this.#checkedAt = now;
      this.#reloadIfChanged();
    }
    return this.#clusters;
  }

  #reloadIfChanged(): void {
    let loaded: { clusters: StaticClusterRegistry; stamp: string };
    let stamp: string | undefined;
    try {
      stamp = fileStamp(this.path);
      if (stamp === this.#stamp || stamp === this.#failedStamp) return;
      loaded = loadClusters(this.path);
    } catch (error) {
      this.#failedStamp = stamp;
      const reason = error instanceof Error ? error.message : String(error);
      if (reason !== this.#lastFailure) {
        this.#logger.warn(
          { file: this.path, error: reason },
          "the cluster file could not be reloaded: the last good clusters stay in force",
        );
      }
      this.#lastFailure = reason;
      return;
    }
    this.#clusters = loaded.clusters;
    this.#stamp = loaded.stamp;
    this.#lastFailure = undefined;
    this.#failedStamp = undefined;
    this.#logger.info({ file: this.path, clusters: loaded.clusters.size }, "cluster file reloaded");
  }
}

/** Reads and checks the file; the stamp is taken first, so a change made while reading is seen next time. */
function loadClusters(path: string): { clusters: StaticClusterRegistry; stamp: string } {
  const file = quotePath(path);
  let stamp: string;
  let text: string;
  try {
    stamp = fileStamp(path);
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InvalidArgumentError("path", `${file}: cannot read the cluster file (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not V8's message: it quotes a piece of the file, which may hold a token.
    throw new InvalidArgumentError("path", `${file} is not valid JSON`);
  }
  const list = Array.isArray(json) ? json : (json as { clusters?: unknown } | null)?.clusters;
  if (!Array.isArray(list)) {
    throw new InvalidArgumentError(
      "path",
      `${file} must hold an array of clusters, or { "clusters": [...] }`,
    );
  }
  try {
    return { clusters: new StaticClusterRegistry(list as ClusterConfig[]), stamp };
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    throw new InvalidArgumentError(error.argument, `${file}: ${error.message}`, {
      cluster: error.cluster,
    });
  }
}
