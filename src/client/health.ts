import type { ApiResponse } from "../decode/response.ts";
import { AbortError } from "../errors/AbortError.ts";
import { conciseDetail, errorFromResponse } from "../errors/fromResponse.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import type { CallOptions } from "./callOptions.ts";
import { type PreparedRequest, prepareQuery } from "./query.ts";
import { prepareBuildInfo } from "./status.ts";

/** Options of `health()`. */
export interface HealthOptions extends CallOptions {
  /**
   * OpenShift tenancy (port 9092): the namespace the fallback `vector(1)` query is asked in. That
   * port hides `/-/healthy` and `/-/ready` and refuses a query without a namespace (400), so a
   * health check there needs one the token may read.
   */
  namespace?: string | undefined;
}

/** What `health()` found. It never throws for an unhealthy server: the reason is in `error`. */
export interface HealthStatus {
  /** The server is up (`/-/healthy`, or the fallback query worked). */
  healthy: boolean;
  /** The server serves queries (`/-/ready`, or the fallback query worked). */
  ready: boolean;
  /** Milliseconds until the verdict (not counting the best-effort version lookup). */
  latencyMs: number;
  /** The server's version from `/api/v1/status/buildinfo`, when it could be read in time. */
  version?: string;
  /** `probe`: `/-/healthy` and `/-/ready` answered; `query`: a proxy hid one, so `vector(1)` decided. */
  via: "probe" | "query";
  /** Why it is not healthy or not ready. */
  error?: PrometheusError;
}

/** The transport's deadline form of the call options. */
export interface DeadlineOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /** A lookup whose failure is not an `error` event (the transport's `bestEffort`). */
  bestEffort?: boolean | undefined;
}

/** What `checkHealth` is given: the deadline, and the namespace of the fallback query. */
export interface HealthCheckOptions extends DeadlineOptions {
  namespace?: string | undefined;
}

/** What a health check needs from its client. */
export interface HealthIo {
  /** GETs a plain path once (the transport's `probe`). */
  probe(path: string, options: DeadlineOptions): Promise<{ status: number; text: string }>;
  /** Runs an API request straight through the transport (never a cache: a health check must reach the server). */
  call<T>(request: PreparedRequest<T>, options: DeadlineOptions): Promise<ApiResponse<T>>;
  /** The base URL without credentials, for error messages. */
  url: string;
  /** The cluster id, if any. */
  cluster: string | undefined;
}

/**
 * Statuses with which a server or a proxy says `/-/healthy` and `/-/ready` are not served there:
 * kube-rbac-proxy, oauth-proxy and gateways hide them (401, 403, 404); VictoriaMetrics serves
 * them only at its root and answers 400 "unsupported path requested" under `/prometheus/`; a
 * proxy allowing only some methods answers 405. A `vector(1)` query then decides.
 */
const HIDDEN = new Set([400, 401, 403, 404, 405]);

/** The least time the version lookup is given after the verdict. */
const VERSION_GRACE_MS = 250;

type ProbeOutcome = { kind: "ok" } | { kind: "hidden" } | { kind: "failed"; error: PrometheusError };

/**
 * Checks a server: `/-/healthy` and `/-/ready` in parallel; where one is not served there (400,
 * 401, 403, 404, 405: see HIDDEN) a `vector(1)` query decides instead. The version is read from buildinfo alongside and
 * waited for only briefly after the verdict (a hung buildinfo never delays the answer long).
 * A caller's abort rejects with an AbortError; every other failure is reported in `error`.
 */
export async function checkHealth(io: HealthIo, options: HealthCheckOptions): Promise<HealthStatus> {
  // Checked before anything is sent, like every other argument.
  const fallback = prepareQuery("vector(1)", { namespace: options.namespace });
  const started = performance.now();
  const remaining = () => Math.max(1, options.timeoutMs - (performance.now() - started));
  const at = (timeoutMs: number): DeadlineOptions => ({ signal: options.signal, timeoutMs });

  const versionAbort = new AbortController();
  const versionSignal = options.signal
    ? AbortSignal.any([options.signal, versionAbort.signal])
    : versionAbort.signal;
  let versionFound: string | undefined;
  const version = io
    // Best effort: behind a proxy that hides buildinfo (403, 404), or cut when the verdict is in,
    // its failure is no error of the server's, and must not count as one in `error` events.
    .call(prepareBuildInfo(undefined), {
      signal: versionSignal,
      timeoutMs: options.timeoutMs,
      bestEffort: true,
    })
    .then(
      (r) => {
        versionFound = r.data.version;
      },
      () => {},
    );

  try {
    const probe = async (path: string): Promise<ProbeOutcome> => {
      try {
        const answer = await io.probe(path, at(remaining()));
        if (answer.status >= 200 && answer.status < 300) return { kind: "ok" };
        if (HIDDEN.has(answer.status)) return { kind: "hidden" };
        const error = errorFromResponse({
          status: answer.status,
          detail: conciseDetail(answer.text),
          endpoint: `${io.url}${path}`,
        });
        error.cluster = io.cluster;
        return { kind: "failed", error };
      } catch (error) {
        return { kind: "failed", error: settle(error) };
      }
    };
    const [healthy, ready] = await Promise.all([probe("-/healthy"), probe("-/ready")]);
    let byQuery: ProbeOutcome | undefined;
    if (healthy.kind === "hidden" || ready.kind === "hidden") {
      try {
        await io.call(fallback, at(remaining()));
        byQuery = { kind: "ok" };
      } catch (error) {
        byQuery = { kind: "failed", error: settle(error) };
      }
    }
    const decide = (outcome: ProbeOutcome) => (outcome.kind === "hidden" ? byQuery! : outcome);
    const healthyOutcome = decide(healthy);
    const readyOutcome = decide(ready);
    const latencyMs = performance.now() - started;
    const status: HealthStatus = {
      healthy: healthyOutcome.kind === "ok",
      ready: readyOutcome.kind === "ok",
      latencyMs,
      via: byQuery === undefined ? "probe" : "query",
    };
    const error =
      (healthyOutcome.kind === "failed" && healthyOutcome.error) ||
      (readyOutcome.kind === "failed" && readyOutcome.error) ||
      undefined;
    if (error) status.error = error;
    if (status.healthy || status.ready) {
      await waitAtMost(version, Math.min(remaining(), Math.max(VERSION_GRACE_MS, latencyMs)));
    }
    if (versionFound !== undefined) status.version = versionFound;
    return status;
  } finally {
    versionAbort.abort();
  }
}

/** A failure as a PrometheusError; a caller's abort is rethrown (it is not the server's health). */
function settle(error: unknown): PrometheusError {
  if (error instanceof AbortError) throw error;
  if (error instanceof PrometheusError) return error;
  return new PrometheusError(error instanceof Error ? error.message : "health check failed");
}

/** Waits for `promise` (which never rejects) or `ms`, whichever comes first. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
