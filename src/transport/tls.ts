import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { quotePath } from "../errors/quotePath.ts";

/**
 * TLS settings beside auth. `ca`, `cert` and `key` are each a file path or PEM contents; files are
 * re-read when they change (certificate rotation). Keys never appear in errors, logs or
 * `util.inspect` output.
 */
export interface TlsOptions {
  /** CA bundle that signs the server's certificate (e.g. OpenShift's service-ca.crt). */
  ca?: string | undefined;
  /** Client certificate for mTLS. */
  cert?: string | undefined;
  /** Client key for mTLS (unencrypted PEM). */
  key?: string | undefined;
  /** Name to verify the server's certificate against (SNI), when it differs from the URL's host. */
  servername?: string | undefined;
  /** Skip verifying the server's certificate. Dangerous; warns once per client. */
  insecureSkipVerify?: boolean | undefined;
}

/** The connect options handed to undici. */
export interface ConnectOptions {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

type PemOption = "ca" | "cert" | "key";
const PEM_OPTIONS: readonly PemOption[] = ["ca", "cert", "key"];

function isPem(value: string): boolean {
  return value.includes("-----BEGIN ");
}

function readPem(path: string, option: PemOption): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    // A key given as base64 (a Kubernetes Secret's data) is not PEM: it lands here, and must not be quoted.
    throw new InvalidArgumentError(
      `tls.${option}`,
      `tls.${option}: cannot read ${quotePath(path)} (${code}); give a readable file or the PEM text`,
    );
  }
}

/** Reads a PEM value or the file it names; errors name the option, never the contents. */
export function loadPem(value: string, option: string): string {
  return isPem(value) ? value : readPem(value, option as PemOption);
}

/** Device, inode, size and times of a file (following symlinks), or "missing". */
function stamp(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return "missing";
  }
}

/** OpenSSL's reason, without its `error:0A00...:routines::` prefix (it never quotes key material). */
function opensslReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, "").trim() || message;
}

/**
 * Checks that the PEM material is usable (parseable; key matching certificate) before it is
 * handed to undici, whose first connection would otherwise fail with a vaguer error.
 */
function validate(connect: ConnectOptions): void {
  if (connect.ca !== undefined) {
    // createSecureContext skips what it cannot parse in a CA bundle: check each certificate.
    const blocks = connect.ca.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    try {
      if (blocks.length === 0) throw new Error("no PEM certificate in it");
      for (const block of blocks) new X509Certificate(block);
    } catch (error) {
      throw new InvalidArgumentError(
        "tls.ca",
        `tls.ca is not a usable PEM CA bundle (${opensslReason(error)})`,
      );
    }
  }
  if ((connect.cert === undefined) !== (connect.key === undefined)) {
    throw new InvalidArgumentError("tls", "tls.cert and tls.key go together: give both for mTLS, or neither");
  }
  try {
    if (connect.cert !== undefined) createSecureContext({ cert: connect.cert, key: connect.key });
  } catch (error) {
    throw new InvalidArgumentError(
      "tls.cert",
      `tls.cert and tls.key are not a usable certificate and key pair (${opensslReason(error)})`,
    );
  }
}

/** What {@link TlsMaterial.check} found. */
export type TlsCheck =
  | { readonly kind: "unchanged" }
  | { readonly kind: "changed"; readonly connect: ConnectOptions; readonly files: string[] }
  | { readonly kind: "failed"; readonly reason: string; readonly files: string[] };

/** Options of {@link TlsMaterial}. */
export interface TlsMaterialOptions {
  /** Least time between two checks of the files, in ms (default 1,000). */
  checkIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A client's TLS material: read and validated at construction (a bad option throws an
 * InvalidArgumentError naming it), then re-read when a file it came from changes. Files are
 * checked by `stat` (device, inode, size, times: a Kubernetes symlink swap counts) at most once a
 * second, when a request starts.
 */
export class TlsMaterial {
  readonly #paths: ReadonlyMap<PemOption, string>;
  readonly #fixed: ConnectOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #connect: ConnectOptions;
  #stamps: Map<PemOption, string>;
  #checkedAt: number;

  /** Reads and validates `tls` now; throws an InvalidArgumentError naming a bad option. */
  constructor(tls: TlsOptions | undefined, options: TlsMaterialOptions = {}) {
    this.#intervalMs = options.checkIntervalMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    const fixed: ConnectOptions = { rejectUnauthorized: !tls?.insecureSkipVerify };
    if (tls?.servername) fixed.servername = tls.servername;
    const paths = new Map<PemOption, string>();
    for (const option of PEM_OPTIONS) {
      const value = tls?.[option];
      if (!value) continue;
      if (isPem(value)) fixed[option] = value;
      else paths.set(option, value);
    }
    this.#paths = paths;
    this.#fixed = fixed;
    this.#stamps = this.#stampAll();
    this.#connect = this.#load();
    this.#checkedAt = this.#now();
  }

  /** The connect options in force. */
  get connect(): ConnectOptions {
    return this.#connect;
  }

  /** Whether any of ca, cert, key came from a file (so it may change). */
  get watchesFiles(): boolean {
    return this.#paths.size > 0;
  }

  /**
   * Looks at the files, at most once per interval. When one changed it is read again and
   * validated: `changed` carries the new options; `failed` says why they could not be loaded (the
   * previous ones stay in force, and the next check tries again). Never throws.
   */
  check(): TlsCheck {
    if (this.#paths.size === 0) return { kind: "unchanged" };
    const now = this.#now();
    if (now - this.#checkedAt < this.#intervalMs) return { kind: "unchanged" };
    this.#checkedAt = now;
    const stamps = this.#stampAll();
    const files = [...this.#paths].filter(([o]) => stamps.get(o) !== this.#stamps.get(o)).map(([, p]) => p);
    if (files.length === 0) return { kind: "unchanged" };
    let connect: ConnectOptions;
    try {
      connect = this.#load();
    } catch (error) {
      // Mid-rotation (a certificate written before its key) or a removed file: keep the old ones.
      return { kind: "failed", reason: error instanceof Error ? error.message : String(error), files };
    }
    this.#stamps = stamps;
    if (PEM_OPTIONS.every((o) => connect[o] === this.#connect[o])) return { kind: "unchanged" };
    this.#connect = connect;
    return { kind: "changed", connect, files };
  }

  #stampAll(): Map<PemOption, string> {
    return new Map([...this.#paths].map(([option, path]) => [option, stamp(path)]));
  }

  #load(): ConnectOptions {
    const connect: ConnectOptions = { ...this.#fixed };
    for (const [option, path] of this.#paths) connect[option] = readPem(path, option);
    validate(connect);
    return connect;
  }
}

/** Resolves TLS options into undici connect options (files read now, and validated). */
export function resolveTls(tls: TlsOptions | undefined): ConnectOptions {
  return new TlsMaterial(tls).connect;
}
