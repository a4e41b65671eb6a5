import { createHash, createHmac } from "node:crypto";
import { formatTime } from "../client/params.ts";
import type { RequestSpec } from "../transport/Transport.ts";

/**
 * Cache keys, generation keys, and which requests are cached for how long.
 *
 * An entry's key (README "Caching" documents it):
 *
 * ```
 * <namespace>:r1:<scope>:<identity>:<clusterGen>.<queryGen>:<endpoint>:<request hash>
 * promfleet:r1:east:3f9c…(32 hex):0.0:query_range:9a1b…(32 hex)
 * ```
 *
 * - scope: the cluster id, or the base URL (no credentials) when the client has none, URI-encoded;
 * - identity: the client's identity fingerprint (HMAC-SHA256 with `cacheKeySecret`, salted SHA-256 otherwise);
 * - generations: opaque tokens that `invalidate()` replaces (`0` until the first invalidation);
 * - endpoint: query, query_range, series, labels, label_values or metadata;
 * - request hash: a hash (keyed like the identity) of the base URL, path, tenancy namespace, static
 *   headers (e.g. `X-Scope-OrgID`) and the parameters in canonical order. Not in it: the deadline
 *   and Prometheus' `timeout` parameter (the transport adds that one later).
 */

const SALT = "promfleet/cache-key/v1\u0000";

const CACHEABLE: ReadonlyArray<readonly [RegExp, string]> = [
  [/^api\/v1\/query$/, "query"],
  [/^api\/v1\/query_range$/, "query_range"],
  [/^api\/v1\/series$/, "series"],
  [/^api\/v1\/labels$/, "labels"],
  [/^api\/v1\/label\/[^/]+\/values$/, "label_values"],
  [/^api\/v1\/metadata$/, "metadata"],
];

/** The endpoint name used in keys, or undefined when the path is never cached (targets, rules, health…). */
export function cacheableEndpoint(path: string): string | undefined {
  const clean = path.replace(/^\/+/, "");
  for (const [pattern, name] of CACHEABLE) if (pattern.test(clean)) return name;
  return undefined;
}

/** A keyed hash: HMAC-SHA256 with the secret, salted SHA-256 without. 32 hex characters. */
export function keyedHash(material: string, secret: string | undefined): string {
  const hash = secret ? createHmac("sha256", secret) : createHash("sha256").update(SALT);
  return hash.update(material).digest("hex").slice(0, 32);
}

/** What identifies a client's view of the data, beside its identity fingerprint. */
export interface KeyScope {
  /** Namespace of every key (`cacheNamespace`, default "promfleet"). */
  namespace: string;
  /** Cluster id, or the redacted base URL. */
  scope: string;
  /** The base URL, redacted. */
  baseUrl: string;
  /** Static headers (values may be secrets: they are only hashed). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** HMAC key for hashes, when configured. */
  secret: string | undefined;
}

/** The generation key of a cluster (of every entry of that scope, whatever the identity). */
export function clusterGenerationKey(scope: KeyScope): string {
  return `${scope.namespace}:gen:${encodeURIComponent(scope.scope)}`;
}

/** The two generation keys a request depends on: the cluster's, and its query's (when it has one). */
export function generationKeys(scope: KeyScope, spec: RequestSpec): [string, string] | [string] {
  const clusterKey = clusterGenerationKey(scope);
  const query = queryOf(spec);
  return query === undefined ? [clusterKey] : [clusterKey, queryGenerationKey(scope, query)];
}

/** The generation key of one PromQL text. */
export function queryGenerationKey(scope: KeyScope, query: string): string {
  return `${clusterGenerationKey(scope)}:q:${keyedHash(query, scope.secret)}`;
}

/** The PromQL text of a query or range query (the unit `invalidate({ query })` works on). */
function queryOf(spec: RequestSpec): string | undefined {
  const endpoint = cacheableEndpoint(spec.path);
  if (endpoint !== "query" && endpoint !== "query_range") return undefined;
  return spec.askedQuery ?? spec.params.find(([name]) => name === "query")?.[1];
}

/** Builds an entry key; `generations` are the tokens read for {@link generationKeys}. */
export function entryKey(
  scope: KeyScope,
  identity: string,
  generations: readonly string[],
  spec: RequestSpec,
): string {
  const endpoint = cacheableEndpoint(spec.path) ?? "other";
  // A stable sort by name: the order of differently named parameters never matters, repeated
  // ones (match[]) keep theirs. Prometheus' `timeout` is left out when the transport sets it
  // (from the deadline), overwriting any given in `params`: the request sent is the same.
  const params = spec.params
    .filter(([name]) => !(spec.sendTimeout && name === "timeout"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const headers = [...scope.headers].map(([n, value]) => [n.toLowerCase(), value]).sort();
  const material = JSON.stringify([scope.baseUrl, spec.path, spec.namespace ?? null, headers, params]);
  const gens = [generations[0] ?? "0", generations[1] ?? "0"].join(".");
  return [
    scope.namespace,
    "r1",
    encodeURIComponent(scope.scope),
    identity,
    gens,
    endpoint,
    keyedHash(material, scope.secret),
  ].join(":");
}

/** Ranges ending less than this before now may still change (late samples, rule evaluation). */
const RECENT_MS = 60_000;
/** TTL of results that reach into the last minute. */
export const RECENT_TTL_MS = 5_000;

/**
 * The TTL of a result: `baseTtlMs`, shortened to 5 s when its range (`end`, or an instant query's
 * `time`) reaches into the last minute. Calls without `end`/`time` mean "now" and keep the base TTL:
 * they are keyed without a time, so the entry simply answers "now" for that long.
 */
export function ttlFor(spec: RequestSpec, baseTtlMs: number, now: number): number {
  const bound = spec.params.find(([name]) => name === "end" || name === "time")?.[1];
  if (bound === undefined) return baseTtlMs;
  // Infinity: it may read anything ahead (an offset expression), the last minute included.
  if (spec.readsUntil === Number.POSITIVE_INFINITY) return Math.min(baseTtlMs, RECENT_TTL_MS);
  const ms = Math.max(Number(bound), spec.readsUntil ?? Number.NEGATIVE_INFINITY) * 1000;
  if (Number.isFinite(ms) && ms > now - RECENT_MS) return Math.min(baseTtlMs, RECENT_TTL_MS);
  return baseTtlMs;
}

/**
 * A range's bounds (ms) floored to multiples of its step from the epoch; `start` moves up one
 * step when flooring would add an interval past `maxPoints`. Shared by {@link alignRange} and a
 * split range, which aligns the whole range before cutting it.
 */
export function flooredRange(
  startMs: number,
  endMs: number,
  stepMs: number,
  maxPoints: number,
): [number, number] {
  const floor = (ms: number) => ms - (((ms % stepMs) + stepMs) % stepMs);
  const [start, end] = [floor(startMs), floor(endMs)];
  return Math.floor((end - start) / stepMs) > maxPoints ? [start + stepMs, end] : [start, end];
}

/**
 * Aligns a range query to its step, as Thanos' query frontend does: `start` and `end` are floored
 * to multiples of `step` (in milliseconds, from the unix epoch), so dashboards asking for
 * "the last hour" a few seconds apart share one entry. The samples returned then lie on those
 * multiples. When flooring would add an interval past `maxPoints`, `start` moves up one step.
 */
export function alignRange(spec: RequestSpec, maxPoints: number): RequestSpec {
  if (cacheableEndpoint(spec.path) !== "query_range") return spec;
  const get = (name: string) => Number(spec.params.find(([n]) => n === name)?.[1]);
  const stepMs = Math.round(get("step") * 1000);
  let startMs = Math.round(get("start") * 1000);
  let endMs = Math.round(get("end") * 1000);
  if (!(stepMs > 0) || !Number.isFinite(startMs) || !Number.isFinite(endMs)) return spec;
  [startMs, endMs] = flooredRange(startMs, endMs, stepMs, maxPoints);
  const params = spec.params.map(([name, value]): [string, string] => {
    if (name === "start") return [name, formatTime(startMs / 1000)];
    if (name === "end") return [name, formatTime(endMs / 1000)];
    return [name, value];
  });
  return { ...spec, params };
}
