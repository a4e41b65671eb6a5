import type { Dispatcher } from "undici";
import type { AuthRequest, AuthStrategy } from "../auth/AuthStrategy.ts";
import { AuthenticationError } from "../errors/AuthenticationError.ts";
import { PrometheusError } from "../errors/PrometheusError.ts";
import { ResponseError } from "../errors/ResponseError.ts";
import { discardBody, readBody } from "./body.ts";
import { raceSignal } from "./deadline.ts";
import { addedValues, staticCredentials } from "./echoedSecrets.ts";
import { redactUrl } from "./url.ts";

/** One HTTP request as the transport means it, before redirects. */
export interface ExchangeRequest {
  method: "GET" | "POST";
  url: URL;
  /** Form parameters: the POST body, or the query string of a GET. */
  form: URLSearchParams;
  signal: AbortSignal;
}

/** What one exchange produced: the final status, headers and the whole body (size-capped). */
export interface ExchangeAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** True when the answer came from another origin, reached with no credential (an opted-in redirect). */
  anonymous: boolean;
  /** When (performance.now()) the final response's headers arrived, before its body was read. */
  headersAt: number;
  /**
   * The credentials sent on any hop (the auth strategy's headers, static headers named like
   * credentials), as sent: to be masked in any text of the answer.
   */
  credentials: readonly string[];
}

/** What an exchange needs from its client. */
export interface ExchangeSettings {
  staticHeaders: ReadonlyArray<readonly [string, string]>;
  userAgent: string;
  auth: AuthStrategy;
  dispatcher: () => Dispatcher;
  /** A dispatcher without any client certificate, for opted-in cross-origin redirects. */
  anonymousDispatcher: () => Dispatcher;
  maxResponseBytes: number;
  maxRedirects: number;
  followCrossOriginRedirects: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Node's fetch takes undici's `dispatcher` beside the standard RequestInit fields. */
type NodeRequestInit = RequestInit & { dispatcher: Dispatcher };

/**
 * One HTTP request through Node's built-in fetch. Retries, deadlines, redirects and errors are
 * the transport's own (ky's would lose 429s, cut long deadlines and follow redirects with
 * credentials: TOOLCHAIN.md), so ky, once the request layer here, had nothing left to do but
 * build a second Request and merge options on every call: about 0.1 ms, a fifth of a small
 * query on loopback (bench/RESULTS.md). `globalThis.fetch` is looked up per call so msw, or any
 * later patch of fetch, sees every request.
 */
function send(url: URL, init: NodeRequestInit): Promise<Response> {
  return globalThis.fetch(url, { ...init, redirect: "manual" });
}

/**
 * Runs the strategy. A strategy that cannot produce credentials (a missing token file, a failing
 * provider) fails the call with an AuthenticationError saying which strategy, not a retry.
 */
async function applyAuth(auth: AuthStrategy, request: AuthRequest): Promise<void> {
  try {
    // Raced with the deadline: a strategy that ignores the signal must not hold the call past it.
    await raceSignal(
      Promise.resolve().then(() => auth.apply(request)),
      request.signal,
    );
  } catch (error) {
    if (error instanceof PrometheusError || request.signal.aborted) throw error;
    const reason = error instanceof Error ? safeReason(error) : "unknown reason";
    throw new AuthenticationError(`could not load credentials for ${auth.describe()}: ${reason}`, {
      endpoint: redactUrl(request.url),
    });
  }
}

/** A strategy's error message, without the header value `Headers` quotes when it refuses one. */
function safeReason(error: Error): string {
  const refusal = /^(Headers\.\w+): .* is an invalid header value\.?$/s.exec(error.message);
  return refusal ? `${refusal[1]} refused the header value it was given (not shown)` : error.message;
}

function withForm(url: URL, form: URLSearchParams): URL {
  const target = new URL(url);
  for (const [k, v] of form) target.searchParams.append(k, v);
  return target;
}

/**
 * Sends one request and reads its answer, following redirects ourselves: same-origin ones keep
 * credentials (307/308 re-POST the form; 301/302/303 turn into a GET that still carries the
 * parameters), cross-origin ones are refused unless opted in, and then followed with no
 * credential of any kind — no auth, no static headers, no client certificate.
 */
export async function exchange(
  settings: ExchangeSettings,
  request: ExchangeRequest,
): Promise<ExchangeAnswer> {
  const origin = request.url.origin;
  let method = request.method;
  let url = method === "GET" ? withForm(request.url, request.form) : request.url;
  let anonymous = false;
  const credentials: string[] = [...staticCredentials(settings.staticHeaders)];
  for (let hop = 0; ; hop++) {
    const headers = new Headers({ "user-agent": settings.userAgent, accept: "application/json" });
    if (!anonymous) {
      for (const [name, value] of settings.staticHeaders) headers.set(name, value);
      const before = new Map(headers);
      await applyAuth(settings.auth, { headers, url, signal: request.signal });
      credentials.push(...addedValues(before, headers));
    }
    const body = method === "POST" ? request.form.toString() : null;
    if (body !== null) headers.set("content-type", "application/x-www-form-urlencoded");
    const sent = send(url, {
      method,
      headers,
      body,
      signal: request.signal,
      dispatcher: anonymous ? settings.anonymousDispatcher() : settings.dispatcher(),
    });
    const response = await raceSignal(sent, request.signal);
    const headersAt = performance.now();
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || location === null) {
      const bytes = await readBody(response, settings.maxResponseBytes, redactUrl(url), request.signal);
      return {
        status: response.status,
        headers: response.headers,
        body: bytes,
        anonymous,
        headersAt,
        credentials,
      };
    }
    await discardBody(response, request.signal);
    if (hop >= settings.maxRedirects) {
      throw new ResponseError(
        `${redactUrl(request.url)} redirected more than ${settings.maxRedirects} times`,
        {
          endpoint: redactUrl(request.url),
          status: response.status,
        },
      );
    }
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      // Not retried as a network failure: the server's answer is what is wrong.
      throw new ResponseError(`${redactUrl(request.url)} redirected to a Location that is not a URL`, {
        endpoint: redactUrl(request.url),
        status: response.status,
      });
    }
    // fetch refuses a URL holding user:password and quotes it whole in its error: credentials a
    // server put in a Location are never sent, nor shown.
    target.username = "";
    target.password = "";
    if (target.origin !== origin) {
      if (!settings.followCrossOriginRedirects) {
        throw new ResponseError(
          `${redactUrl(request.url)} redirected to another origin (${redactUrl(target)}); not followed, so no credential leaves ${origin}. Point url at the target, or set followCrossOriginRedirects to follow without credentials`,
          { endpoint: redactUrl(request.url), status: response.status },
        );
      }
      anonymous = true;
    }
    if (
      method === "POST" &&
      (response.status === 301 || response.status === 302 || response.status === 303)
    ) {
      // fetch would drop the form here and Prometheus would answer 400; carry it in the query string.
      // (A GET already carries it in its URL: its Location is followed as given, not repeated.)
      method = "GET";
      url = withForm(target, request.form);
    } else {
      url = target;
    }
  }
}
