import { inspect } from "node:util";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { AuthRequest, AuthStrategy } from "./AuthStrategy.ts";
import { fileSecret, type SecretSource, valueSecret } from "./secretSource.ts";

/** Options of {@link basicAuth}: a user name and exactly one of `password` and `passwordFile`. */
export type BasicAuthOptions =
  | {
      /** The user name (no colon: it separates user and password on the wire). */
      username: string;
      /** The password, fixed for the strategy's lifetime. */
      password: string;
      /** Not with `password`. */
      passwordFile?: never;
    }
  | {
      /** The user name (no colon: it separates user and password on the wire). */
      username: string;
      /**
       * A file holding the password (a trailing newline is dropped), re-read when it changes and
       * after a 401.
       */
      passwordFile: string;
      /** Not with `passwordFile`. */
      password?: never;
    };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A password file's text: a trailing line break (from `echo` or an editor) is not part of it. */
// Every line end at the end goes: an editor may save "pw\r\n\r\n", and no password ends in one.
const withoutTrailingNewline = (text: string): string => text.replace(/[\r\n]+$/, "");

/** Sends `Authorization: Basic base64(username:password)` (UTF-8, RFC 7617). */
class BasicAuth implements AuthStrategy {
  readonly type = "basic";
  readonly #username: string;
  readonly #password: SecretSource;

  constructor(username: string, password: SecretSource) {
    this.#username = username;
    this.#password = password;
  }

  async apply(request: AuthRequest): Promise<void> {
    const password = await this.#password.get(request.signal);
    const encoded = Buffer.from(`${this.#username}:${password}`, "utf8").toString("base64");
    request.headers.set("authorization", `Basic ${encoded}`);
  }

  /** After a 401: a password file is re-read (it may have been rotated); a fixed password cannot change. */
  refresh(context: { signal: AbortSignal }): boolean {
    return this.#password.refresh?.(context.signal) ?? false;
  }

  async identity(): Promise<string> {
    return `${this.#username}\u0000${await this.#password.identity()}`;
  }

  describe(): string {
    const label = this.#password.label;
    return `basic(username=${this.#username}${label === undefined ? "" : `, ${label}`})`;
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `AuthStrategy ${this.describe()}`;
  }
}

/**
 * HTTP basic auth, as Prometheus' own `--web.config.file` (`basic_auth_users`) and many reverse
 * proxies require. The password is given, or read from a file (a mounted Secret) that is re-read
 * when it changes and after a 401. The user name is not a secret: it appears in `describe()`.
 *
 * @example
 * ```ts
 * const client = new PrometheusClient({
 *   url: "https://prometheus.example:9090",
 *   auth: basicAuth({ username: "admin", passwordFile: "/etc/secrets/prometheus-password" }),
 * });
 * ```
 */
export function basicAuth(options: BasicAuthOptions): AuthStrategy {
  const o = (typeof options === "object" && options !== null ? options : {}) as Record<string, unknown>;
  const { username, password, passwordFile } = o;
  if (typeof username !== "string") throw new InvalidArgumentError("username", "username must be a string");
  if (username.includes(":") || CONTROL.test(username)) {
    throw new InvalidArgumentError(
      "username",
      "username cannot hold a colon or control characters (RFC 7617)",
    );
  }
  if ((password === undefined) === (passwordFile === undefined)) {
    throw new InvalidArgumentError(
      "basicAuth",
      "basicAuth needs exactly one of { password } and { passwordFile }",
    );
  }
  if (passwordFile !== undefined) {
    if (typeof passwordFile !== "string" || passwordFile.length === 0) {
      throw new InvalidArgumentError("passwordFile", "passwordFile must be a non-empty file path");
    }
    const check = (value: string) => (CONTROL.test(value) ? "holds control characters" : undefined);
    return new BasicAuth(
      username,
      fileSecret(passwordFile, { option: "passwordFile", normalize: withoutTrailingNewline, check }),
    );
  }
  if (typeof password !== "string") throw new InvalidArgumentError("password", "password must be a string");
  if (CONTROL.test(password)) throw new InvalidArgumentError("password", "password holds control characters");
  return new BasicAuth(username, valueSecret(password));
}
