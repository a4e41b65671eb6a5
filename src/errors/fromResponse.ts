import { AuthenticationError } from "./AuthenticationError.ts";
import { AuthorizationError } from "./AuthorizationError.ts";
import { BadQueryError } from "./BadQueryError.ts";
import type { PrometheusError } from "./PrometheusError.ts";
import { ResponseError } from "./ResponseError.ts";
import { TimeoutError } from "./TimeoutError.ts";
import { UnavailableError } from "./UnavailableError.ts";

/** What the transport knows about a failed answer. */
export interface FailedAnswer {
  status: number;
  /** Prometheus' errorType, when the body was a Prometheus JSON error. */
  errorType?: string | undefined;
  /** Prometheus' `error` text, or the plain-text body of a proxy (trimmed, bounded). */
  detail?: string | undefined;
  endpoint: string;
  warnings?: readonly string[] | undefined;
  infos?: readonly string[] | undefined;
  retryAfterMs?: number | undefined;
}

/** The longest part of a body kept in a message: enough for a proxy's explanation, not a whole HTML page. */
const MAX_DETAIL = 512;

/** Trims a body to a one-message-sized detail. */
export function conciseDetail(text: string): string {
  const flat = text.trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

/**
 * Maps a failed answer to its error class, keyed by Prometheus' errorType first (a 503 with
 * `timeout` is a timeout, not an outage) and the HTTP status second.
 */
export function errorFromResponse(answer: FailedAnswer): PrometheusError {
  const { status, errorType } = answer;
  const detail = answer.detail ? `: ${answer.detail}` : "";
  const typePart = errorType ? ` ${errorType}` : "";
  const message = `${answer.endpoint} answered ${status}${typePart}${detail}`;
  const options = {
    status,
    errorType,
    endpoint: answer.endpoint,
    warnings: answer.warnings,
    infos: answer.infos,
  };
  if (errorType === "timeout") return new TimeoutError(message, options);
  if (errorType === "bad_data" || status === 400 || status === 422)
    return new BadQueryError(message, options);
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new AuthorizationError(message, options);
  if (status === 429 || status >= 500 || errorType === "canceled" || errorType === "unavailable") {
    return new UnavailableError(message, { ...options, retryAfterMs: answer.retryAfterMs });
  }
  return new ResponseError(message, options);
}
