/** How calls are retried. All fields optional in options; these are the normalised values. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 2, so at most 3 attempts). 0 turns retries off. */
  limit: number;
  /**
   * First backoff, in ms (default 200); the bound doubles each retry, and each wait is a random one
   * between half the bound and the bound.
   */
  baseDelayMs: number;
  /** Largest backoff, in ms (default 5,000). */
  maxDelayMs: number;
  /** Largest Retry-After honoured, in ms (default 30,000); a longer one is capped to this. */
  maxRetryAfterMs: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  limit: 2,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
});

/**
 * Exponential backoff with "equal jitter" (a random wait between half the exponential bound and
 * the bound), so that many clients failing together do not retry together, yet none retries at once.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(bound / 2 + (random() * bound) / 2);
}

/**
 * Parses Retry-After: delta seconds or an HTTP date. Returns milliseconds (≥ 0), or undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form names its month; Date.parse alone would read "-1" or "2" as a year
  // long past, and the retry would go out at once instead of backing off.
  if (!/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Statuses worth another attempt: 429 and the gateway errors. 503 is decided by the caller,
 * since Prometheus' own JSON 503 (timeout, canceled) already used the server's time.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
