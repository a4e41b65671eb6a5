import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";
import { quotePath } from "../errors/quotePath.ts";
import { fileStamp } from "./fileStamp.ts";

/**
 * TLS settings beside auth. `ca`, `cert` and `key` are each a file path or PEM contents; files are
 * re-read when they change (certificate rotation). Keys never appear in errors, logs or
 * `util.inspect` output.
 */
export interface TlsOptions {
  /**
   * CA bundle that signs the server's certificate (e.g. OpenShift's service-ca.crt), or several,
   * all trusted: a router's ingress CA beside the service CA while a cluster moves from one route
   * to the other, or an old and a new CA during a rotation. Each is a file path or PEM contents.
   */
  ca?: string | readonly string[] | undefined;
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

/** One PEM input: the option it fills (`tls.ca[1]` when `ca` is a list) and its file or contents. */
interface PemSource {
  option: PemOption;
  /** The option's name in errors: `tls.ca`, `tls.ca[1]`, `tls.cert`... */
  name: string;
  value: string;
}

/** The PEM inputs of `tls`, in order; a `ca` list gives one source per entry. */
function pemSources(tls: TlsOptions | undefined): PemSource[] {
  const sources: PemSource[] = [];
  for (const option of PEM_OPTIONS) {
    const given = tls?.[option];
    if (typeof given === "string") {
      if (given) sources.push({ option, name: `tls.${option}`, value: given });
    } else if (given !== undefined) {
      given.forEach((value, i) => {
        if (value) sources.push({ option, name: `tls.${option}[${i}]`, value });
      });
    }
  }
  return sources;
}

function isPem(value: string): boolean {
  return value.includes("-----BEGIN ");
}

function readPem(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    // A key given as base64 (a Kubernetes Secret's data) is not PEM: it lands here, and must not be quoted.
    const name = option.startsWith("tls.") ? option : `tls.${option}`;
    throw new InvalidArgumentError(
      name,
      `${name}: cannot read ${quotePath(path)} (${code}); give a readable file or the PEM text`,
    );
  }
}

/** Reads a PEM value or the file it names; errors name the option, never the contents. */
export function loadPem(value: string, option: string): string {
  return isPem(value) ? value : readPem(value, option);
}

/** A file's {@link fileStamp}, or "missing". */
function stamp(path: string): string {
  try {
    return fileStamp(path);
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
 * Checks that a CA bundle is usable (every certificate in it parses) before it is handed to
 * undici, whose first connection would otherwise fail with a vaguer error.
 */
function validateCa(bundle: string, name: string): void {
  // createSecureContext skips what it cannot parse in a CA bundle: check each certificate.
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  try {
    if (blocks.length === 0) throw new Error("no PEM certificate in it");
    for (const block of blocks) new X509Certificate(block);
  } catch (error) {
    throw new InvalidArgumentError(name, `${name} is not a usable PEM CA bundle (${opensslReason(error)})`);
  }
}

/** Checks that a client certificate and key are given together and make a usable pair. */
function validate(connect: ConnectOptions): void {
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
  /** The PEM inputs given as file paths: watched, and read again when they change. */
  readonly #files: readonly PemSource[];
  readonly #sources: readonly PemSource[];
  readonly #fixed: ConnectOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #connect: ConnectOptions;
  #stamps: string[];
  #checkedAt: number;

  /** Reads and validates `tls` now; throws an InvalidArgumentError naming a bad option. */
  constructor(tls: TlsOptions | undefined, options: TlsMaterialOptions = {}) {
    this.#intervalMs = options.checkIntervalMs ?? 1_000;
    this.#now = options.now ?? Date.now;
    const fixed: ConnectOptions = { rejectUnauthorized: !tls?.insecureSkipVerify };
    if (tls?.servername) fixed.servername = tls.servername;
    this.#sources = pemSources(tls);
    this.#files = this.#sources.filter((source) => !isPem(source.value));
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
    return this.#files.length > 0;
  }

  /**
   * Looks at the files, at most once per interval. When one changed it is read again and
   * validated: `changed` carries the new options; `failed` says why they could not be loaded (the
   * previous ones stay in force, and the next check tries again). Never throws.
   */
  check(): TlsCheck {
    if (this.#files.length === 0) return { kind: "unchanged" };
    const now = this.#now();
    if (now - this.#checkedAt < this.#intervalMs) return { kind: "unchanged" };
    this.#checkedAt = now;
    const stamps = this.#stampAll();
    const files = this.#files.filter((_, i) => stamps[i] !== this.#stamps[i]).map((source) => source.value);
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

  #stampAll(): string[] {
    return this.#files.map((source) => stamp(source.value));
  }

  /** Reads every source (files now), checks each CA bundle on its own (errors name the entry), then the pair. */
  #load(): ConnectOptions {
    const connect: ConnectOptions = { ...this.#fixed };
    const cas: string[] = [];
    for (const source of this.#sources) {
      const pem = loadPem(source.value, source.name);
      if (source.option === "ca") {
        validateCa(pem, source.name);
        cas.push(pem);
      } else connect[source.option] = pem;
    }
    // One bundle for undici: PEM blocks may follow one another, a newline apart.
    if (cas.length > 0) connect.ca = cas.join("\n");
    validate(connect);
    return connect;
  }
}

/** Resolves TLS options into undici connect options (files read now, and validated). */
export function resolveTls(tls: TlsOptions | undefined): ConnectOptions {
  return new TlsMaterial(tls).connect;
}
