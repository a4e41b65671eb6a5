import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errors/InvalidArgumentError.ts";

/**
 * TLS settings beside auth. `ca`, `cert` and `key` are each a file path or PEM contents.
 * Keys never appear in errors, logs or `util.inspect` output.
 */
export interface TlsOptions {
  /** CA bundle that signs the server's certificate (e.g. OpenShift's service-ca.crt). */
  ca?: string | undefined;
  /** Client certificate for mTLS. */
  cert?: string | undefined;
  /** Client key for mTLS. */
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

function isPem(value: string): boolean {
  return value.includes("-----BEGIN ");
}

/** Reads a PEM value or the file it names; errors name the option, never the contents. */
export function loadPem(value: string, option: string): string {
  if (isPem(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InvalidArgumentError(`tls.${option}`, `tls.${option}: cannot read ${value} (${code})`);
  }
}

/** Resolves TLS options into undici connect options (files read now). */
export function resolveTls(tls: TlsOptions | undefined): ConnectOptions {
  const connect: ConnectOptions = { rejectUnauthorized: !tls?.insecureSkipVerify };
  if (!tls) return connect;
  if (tls.ca) connect.ca = loadPem(tls.ca, "ca");
  if (tls.cert) connect.cert = loadPem(tls.cert, "cert");
  if (tls.key) connect.key = loadPem(tls.key, "key");
  if (Boolean(connect.cert) !== Boolean(connect.key)) {
    throw new InvalidArgumentError("tls", "tls.cert and tls.key go together: give both for mTLS, or neither");
  }
  if (tls.servername) connect.servername = tls.servername;
  return connect;
}
