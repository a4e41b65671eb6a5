import { randomUUID } from "node:crypto";
import { badToken } from "./headerValues.ts";
import type { SecretSource } from "./secretSource.ts";

/** A token with the time it stops being valid, as a token provider may return it. */
export interface TokenGrant {
  /** The bearer token. */
  token: string;
  /**
   * When the token expires: a `Date` or epoch milliseconds (not seconds: convert a JWT's `exp`
   * with `exp * 1000`). The token is renewed a little before (a tenth of its lifetime, at most 30 s).
   */
  expiresAt?: Date | number | undefined;
}

/**
 * Produces a bearer token: called when one is needed — the first time, after a 401, when the
 * returned `expiresAt` is near — and never twice at once (concurrent requests share the call).
 */
export type TokenProvider = () => string | TokenGrant | Promise<string | TokenGrant>;

/** The largest margin before `expiresAt` at which a token is renewed. */
const MAX_RENEW_MARGIN_MS = 30_000;

/**
 * A 401 within this time of getting a token most likely answered a request sent with the previous
 * one: keep the new token instead of calling the provider again for every such request.
 */
const FRESH_MS = 1_000;

function grantOf(result: unknown): { token: string; expiresAt: number } {
  const grant: Partial<TokenGrant> =
    typeof result === "string" ? { token: result } : ((result ?? {}) as Partial<TokenGrant>);
  if (typeof grant.token !== "string")
    throw new Error("the token provider returned neither a string nor { token }");
  const reason = badToken(grant.token);
  if (reason !== undefined) throw new Error(`the token provider returned a token that ${reason}`);
  const { expiresAt } = grant;
  const at = expiresAt === undefined ? Number.POSITIVE_INFINITY : new Date(expiresAt).getTime();
  if (Number.isNaN(at)) throw new Error("the token provider returned an expiresAt that is not a date");
  return { token: grant.token, expiresAt: at };
}

/** Resolves like `promise`, or rejects with the signal's reason when it aborts first. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A token from a provider function: kept until a 401 or its expiry, one provider call at a time.
 * A caller that gives up (deadline, abort) stops waiting without cancelling the call for others.
 */
export function providerSecret(provider: TokenProvider, now: () => number = Date.now): SecretSource {
  let token: string | undefined;
  let obtainedAt = 0;
  let renewAt = Number.POSITIVE_INFINITY;
  let expiresAt = Number.POSITIVE_INFINITY;
  let pending: Promise<string> | undefined;
  const unknown = randomUUID();

  const fetchToken = (): Promise<string> => {
    pending ??= Promise.resolve()
      .then(provider)
      .then(
        (result) => {
          const grant = grantOf(result);
          token = grant.token;
          obtainedAt = now();
          expiresAt = grant.expiresAt;
          const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, expiresAt - obtainedAt) / 10);
          renewAt = expiresAt - margin;
          return grant.token;
        },
        (error: unknown) => {
          // Renewal failed but the old token has not expired yet: keep using it.
          if (token !== undefined && now() < expiresAt) return token;
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(
            message.startsWith("the token provider") ? message : `the token provider failed: ${message}`,
          );
        },
      )
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const get = (signal: AbortSignal): string | Promise<string> => {
    if (token !== undefined && now() < renewAt) return token;
    return raceAbort(fetchToken(), signal);
  };

  return {
    label: "provider",
    get,
    refresh: () => {
      if (pending === undefined && now() - obtainedAt >= FRESH_MS) token = undefined;
      return true;
    },
    identity: async () => {
      try {
        return await get(new AbortController().signal);
      } catch {
        return `unavailable:${unknown}`;
      }
    },
  };
}
