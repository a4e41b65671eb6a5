import { inspect } from "node:util";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import type { AuthRequest, AuthStrategy } from "./AuthStrategy.ts";
import { badHeaderValue, HEADER_NAME, UNSENDABLE_HEADERS } from "./headerValues.ts";
import { fileSecret, type SecretSource, valueSecret } from "./secretSource.ts";

/** Options of {@link headerAuth}: a header name and exactly one of `value` and `valueFile`. */
export type HeaderAuthOptions =
  | {
      /** The header's name, e.g. `X-API-Key` or `Authorization`. */
      name: string;
      /** The header's value, fixed for the strategy's lifetime. */
      value: string;
      /** Not with `value`. */
      valueFile?: never;
    }
  | {
      /** The header's name, e.g. `X-API-Key` or `Authorization`. */
      name: string;
      /**
       * A file holding the value (surrounding whitespace trimmed), re-read when it changes and
       * after a 401.
       */
      valueFile: string;
      /** Not with `valueFile`. */
      value?: never;
    };

/** Headers whose meaning belongs to HTTP itself: a credential there would break the request. */
const RESERVED = new Set(["host", "content-type", "connection", ...UNSENDABLE_HEADERS]);

/** Sends one header whose value is a secret (an API key, a gateway token). */
class HeaderAuth implements AuthStrategy {
  readonly type = "header";
  readonly #name: string;
  readonly #value: SecretSource;

  constructor(name: string, value: SecretSource) {
    this.#name = name;
    this.#value = value;
  }

  async apply(request: AuthRequest): Promise<void> {
    request.headers.set(this.#name, await this.#value.get(request.signal));
  }

  /** After a 401: a value file is re-read; a fixed value cannot change. */
  refresh(context: { signal: AbortSignal }): boolean {
    return this.#value.refresh?.(context.signal) ?? false;
  }

  async identity(): Promise<string> {
    return `${this.#name.toLowerCase()}\u0000${await this.#value.identity()}`;
  }

  describe(): string {
    const label = this.#value.label;
    return `header(name=${this.#name}${label === undefined ? "" : `, ${label}`})`;
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `AuthStrategy ${this.describe()}`;
  }
}

/**
 * Sends a custom header holding a secret, e.g. `X-API-Key` for a gateway, or `Authorization` with
 * a scheme of its own. The value is given, or read from a file re-read when it changes and after
 * a 401. Unlike `Authorization`, fetch would forward such a header across origins on a redirect:
 * promfleet never does (a cross-origin redirect is refused, or followed with no credential).
 *
 * @example
 * ```ts
 * const auth = headerAuth({ name: "X-API-Key", valueFile: "/etc/secrets/api-key" });
 * ```
 */
export function headerAuth(options: HeaderAuthOptions): AuthStrategy {
  const o = (typeof options === "object" && options !== null ? options : {}) as Record<string, unknown>;
  const { name, value, valueFile } = o;
  if (typeof name !== "string" || !HEADER_NAME.test(name)) {
    throw new InvalidArgumentError("name", "name must be an HTTP header name such as X-API-Key");
  }
  if (RESERVED.has(name.toLowerCase())) {
    throw new InvalidArgumentError("name", `name cannot be ${name}: HTTP itself sets that header`);
  }
  if ((value === undefined) === (valueFile === undefined)) {
    throw new InvalidArgumentError(
      "headerAuth",
      "headerAuth needs exactly one of { value } and { valueFile }",
    );
  }
  if (valueFile !== undefined) {
    if (typeof valueFile !== "string" || valueFile.length === 0) {
      throw new InvalidArgumentError("valueFile", "valueFile must be a non-empty file path");
    }
    return new HeaderAuth(
      name,
      fileSecret(valueFile, { option: "valueFile", normalize: (text) => text.trim(), check: badHeaderValue }),
    );
  }
  if (typeof value !== "string") throw new InvalidArgumentError("value", "value must be a string");
  const reason = badHeaderValue(value);
  if (reason !== undefined) throw new InvalidArgumentError("value", `value ${reason}`);
  return new HeaderAuth(name, valueSecret(value));
}
