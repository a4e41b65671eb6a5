import { inspect } from "node:util";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { AuthRequest, AuthStrategy } from "./AuthStrategy.ts";
import { badToken } from "./headerValues.ts";
import { fileSecret, type SecretSource, valueSecret } from "./secretSource.ts";
import { providerSecret, type TokenProvider } from "./tokenProvider.ts";

/** Options of {@link bearerAuth}: exactly one of `token` (a string or a provider) and `tokenFile`. */
export type BearerAuthOptions =
  | {
      /**
       * A fixed token, or a provider called when a token is needed (first use, after a 401, near
       * the `expiresAt` it returned).
       */
      token: string | TokenProvider;
      /** Not with `token`. */
      tokenFile?: never;
    }
  | {
      /**
       * A file holding the token, such as a projected service-account token: checked when used,
       * re-read when it changed and after a 401.
       */
      tokenFile: string;
      /** Not with `tokenFile`. */
      token?: never;
    };

/**
 * Sends `Authorization: Bearer <token>`. The token is a fixed string, comes from a provider
 * function, or is read from a file: an OpenShift/Kubernetes service-account token, rotated by the
 * kubelet (the file is checked at each use and re-read when it changed or after a 401).
 */
class BearerAuth implements AuthStrategy {
  readonly type = "bearer";
  readonly #source: SecretSource;

  constructor(source: SecretSource) {
    this.#source = source;
  }

  async apply(request: AuthRequest): Promise<void> {
    const token = await this.#source.get(request.signal);
    request.headers.set("authorization", `Bearer ${token}`);
  }

  /** After a 401: a token file is re-read and a provider asked again; a fixed token cannot change. */
  refresh(context: { signal: AbortSignal }): boolean {
    return this.#source.refresh?.(context.signal) ?? false;
  }

  identity(): string | Promise<string> {
    return this.#source.identity();
  }

  describe(): string {
    return this.#source.label === undefined ? "bearer(token)" : `bearer(${this.#source.label})`;
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `AuthStrategy ${this.describe()}`;
  }
}

/**
 * Bearer-token auth, as OpenShift monitoring (kube-rbac-proxy, oauth-proxy), Thanos behind a
 * gateway and most hosted Prometheus services expect.
 *
 * - `{ token: "..." }`: a fixed token; a 401 fails the call.
 * - `{ token: async () => "..." | { token, expiresAt } }`: called when a token is needed, its
 *   result kept until a 401 or shortly before `expiresAt`; concurrent requests share one call.
 * - `{ tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" }`: re-read when the file
 *   changes (one `stat` per use; the kubelet's symlink swap is seen at once) and after a 401. A
 *   missing, unreadable or empty file fails the call with an AuthenticationError naming the path.
 *
 * @example
 * ```ts
 * const client = new PrometheusClient({
 *   url: "https://thanos-querier.openshift-monitoring.svc:9091",
 *   auth: bearerAuth({ tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" }),
 * });
 * ```
 */
export function bearerAuth(options: BearerAuthOptions): AuthStrategy {
  const o = (typeof options === "object" && options !== null ? options : {}) as {
    token?: unknown;
    tokenFile?: unknown;
  };
  if ((o.token === undefined) === (o.tokenFile === undefined)) {
    throw new InvalidArgumentError(
      "bearerAuth",
      "bearerAuth needs exactly one of { token } (a string or a function) and { tokenFile }",
    );
  }
  if (o.tokenFile !== undefined) {
    if (typeof o.tokenFile !== "string" || o.tokenFile.length === 0) {
      throw new InvalidArgumentError("tokenFile", "tokenFile must be a non-empty file path");
    }
    return new BearerAuth(
      fileSecret(o.tokenFile, { option: "tokenFile", normalize: (text) => text.trim(), check: badToken }),
    );
  }
  if (typeof o.token === "function") return new BearerAuth(providerSecret(o.token as TokenProvider));
  if (typeof o.token !== "string") {
    throw new InvalidArgumentError("token", "token must be a string or a function returning one");
  }
  const reason = badToken(o.token);
  if (reason !== undefined) throw new InvalidArgumentError("token", `token ${reason}`);
  return new BearerAuth(valueSecret(o.token));
}
