import type { AuthStrategy } from "../auth/AuthStrategy.ts";
import type { ApiResponse } from "../decode/response.ts";
import { errorFromResponse } from "../errors/fromResponse.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { UnavailableError } from "../errors/UnavailableError.ts";
import type { Events, RequestEvent } from "../observe/events.ts";
import type { Logger } from "../observe/logger.ts";
import { type SpanAttributes, withSpan } from "../observe/tracing.ts";
import { Deadline, raceSignal, sleep } from "./deadline.ts";
import { decodeAnswer } from "./decodeAnswer.ts";
import type { BodyDecoder } from "./decoder.ts";
import { maskEchoed } from "./echoedSecrets.ts";
import { describeErrorBody } from "./errorAnswer.ts";
import { type ExchangeAnswer, type ExchangeSettings, exchange } from "./exchange.ts";
import { InFlight } from "./inFlight.ts";
import { describeNetworkError } from "./network.ts";
import { backoffDelay, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry.ts";
import { endpointUrl, redactUrl } from "./url.ts";

/** What an endpoint asks of the transport. */
export interface RequestSpec {
  /** Path below the base URL, e.g. `api/v1/query`. */
  path: string;
  /** Canonical parameters, in a stable order (cache keys are built from them). */
  params: ReadonlyArray<readonly [string, string]>;
  /** `form`: POST as a form, falling back to GET on 403/405/501; `get`: GET only. */
  method: "form" | "get";
  /** Send the time left as Prometheus' own `timeout` parameter (queries only). */
  sendTimeout?: boolean;
  /** OpenShift tenancy: goes in the URL query, and forces GET (the tenancy port denies POST). */
  namespace?: string | undefined;
  /**
   * The PromQL text the caller wrote, when the one sent was rewritten (a split range's
   * `@ start()`): what `invalidate({ query })` matches. Not sent, not part of the entry key.
   */
  askedQuery?: string | undefined;
  /**
   * The latest time (unix seconds) the query reads when later than its `end`: a split range's
   * piece evaluating `@ end()` of the whole range. The cache's short TTL for recent data uses it.
   */
  readsUntil?: number | undefined;
}

/** Per call: the caller's signal and the deadline for the whole call. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  /**
   * A lookup nobody asked for and whose failure changes nothing (health()'s version lookup): its
   * failure is logged at debug but not emitted as an `error` event, which callers count. A
   * function is asked when the call fails (a cache flight: whether anyone waiting wants the event).
   */
  bestEffort?: boolean | (() => boolean) | undefined;
}

/** Everything the transport needs from its client. */
export interface TransportSettings extends ExchangeSettings {
  baseUrl: URL;
  retry: RetryPolicy;
  logger: Logger;
  events: Events;
  cluster: string | undefined;
  auth: AuthStrategy;
}

const FALLBACK_TO_GET = new Set([403, 405, 501]);

/**
 * Runs API calls: one deadline for the whole call, the POST/GET choice, retries with jitter and
 * Retry-After, one replay after a 401 when the auth strategy refreshed, and typed errors.
 */
export class Transport {
  readonly #settings: TransportSettings;
  /** Endpoints on which GET worked after POST was refused: they stay on GET for this client. */
  readonly #getOnly = new Set<string>();
  /** Calls and probes running now (close() lets them finish for a short grace). */
  readonly inFlight = new InFlight();

  /** Builds a transport from normalised settings. */
  constructor(settings: TransportSettings) {
    this.#settings = settings;
  }

  /** Calls an API endpoint and decodes its envelope, inside a tracing span when OpenTelemetry is present. */
  call<T>(spec: RequestSpec, options: CallOptions, decode: BodyDecoder<T>): Promise<ApiResponse<T>> {
    const url = endpointUrl(this.#settings.baseUrl, spec.path);
    const endpoint = redactUrl(url);
    const attributes: SpanAttributes = {
      "url.full": endpoint,
      "server.address": url.hostname,
      "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    };
    if (this.#settings.cluster !== undefined) attributes["promfleet.cluster"] = this.#settings.cluster;
    const call = withSpan(`prometheus ${spec.path}`, attributes, async (span) => {
      try {
        const response = await this.#call(spec, options, decode, endpoint);
        span?.setAttribute("http.response.status_code", 200);
        return response;
      } catch (error) {
        const status = (error as PrometheusError).status;
        if (status !== undefined) span?.setAttribute("http.response.status_code", status);
        throw error;
      }
    });
    return this.inFlight.track(call);
  }

  async #call<T>(
    spec: RequestSpec,
    options: CallOptions,
    decode: BodyDecoder<T>,
    endpoint: string,
  ): Promise<ApiResponse<T>> {
    const deadline = new Deadline(options.timeoutMs, options.signal, this.inFlight.cutSignal);
    try {
      return await this.#attempts(spec, deadline, endpoint, decode);
    } catch (error) {
      const failure = this.#finalError(error, deadline, endpoint);
      const quiet = typeof options.bestEffort === "function" ? options.bestEffort() : options.bestEffort;
      this.reportFailure(endpoint, failure, !quiet);
      throw failure;
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Logs a call's failure at debug and, unless `emit` is false, emits it as the call's `error`
   * event. Also for a call made of several requests (a split range), which reports once.
   */
  reportFailure(endpoint: string, failure: Error, emit = true): void {
    if (emit)
      this.#settings.events.emit("error", { endpoint, error: failure, cluster: this.#settings.cluster });
    this.#settings.logger.debug(
      { endpoint, error: failure.message, cluster: this.#settings.cluster },
      "call failed",
    );
  }

  /** GETs a plain (non-API) path such as `-/ready` once, within a deadline: for health probes. */
  probe(path: string, options: CallOptions): Promise<{ status: number; text: string }> {
    return this.inFlight.track(this.#probe(path, options));
  }

  async #probe(path: string, options: CallOptions): Promise<{ status: number; text: string }> {
    const deadline = new Deadline(options.timeoutMs, options.signal, this.inFlight.cutSignal);
    const endpoint = redactUrl(endpointUrl(this.#settings.baseUrl, path));
    try {
      const url = endpointUrl(this.#settings.baseUrl, path);
      const answer = await exchange(this.#settings, {
        method: "GET",
        url,
        form: new URLSearchParams(),
        signal: deadline.signal,
      });
      return {
        status: answer.status,
        text: maskEchoed(new TextDecoder().decode(answer.body), answer.credentials),
      };
    } catch (error) {
      throw this.#finalError(error, deadline, endpoint);
    } finally {
      deadline.dispose();
    }
  }

  async #attempts<T>(
    spec: RequestSpec,
    deadline: Deadline,
    endpoint: string,
    decode: BodyDecoder<T>,
  ): Promise<ApiResponse<T>> {
    const { events, cluster } = this.#settings;
    let method: "GET" | "POST" =
      spec.method === "get" || spec.namespace !== undefined || this.#getOnly.has(spec.path) ? "GET" : "POST";
    let fellBack = false;
    let refreshed = false;
    let replay: RequestEvent["replay"];
    for (let attempt = 1; ; attempt++) {
      let answer: ExchangeAnswer;
      const started = performance.now();
      // Only set on a replay: listeners comparing events with toEqual see no `replay: undefined`.
      const replayed = replay ? { replay } : {};
      replay = undefined;
      events.emit("request", { endpoint, method, attempt, ...replayed, cluster });
      try {
        answer = await this.#exchange(spec, method, deadline);
      } catch (error) {
        if (deadline.done || error instanceof PrometheusError) throw error;
        const failure = describeNetworkError(error, this.#settings.baseUrl.protocol === "https:");
        const unavailable = new UnavailableError(`${endpoint}: ${failure.message}`, {
          endpoint,
          cluster,
          cause: failure.cause,
        });
        if (!failure.retryable) throw unavailable;
        await this.#waitBeforeRetry(attempt, undefined, unavailable, deadline, endpoint);
        continue;
      }
      const { status } = answer;
      events.emit("response", {
        endpoint,
        method,
        attempt,
        ...replayed,
        status,
        durationMs: answer.headersAt - started,
        cluster,
      });
      if (status >= 200 && status < 300) {
        const decoded = decodeAnswer(answer, decode, endpoint, cluster);
        if (fellBack) this.#rememberGet(spec.path, endpoint);
        return decoded;
      }
      // A 401 from another origin, reached without credentials, says nothing about ours.
      if (status === 401 && !refreshed && !answer.anonymous && this.#settings.auth.refresh) {
        refreshed = true;
        if (await this.#refresh(deadline, endpoint)) {
          attempt--; // the replay after a credential refresh is not a retry
          replay = "after-401";
          continue;
        }
      }
      if (method === "POST" && FALLBACK_TO_GET.has(status) && !fellBack) {
        method = "GET";
        fellBack = true;
        attempt--;
        replay = "get-fallback";
        continue;
      }
      const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"));
      const failed = describeErrorBody(status, answer.body, endpoint, retryAfterMs, answer.credentials);
      const error = errorFromResponse(failed);
      error.cluster = cluster;
      const serverSpentItsTime = failed.errorType === "timeout" || failed.errorType === "canceled";
      if (!isRetryableStatus(status) || (status === 503 && serverSpentItsTime)) throw error;
      await this.#waitBeforeRetry(attempt, retryAfterMs, error, deadline, endpoint);
    }
  }

  /**
   * Asks the strategy to refresh after a 401. A refresh that throws counts as "nothing changed":
   * the call then fails with the 401 it got (an AuthenticationError), not as a network failure.
   */
  async #refresh(deadline: Deadline, endpoint: string): Promise<boolean> {
    const { auth, logger } = this.#settings;
    try {
      // Raced with the deadline, like apply: a refresh that ignores the signal cannot hold the call.
      const refreshing = Promise.resolve().then(() => auth.refresh?.({ signal: deadline.signal }));
      return Boolean(await raceSignal(refreshing, deadline.signal));
    } catch (error) {
      if (deadline.done) throw error;
      const reason = error instanceof Error ? error.message : "unknown reason";
      logger.warn({ endpoint, auth: auth.describe(), reason }, "refreshing credentials after a 401 failed");
      return false;
    }
  }

  #exchange(spec: RequestSpec, method: "GET" | "POST", deadline: Deadline): Promise<ExchangeAnswer> {
    const url = endpointUrl(this.#settings.baseUrl, spec.path);
    if (spec.namespace !== undefined) url.searchParams.set("namespace", spec.namespace);
    const form = new URLSearchParams();
    for (const [name, value] of spec.params) form.append(name, value);
    if (spec.sendTimeout) {
      // Prometheus stops the query when we stop waiting: no work is left running for nobody. A
      // margin (a tenth, at most 500 ms) lets its clear "timeout" answer arrive before our own
      // deadline cuts the connection.
      const left = deadline.remaining();
      form.set("timeout", String(Math.max(1, Math.floor(left - Math.min(500, left / 10))) / 1000));
    }
    return exchange(this.#settings, { method, url, form, signal: deadline.signal });
  }

  /** Waits before the next attempt, or throws `error` when retries are spent or the wait does not fit. */
  async #waitBeforeRetry(
    attempt: number,
    retryAfterMs: number | undefined,
    error: PrometheusError,
    deadline: Deadline,
    endpoint: string,
  ): Promise<void> {
    const { retry } = this.#settings;
    if (attempt > retry.limit) throw error;
    const delayMs =
      retryAfterMs === undefined
        ? backoffDelay(attempt, retry)
        : Math.min(retryAfterMs, retry.maxRetryAfterMs);
    // Sleeping into the deadline would only turn a clear answer (429, 503) into a vague timeout.
    if (delayMs >= deadline.remaining()) throw error;
    this.#settings.events.emit("retry", {
      endpoint,
      attempt,
      delayMs,
      reason: error.message,
      cluster: this.#settings.cluster,
    });
    this.#settings.logger.debug({ endpoint, attempt, delayMs, reason: error.message }, "retrying");
    await sleep(delayMs, deadline.signal);
  }

  #rememberGet(path: string, endpoint: string): void {
    if (this.#getOnly.has(path)) return;
    this.#getOnly.add(path);
    this.#settings.logger.info({ endpoint }, "POST was refused but GET works: this endpoint stays on GET");
  }

  /** The error a call ends with: the deadline's when it fired, else a PrometheusError as is, else wrapped. */
  #finalError(error: unknown, deadline: Deadline, endpoint: string): PrometheusError {
    const cluster = this.#settings.cluster;
    if (deadline.done) return deadline.error(endpoint, cluster);
    if (error instanceof PrometheusError) {
      error.cluster ??= cluster;
      return error;
    }
    const failure = describeNetworkError(error, this.#settings.baseUrl.protocol === "https:");
    return new UnavailableError(`${endpoint}: ${failure.message}`, {
      endpoint,
      cluster,
      cause: failure.cause,
    });
  }
}
