import { inspect } from "node:util";

/** What a strategy sees of the request it authenticates. */
export interface AuthRequest {
  /** The outgoing headers: add credentials here. */
  readonly headers: Headers;
  /** The URL the request goes to (never another origin: credentials are not sent across origins). */
  readonly url: URL;
  /** Aborts when the call's deadline passes or the caller aborts; honour it in slow lookups. */
  readonly signal: AbortSignal;
}

/**
 * How a client authenticates. promfleet ships {@link noAuth}, `bearerAuth`, `basicAuth` and
 * `headerAuth`; implement this interface for anything else (OAuth2, a vault lookup).
 *
 * A strategy must keep its secrets out of every property a person or a logger can see: hold
 * them in `#private` fields, make `describe()` secret-free, and let `toJSON()` and
 * `[util.inspect.custom]()` return that description (the built-in strategies do). See
 * `examples/custom-auth.ts` for an OAuth2 client-credentials strategy in about 30 lines.
 */
export interface AuthStrategy {
  /** A short name of the kind of strategy, e.g. `"bearer"`. */
  readonly type: string;
  /** Adds credentials to a request. Called once per HTTP attempt. */
  apply(request: AuthRequest): void | Promise<void>;
  /**
   * Called after a 401. Return true when the credentials changed (re-read a rotated token file,
   * fetch a new token): the request is then replayed once. Omit it, or return false, to fail.
   * `signal` is the same object as the `signal` that call's `apply` saw, so a strategy can tell
   * which credentials the refused call carried. A 403 never calls it.
   */
  refresh?(context: { signal: AbortSignal }): boolean | Promise<boolean>;
  /**
   * Material that identifies who the client acts as. Never logged or stored: promfleet hashes it
   * (HMAC-SHA256 or salted SHA-256) into a fingerprint for cache keys and client reuse. Two
   * identities must give different material.
   */
  identity(): string | Promise<string>;
  /** A description for logs and errors, without any secret, e.g. `bearer(tokenFile=/var/run/...)`. */
  describe(): string;
}

/** No credentials: for a Prometheus that needs none, or when a proxy in front adds them. */
export function noAuth(): AuthStrategy {
  return Object.freeze({
    type: "none",
    apply(): void {},
    identity: () => "none",
    describe: () => "none",
    toJSON: () => "none",
    [inspect.custom]: () => "AuthStrategy none",
  });
}
