import { inspect } from "node:util";
import * as v from "valibot";
import type { AuthStrategy } from "../auth/AuthStrategy.ts";
import type { AuthConfig } from "../auth/config.ts";
import { normalizeClientOptions, type PrometheusClientOptions } from "../client/options.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { TlsOptions } from "../transport/tls.ts";
import { redactUrl } from "../transport/url.ts";
import { clusterAuth } from "./declarativeAuth.ts";

/**
 * Per-cluster client settings: what may differ from one cluster to the next besides its address
 * and credentials. `timeout` is that cluster's per-cluster deadline in a fan-out (overriding the
 * collector's `timeout`).
 */
export type ClusterClientOptions = Pick<
  PrometheusClientOptions,
  | "timeout"
  | "retry"
  | "maxResponseBytes"
  | "maxPointsPerSeries"
  | "followCrossOriginRedirects"
  | "maxRedirects"
  | "userAgent"
>;

/**
 * A cluster as a registry describes it: plain data, loadable from JSON or YAML (then `auth` is the
 * declarative form), or built in code (then `auth` may be any {@link AuthStrategy}).
 *
 * @example
 * ```ts
 * const east: ClusterConfig = {
 *   id: "east",
 *   url: "https://thanos-querier.east.example:9091",
 *   auth: { type: "bearer", tokenFile: "/var/run/secrets/east/token" },
 *   tls: { ca: "/etc/promfleet/east-ca.crt" },
 *   labels: { region: "us-east", env: "prod" },
 * };
 * ```
 */
export interface ClusterConfig {
  /** Unique id of the cluster; it becomes the `cluster` label of merged results. */
  id: string;
  /** Base URL of its Prometheus-compatible API (a path prefix is kept). */
  url: string | URL;
  /** A strategy, or the declarative `{ type: "bearer" | "basic" | "header" | "none", ... }`. Default none. */
  auth?: AuthStrategy | AuthConfig | undefined;
  /** TLS settings of this cluster. */
  tls?: TlsOptions | undefined;
  /** Static headers for this cluster (e.g. `X-Scope-OrgID`). */
  headers?: Record<string, string> | undefined;
  /** Free labels (region, env, ...), matched by fan-out selectors such as `{ env: "prod" }`. */
  labels?: Record<string, string> | undefined;
  /** Client settings of this cluster (timeout, retry, size caps, ...). */
  clientOptions?: ClusterClientOptions | undefined;
}

const ID = v.pipe(
  v.string(),
  v.minLength(1),
  // Ids end up in labels, cache keys and log lines: no control characters.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point of the check
  v.regex(/^[^\u0000-\u001f\u007f]+$/),
);

const ClusterSchema = v.strictObject({
  id: ID,
  url: v.union([v.string(), v.instance(URL)]),
  auth: v.optional(v.unknown()),
  tls: v.optional(v.unknown()),
  headers: v.optional(v.unknown()),
  labels: v.optional(v.record(v.string(), v.string())),
  clientOptions: v.optional(
    v.strictObject({
      timeout: v.optional(v.unknown()),
      retry: v.optional(v.unknown()),
      maxResponseBytes: v.optional(v.unknown()),
      maxPointsPerSeries: v.optional(v.unknown()),
      followCrossOriginRedirects: v.optional(v.unknown()),
      maxRedirects: v.optional(v.unknown()),
      userAgent: v.optional(v.unknown()),
    }),
  ),
});

/** What the error calls a cluster: its id when it has a usable one, else its position. */
function clusterName(raw: unknown, position: number | undefined): string {
  const id = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
  if (typeof id === "string" && v.is(ID, id)) return `cluster "${id}"`;
  return position === undefined ? "a cluster" : `cluster #${position}`;
}

/** An error naming the cluster and the field; never the field's value (it may be a secret). */
export function clusterError(
  raw: unknown,
  field: string,
  problem: string,
  position?: number,
): InvalidArgumentError {
  const name = clusterName(raw, position);
  const id = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return new InvalidArgumentError(field, `${name}: ${field} ${problem}`, {
    cluster: typeof id === "string" ? id : undefined,
  });
}

/** What a valibot issue says is wrong, phrased after the field name; values are never echoed. */
function problemOf(issue: v.BaseIssue<unknown>): string {
  if (issue.received === "undefined") return "is missing";
  if (issue.message.includes("Invalid key")) return "is not a known field";
  return `must be ${issue.expected ?? "valid"}`;
}

/**
 * A validated cluster: what a registry hands to the collector. Credentials, TLS material and
 * headers are held privately; `util.inspect` and `JSON.stringify` show only the id, the URL
 * (without credentials), the labels and the auth strategy's own secret-free description.
 */
export class Cluster {
  /** Unique id. */
  readonly id: string;
  /** Base URL, credentials removed. */
  readonly url: string;
  /** Free labels (region, env, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** How requests to this cluster authenticate. */
  readonly auth: AuthStrategy;
  readonly #url: string;
  readonly #tls: TlsOptions | undefined;
  readonly #headers: Readonly<Record<string, string>> | undefined;
  readonly #clientOptions: ClusterClientOptions;

  /**
   * Builds a cluster from checked parts. Registries build clusters from raw {@link ClusterConfig}
   * data, which they check first (errors name the cluster and the field).
   */
  constructor(parts: {
    id: string;
    url: string;
    auth: AuthStrategy;
    tls?: TlsOptions | undefined;
    headers?: Record<string, string> | undefined;
    labels?: Record<string, string> | undefined;
    clientOptions?: ClusterClientOptions | undefined;
  }) {
    this.id = parts.id;
    this.#url = parts.url;
    this.url = redactUrl(new URL(parts.url));
    this.auth = parts.auth;
    this.labels = Object.freeze({ ...parts.labels });
    this.#tls = parts.tls === undefined ? undefined : frozenTls(parts.tls);
    this.#headers = parts.headers === undefined ? undefined : Object.freeze({ ...parts.headers });
    this.#clientOptions = Object.freeze({ ...parts.clientOptions });
    Object.freeze(this);
  }

  /** The per-cluster deadline of a fan-out, when this cluster sets one. */
  get timeout(): number | undefined {
    return this.#clientOptions.timeout;
  }

  /** Whether every label of `selector` is set to the same value on this cluster. */
  matches(selector: Readonly<Record<string, string>>): boolean {
    return Object.entries(selector).every(([name, value]) => this.labels[name] === value);
  }

  /**
   * The options a client for this cluster is built from. Internal to promfleet: it holds the TLS
   * material and headers, which may be secret.
   * @internal
   */
  clientSettings(): PrometheusClientOptions & { url: string } {
    const settings: PrometheusClientOptions & { url: string } = {
      ...this.#clientOptions,
      url: this.#url,
      auth: this.auth,
      cluster: this.id,
    };
    if (this.#tls) settings.tls = this.#tls;
    if (this.#headers) settings.headers = this.#headers;
    return settings;
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    return { id: this.id, url: this.url, labels: this.labels, auth: this.auth.describe() };
  }

  /** `util.inspect` shows the same secret-free description. */
  [inspect.custom](): string {
    return `Cluster ${inspect(this.toJSON())}`;
  }
}

/** A frozen copy of `tls`, its CA list copied too: a caller changing theirs later changes nothing here. */
function frozenTls(tls: TlsOptions): TlsOptions {
  const { ca } = tls;
  return Object.freeze({ ...tls, ...(Array.isArray(ca) ? { ca: Object.freeze([...ca]) } : {}) });
}

/**
 * Checks raw registry data and turns it into a {@link Cluster}. A problem is an
 * InvalidArgumentError naming the cluster (its id, or `#position` when the id itself is wrong)
 * and the field, never the field's value. An existing Cluster is returned as it is.
 */
export function toCluster(raw: unknown, position?: number): Cluster {
  if (raw instanceof Cluster) return raw;
  if (typeof raw !== "object" || raw === null) {
    throw new InvalidArgumentError(
      "cluster",
      `${clusterName(raw, position)} must be an object with at least { id, url }`,
    );
  }
  const parsed = v.safeParse(ClusterSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const field = issue.path?.map((p) => String(p.key)).join(".") ?? "cluster";
    throw clusterError(raw, field, problemOf(issue), position);
  }
  const c = parsed.output;
  let auth: AuthStrategy;
  try {
    auth = clusterAuth(c.auth);
  } catch (error) {
    throw rename(error, raw, position);
  }
  const clientOptions = (c.clientOptions ?? {}) as ClusterClientOptions;
  let url: URL;
  try {
    // The client's own validation, run now so a bad registry entry fails at load time.
    url = normalizeClientOptions({
      ...clientOptions,
      url: c.url,
      auth,
      tls: c.tls as TlsOptions | undefined,
      headers: c.headers as Record<string, string> | undefined,
    }).url;
  } catch (error) {
    throw rename(error, raw, position);
  }
  return new Cluster({
    id: c.id,
    url: url.href,
    auth,
    tls: c.tls as TlsOptions | undefined,
    headers: c.headers as Record<string, string> | undefined,
    labels: c.labels,
    clientOptions,
  });
}

/** Fields of a cluster's data; anything else a client check names lives under `clientOptions`. */
const CLUSTER_FIELDS = new Set(["id", "url", "auth", "tls", "headers", "labels"]);

/**
 * Re-issues a client or auth validation error so it names the cluster and the field as it is
 * spelled in the cluster's data (`auth.tokenFile`, `clientOptions.timeout`); other errors pass
 * through. The original message already avoids values, so it is kept.
 */
function rename(error: unknown, raw: unknown, position: number | undefined): unknown {
  if (!(error instanceof InvalidArgumentError)) return error;
  const top = error.argument.split(".")[0] ?? error.argument;
  const field = CLUSTER_FIELDS.has(top) ? error.argument : `clientOptions.${error.argument}`;
  const id = typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return new InvalidArgumentError(field, `${clusterName(raw, position)}: ${error.message}`, {
    cluster: typeof id === "string" ? id : undefined,
  });
}
