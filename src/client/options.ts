import type { Keyv } from "keyv";
import * as v from "valibot";
import type { AuthStrategy } from "../auth/AuthStrategy.ts";
import { noAuth } from "../auth/AuthStrategy.ts";
import { HEADER_NAME, UNSENDABLE_HEADERS } from "../auth/headerValues.ts";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { type Logger, safeLogger } from "../observe/logger.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../transport/retry.ts";
import type { TlsOptions } from "../transport/tls.ts";
import { parseBaseUrl } from "../transport/url.ts";
import { VERSION } from "../version.ts";
import { MAX_TIMEOUT_MS } from "./callOptions.ts";

/** Options of {@link PrometheusClient}. Only `url` is required. */
export interface PrometheusClientOptions {
  /** Base URL of the API, e.g. `https://thanos-querier.example:9091`. A path prefix is kept. */
  url: string | URL;
  /** How to authenticate; default {@link noAuth}. */
  auth?: AuthStrategy | undefined;
  /** TLS settings: CA, client certificate and key (mTLS), server name, skip-verify. */
  tls?: TlsOptions | undefined;
  /** Static headers sent with every request (e.g. `X-Scope-OrgID` for Mimir/Cortex). */
  headers?: Record<string, string> | undefined;
  /** Deadline of a whole call in ms — connect, retries and body read included. Default 30,000; at most 2^31 - 1. */
  timeout?: number | undefined;
  /** Retry policy; a number sets only the limit; `false` turns retries off. */
  retry?: Partial<RetryPolicy> | number | false | undefined;
  /** Largest body accepted, in bytes; larger ones are refused while streaming. Default 256 MiB. */
  maxResponseBytes?: number | undefined;
  /**
   * Largest `(end - start) / step` of a range query (intervals: a range has one point more),
   * checked before sending. Default 11,000, Prometheus' rule. VictoriaMetrics refuses more than
   * 30,000 points, i.e. 29,999 intervals: set 29,999 for it.
   */
  maxPointsPerSeries?: number | undefined;
  /** Follow redirects to another origin, sending no credential of any kind. Default false. */
  followCrossOriginRedirects?: boolean | undefined;
  /** Most redirects followed in one request. Default 5. */
  maxRedirects?: number | undefined;
  /** User-Agent header; default `promfleet/VERSION`. */
  userAgent?: string | undefined;
  /** A pino-compatible logger; silent by default. */
  logger?: Logger | undefined;
  /** The cluster id this client serves; set on errors and events. */
  cluster?: string | undefined;
  /**
   * A Keyv instance for the result cache (`new Keyv()` in memory, {@link createRedisCache} for
   * Redis, or any Keyv). None by default. See the README's "Caching" section.
   */
  cache?: Keyv | undefined;
  /** TTL of cached results in ms. Default 30,000; at most 7 days. */
  cacheTtl?: number | undefined;
  /**
   * Key for HMAC-SHA256 fingerprints of identities and requests in cache keys. Without it they are
   * salted SHA-256, which whoever reads a shared cache could test password guesses against. Secret.
   */
  cacheKeySecret?: string | undefined;
  /** First segment of every cache key. Default "promfleet". */
  cacheNamespace?: string | undefined;
  /** Deadline of each cache call in ms; a slower cache counts as a miss. Default 75. */
  cacheTimeout?: number | undefined;
  /** Largest encoded entry stored, in bytes; larger results are served but not cached. Default 8 MiB. */
  cacheMaxEntryBytes?: number | undefined;
  /**
   * With a cache, floor range queries' `start` and `end` to multiples of `step` before sending (as
   * Thanos' query frontend does), so nearby ranges share entries. Default true.
   */
  alignRanges?: boolean | undefined;
}

/** Options with defaults applied. */
export interface NormalizedClientOptions {
  url: URL;
  auth: AuthStrategy;
  tls: TlsOptions | undefined;
  headers: Array<[string, string]>;
  timeoutMs: number;
  retry: RetryPolicy;
  maxResponseBytes: number;
  maxPointsPerSeries: number;
  followCrossOriginRedirects: boolean;
  maxRedirects: number;
  userAgent: string;
  logger: Logger;
  cluster: string | undefined;
  cache: Keyv | undefined;
  cacheTtlMs: number;
  cacheKeySecret: string | undefined;
  cacheNamespace: string;
  cacheTimeoutMs: number;
  cacheMaxEntryBytes: number;
  alignRanges: boolean;
}

const positiveMs = v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(MAX_TIMEOUT_MS));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

const RetrySchema = v.union([
  v.literal(false),
  count,
  v.strictObject({
    limit: v.optional(count),
    baseDelayMs: v.optional(v.pipe(v.number(), v.minValue(0))),
    maxDelayMs: v.optional(v.pipe(v.number(), v.minValue(0))),
    maxRetryAfterMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  }),
]);

// An empty string would silently mean "none": no CA (the system's), no client certificate.
const pemText = v.pipe(v.string(), v.minLength(1, "a file path or PEM text, not empty"));
const TlsSchema = v.strictObject({
  ca: v.optional(
    v.union(
      [pemText, v.pipe(v.array(pemText), v.minLength(1, "a non-empty list"))],
      "a file path or PEM text, or a non-empty list of them",
    ),
  ),
  cert: v.optional(pemText),
  key: v.optional(pemText),
  servername: v.optional(v.string()),
  insecureSkipVerify: v.optional(v.boolean()),
});

const AuthSchema = v.custom<AuthStrategy>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as AuthStrategy).apply === "function" &&
    typeof (value as AuthStrategy).identity === "function" &&
    typeof (value as AuthStrategy).describe === "function",
  "an AuthStrategy (noAuth(), bearerAuth(...), basicAuth(...), headerAuth(...) or your own)",
);

const LoggerSchema = v.custom<Logger>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    ["debug", "info", "warn", "error"].every(
      (level) => typeof (value as Record<string, unknown>)[level] === "function",
    ),
  "a logger with debug, info, warn and error methods",
);

const KeyvSchema = v.custom<Keyv>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    ["get", "set", "getMany", "on"].every(
      (method) => typeof (value as Record<string, unknown>)[method] === "function",
    ),
  "a Keyv instance (new Keyv(), createRedisCache(url), ...)",
);

/** Longest cache TTL: generation keys of queries live a little longer than any entry. */
export const MAX_CACHE_TTL_MS = 7 * 24 * 3600_000;

// Strict: a misspelt option (`timout`) is an error naming it, not a silently ignored key.
const OptionsSchema = v.strictObject({
  url: v.unknown(),
  auth: v.optional(AuthSchema),
  tls: v.optional(TlsSchema),
  headers: v.optional(v.record(v.string(), v.string())),
  timeout: v.optional(positiveMs),
  retry: v.optional(RetrySchema),
  maxResponseBytes: v.optional(v.pipe(v.number(), v.integer(), v.gtValue(0))),
  maxPointsPerSeries: v.optional(v.pipe(v.number(), v.integer(), v.gtValue(0))),
  followCrossOriginRedirects: v.optional(v.boolean()),
  maxRedirects: v.optional(count),
  userAgent: v.optional(v.pipe(v.string(), v.minLength(1))),
  logger: v.optional(LoggerSchema),
  cluster: v.optional(v.string()),
  cache: v.optional(KeyvSchema),
  cacheTtl: v.optional(v.pipe(positiveMs, v.maxValue(MAX_CACHE_TTL_MS))),
  cacheKeySecret: v.optional(v.pipe(v.string(), v.minLength(1))),
  cacheNamespace: v.optional(v.pipe(v.string(), v.minLength(1))),
  cacheTimeout: v.optional(positiveMs),
  cacheMaxEntryBytes: v.optional(v.pipe(v.number(), v.integer(), v.gtValue(0))),
  alignRanges: v.optional(v.boolean()),
});

/** An option's path as a person writes it: `tls.ca[1]`, `retry.limit`. */
function optionPath(keys: readonly unknown[]): string {
  return keys
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i > 0 ? "." : ""}${String(key)}`))
    .join("");
}

/** Throws an InvalidArgumentError for the first valibot issue, naming the option but never echoing its value. */
export function throwFirstIssue(issues: readonly v.BaseIssue<unknown>[], prefix = ""): never {
  let issue = issues[0]!;
  let path: unknown[] = issue.path?.map((p) => p.key) ?? [];
  // A union (retry: number | false | {...}) reports its branches' issues inside, with paths
  // relative to it; the deepest one names the real culprit (`retry.limt`, not `retry`).
  while (issue.issues && issue.issues.length > 0) {
    const depth = (i: v.BaseIssue<unknown>) => i.path?.length ?? 0;
    const deepest = issue.issues.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (depth(deepest) === 0) break;
    path = [...path, ...(deepest.path?.map((p) => p.key) ?? [])];
    issue = deepest;
  }
  const name = `${prefix}${path.length > 0 ? optionPath(path) : "options"}`;
  if (issue.expected === "never") throw new InvalidArgumentError(name, `${name} is not a known option`);
  // Where the schema says in words what it wants, that; else valibot's terse `expected` (which
  // an integer check does not set).
  const terse = issue.type === "integer" ? "an integer" : issue.expected;
  const wanted = issue.message.startsWith("Invalid ") ? terse : issue.message;
  throw new InvalidArgumentError(name, `${name} must be ${wanted ?? "valid"}`);
}

// Header values may not hold control characters; checked here so the Headers constructor's
// own error (which quotes the value, possibly a secret) is never reached.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point of the check
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// fetch refuses a header value beyond Latin-1 only when the request is sent, and the call would
// then be retried as if it were a network failure: refuse it here, at construction. (Without
// the u flag, a character beyond the BMP is two surrogates, both in this range.)
const NOT_LATIN1 = /[\u0100-\uffff]/;

/** Checks a header pair; errors name the header, never its value. */
export function checkHeader(name: string, value: string, option: string): void {
  if (!HEADER_NAME.test(name))
    throw new InvalidArgumentError(option, `${option}: "${name}" is not a valid header name`);
  if (UNSENDABLE_HEADERS.has(name.toLowerCase())) {
    throw new InvalidArgumentError(option, `${option}: "${name}" is a header fetch refuses to send`);
  }
  if (BAD_HEADER_VALUE.test(value)) {
    throw new InvalidArgumentError(
      option,
      `${option}: the value of header "${name}" holds control characters`,
    );
  }
  if (NOT_LATIN1.test(value)) {
    throw new InvalidArgumentError(
      option,
      `${option}: the value of header "${name}" holds characters other than Latin-1 (encode it first)`,
    );
  }
}

function normalizeRetry(retry: v.InferOutput<typeof RetrySchema> | undefined): RetryPolicy {
  if (retry === undefined) return DEFAULT_RETRY;
  if (retry === false) return { ...DEFAULT_RETRY, limit: 0 };
  if (typeof retry === "number") return { ...DEFAULT_RETRY, limit: retry };
  const policy = { ...DEFAULT_RETRY };
  for (const [key, value] of Object.entries(retry))
    if (value !== undefined) policy[key as keyof RetryPolicy] = value;
  return policy;
}

/** Validates the constructor's options and fills in defaults. */
export function normalizeClientOptions(options: PrometheusClientOptions): NormalizedClientOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError(
      "options",
      "PrometheusClient needs an options object with at least { url }",
    );
  }
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) throwFirstIssue(parsed.issues);
  const o = parsed.output;
  // From the input, not the parsed output: v.record skips keys named __proto__, constructor and
  // prototype, and such a header would otherwise be dropped without a word.
  const headers = Object.entries(options.headers ?? {});
  for (const [name, value] of headers) {
    if (typeof value !== "string") {
      throw new InvalidArgumentError(`headers.${name}`, `headers.${name} must be string`);
    }
    checkHeader(name, value, "headers");
  }
  if (o.userAgent !== undefined) checkHeader("User-Agent", o.userAgent, "userAgent");
  return {
    url: parseBaseUrl(o.url),
    auth: o.auth ?? noAuth(),
    tls: o.tls,
    headers,
    timeoutMs: o.timeout ?? 30_000,
    retry: normalizeRetry(o.retry),
    maxResponseBytes: o.maxResponseBytes ?? 256 * 1024 * 1024,
    maxPointsPerSeries: o.maxPointsPerSeries ?? 11_000,
    followCrossOriginRedirects: o.followCrossOriginRedirects ?? false,
    maxRedirects: o.maxRedirects ?? 5,
    userAgent: o.userAgent ?? `promfleet/${VERSION}`,
    logger: safeLogger(o.logger),
    cluster: o.cluster,
    cache: o.cache,
    cacheTtlMs: o.cacheTtl ?? 30_000,
    cacheKeySecret: o.cacheKeySecret,
    cacheNamespace: o.cacheNamespace ?? "promfleet",
    cacheTimeoutMs: o.cacheTimeout ?? 75,
    cacheMaxEntryBytes: o.cacheMaxEntryBytes ?? 8 * 1024 * 1024,
    alignRanges: o.alignRanges ?? true,
  };
}
