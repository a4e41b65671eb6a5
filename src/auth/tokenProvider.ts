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
 * When it throws, its error's message becomes part of the call's AuthenticationError: keep
 * secrets out of it (promfleet never quotes the token itself).
 */
export type TokenProvider = () => string | TokenGrant | Promise<string | TokenGrant>;

/** The largest margin before `expiresAt` at which a token is renewed. */
const MAX_RENEW_MARGIN_MS = 30_000;

/** The longest wait before trying again after a failed renewal, while the old token still holds. */
const MAX_RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * How long one provider call may take before it is given up on. Callers stop waiting at their own
 * deadline, but the call itself is shared: one that never settles (a token endpoint that accepts
 * the connection and says nothing) would be waited on by every later call, each leaving its
 * handlers on it, and the provider would never be asked again.
 */
export const PROVIDER_TIMEOUT_MS = 30_000;

/** `promise`, or a rejection once `ms` have passed. The timer is unref'd and cleared. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the token provider did not answer within ${ms / 1000} s`)),
      ms,
    );
    timer.unref();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

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
export function providerSecret(
  provider: TokenProvider,
  now: () => number = Date.now,
  timeoutMs = PROVIDER_TIMEOUT_MS,
): SecretSource {
  let token: string | undefined;
  let renewAt = Number.POSITIVE_INFINITY;
  let expiresAt = Number.POSITIVE_INFINITY;
  let pending: Promise<string> | undefined;
  const unknown = randomUUID();
  // Which token each call (known by its deadline signal, the same in apply and refresh) was sent
  // with: a 401 for a token already replaced must not throw away the new one.
  const used = new WeakMap<AbortSignal, string>();

  const fetchToken = (): Promise<string> => {
    pending ??= withTimeout(Promise.resolve().then(provider), timeoutMs)
      .then(
        (result) => {
          const grant = grantOf(result);
          token = grant.token;
          const obtainedAt = now();
          // A token already expired on arrival (a clock skewed against the issuer's) is used for
          // a few seconds, the server being the judge (a 401 asks again): else every request
          // would call the provider.
          expiresAt = Math.max(grant.expiresAt, obtainedAt + MAX_RETRY_AFTER_FAILURE_MS);
          const margin = Math.min(MAX_RENEW_MARGIN_MS, Math.max(0, grant.expiresAt - obtainedAt) / 10);
          renewAt = Math.max(grant.expiresAt - margin, obtainedAt + MAX_RETRY_AFTER_FAILURE_MS);
          return grant.token;
        },
        (error: unknown) => {
          // Renewal failed but the old token has not expired yet: keep using it, and try again
          // a little later rather than on the very next request (a token endpoint that is down
          // would otherwise be called once per query).
          const at = now();
          if (token !== undefined && at < expiresAt) {
            renewAt = at + Math.min(MAX_RETRY_AFTER_FAILURE_MS, (expiresAt - at) / 2);
            return token;
          }
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
    const at = now();
    if (token !== undefined && at < renewAt) {
      used.set(signal, token);
      return token;
    }
    if (token !== undefined && at < expiresAt) {
      // Due for renewal but still valid: renew in the background and send this one, so a slow
      // or hung token endpoint never holds a call that has a good token to send.
      fetchToken().catch(() => {});
      used.set(signal, token);
      return token;
    }
    return raceAbort(fetchToken(), signal).then((fresh) => {
      used.set(signal, fresh);
      return fresh;
    });
  };

  return {
    label: "provider",
    get,
    refresh: (signal) => {
      // A call in flight will bring a new token; a call that used an older token replays with the current one.
      const sent = used.get(signal);
      if (pending === undefined && (sent === undefined || sent === token)) token = undefined;
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
