import { randomUUID } from "node:crypto";
import { quotePath } from "../errors/quotePath.ts";
import { SecretFile } from "./secretFile.ts";

/**
 * Where a strategy's secret comes from: a value given in the options, a file, or (for bearer
 * tokens) a provider function. Strategies hold a source in a `#private` field; a source never
 * exposes its secret except through {@link SecretSource.get} and {@link SecretSource.identity}.
 */
export interface SecretSource {
  /** For descriptions: `undefined` for a plain value, else e.g. `tokenFile=/var/run/...` or `provider`. */
  readonly label: string | undefined;
  /** The secret to send now. Errors name the source, never the secret. */
  get(signal: AbortSignal): string | Promise<string>;
  /**
   * After a 401 of the call whose signal is `signal`: forget what is cached so the replay loads it
   * anew, unless the call used a secret that was already replaced. Absent for a fixed value.
   */
  refresh?(signal: AbortSignal): boolean;
  /** Identity material: the secret itself (hashed by the caller), or something unique when unavailable. */
  identity(): string | Promise<string>;
}

/** A secret given as a value: never changes, so there is nothing to refresh. */
export function valueSecret(value: string): SecretSource {
  return {
    label: undefined,
    get: () => value,
    identity: () => value,
  };
}

/** Options of {@link fileSecret}. */
export interface FileSecretOptions {
  /** The option naming the file, for descriptions (`tokenFile`, `passwordFile`, `valueFile`). */
  option: string;
  /** Turns the file's text into the secret (trim whitespace, drop a trailing newline). */
  normalize: (text: string) => string;
  /** Why a loaded value is unusable, or undefined; the reason must not quote the value. */
  check: (value: string) => string | undefined;
}

/**
 * A secret read from a file, re-read when the file changes (checked by `stat` at each use) and
 * after a 401 (the server may have revoked it before the new one landed on disk); the 401's
 * request is replayed only when the file then holds a different secret.
 */
export function fileSecret(path: string, options: FileSecretOptions): SecretSource {
  const file = new SecretFile(path, options.normalize);
  const shown = quotePath(path);
  const load = (): string => {
    const value = file.read();
    const reason = options.check(value);
    if (reason !== undefined) throw new Error(`${shown} ${reason}`);
    return value;
  };
  // When the file cannot be read its identity is unknown: something unique keeps it from
  // sharing cache entries or clients with anyone else. The request itself fails anyway.
  const unknown = randomUUID();
  // What each call sent, so a 401 replays only when the file now holds something else.
  const sent = new WeakMap<AbortSignal, string>();
  return {
    label: `${options.option}=${shown}`,
    get: (signal) => {
      const value = load();
      sent.set(signal, value);
      return value;
    },
    refresh: (signal) => {
      file.forget();
      try {
        return load() !== sent.get(signal);
      } catch {
        return false; // unreadable now: the 401 stands, and the next call says why
      }
    },
    identity: () => {
      try {
        return `${path}\u0000${load()}`;
      } catch {
        return `${path}\u0000unreadable:${unknown}`;
      }
    },
  };
}
