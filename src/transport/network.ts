/** What promfleet keeps of a low-level failure: a message and a code, never the original object. */
export interface CleanCause {
  name: string;
  message: string;
  code: string | undefined;
}

/** A described connection failure. */
export interface NetworkFailure {
  message: string;
  /** Whether trying again might help (a refused or reset connection) or not (a bad certificate). */
  retryable: boolean;
  cause: CleanCause;
}

const UNTRUSTED =
  "the server's certificate is not signed by a trusted CA (set tls.ca to the CA that signed it)";

/** Certificate verification failures on our side, by Node's code. */
const TLS_MESSAGES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  CERT_UNTRUSTED: UNTRUSTED,
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in an untrusted CA (set tls.ca to that CA)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted (set tls.ca to it)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not match its host name",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check the clocks)",
  CERT_REVOKED: "the server's certificate has been revoked",
  CERT_SIGNATURE_FAILURE: "the server's certificate has a bad signature",
  INVALID_CA: "a CA certificate in the server's chain is not a valid CA",
  ERR_SSL_WRONG_VERSION_NUMBER: "the server does not speak TLS on this port (use http:?)",
  ERR_SSL_PACKET_LENGTH_TOO_LONG: "the server does not speak TLS on this port (use http:?)",
};

/**
 * Alerts the server sent during the handshake, by the end of Node's code. OpenSSL 3 spells the
 * prefix `ERR_SSL_SSL/TLS_ALERT_`, older ones `ERR_SSL_SSLV3_ALERT_` or `ERR_SSL_TLSV13_ALERT_`.
 */
const ALERT_MESSAGES: ReadonlyArray<readonly [string, string]> = [
  ["CERTIFICATE_REQUIRED", "the server requires a client certificate (set tls.cert and tls.key)"],
  [
    "BAD_CERTIFICATE",
    "the server refused the client certificate, or requires one (set tls.cert and tls.key to a certificate its client CA signed)",
  ],
  ["UNKNOWN_CA", "the server does not trust the CA that signed the client certificate"],
  ["CERTIFICATE_EXPIRED", "the server says the client certificate has expired"],
  ["CERTIFICATE_REVOKED", "the server says the client certificate has been revoked"],
  ["CERTIFICATE_UNKNOWN", "the server did not accept the client certificate"],
  ["UNSUPPORTED_CERTIFICATE", "the server does not support the client certificate's type"],
  ["HANDSHAKE_FAILURE", "the server and the client share no TLS parameters (cipher, curve)"],
  ["PROTOCOL_VERSION", "the server and the client share no TLS version"],
];

/** A message for a TLS failure, with the host names for a name mismatch; undefined when not TLS. */
function tlsMessage(code: string, detail: string): string | undefined {
  const known = TLS_MESSAGES[code];
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    // Node's detail names the host and the certificate's names: public, and what one needs to fix it.
    const names = /altnames: (.*)$/.exec(detail)?.[1]?.trim();
    return `${known}${names ? ` (${names})` : ""}; set tls.servername to a name the certificate holds?`;
  }
  if (known) return known;
  const alert = /_ALERT_([A-Z_]+)$/.exec(code)?.[1];
  if (alert !== undefined) {
    const message = ALERT_MESSAGES.find(([name]) => name === alert)?.[1];
    return (
      message ?? `the server ended the TLS handshake (alert ${alert.toLowerCase().replaceAll("_", " ")})`
    );
  }
  return undefined;
}

const CONNECTION_MESSAGES: Record<string, string> = {
  ECONNREFUSED: "the connection was refused",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "the host name could not be resolved",
  EAI_AGAIN: "the host name could not be resolved (temporary failure)",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  EPIPE: "the connection was closed while sending",
  UND_ERR_SOCKET: "the server closed the connection",
  UND_ERR_CONNECT_TIMEOUT: "connecting timed out",
  UND_ERR_HEADERS_TIMEOUT: "the server sent no headers in time",
  UND_ERR_BODY_TIMEOUT: "the server stopped sending the body",
};

/** Walks `cause` links (fetch wraps the socket error in a TypeError) to the innermost coded error. */
function innermost(error: unknown): { message: string; code: string | undefined; name: string } {
  let current: unknown = error;
  let found = {
    message: String((error as Error)?.message ?? error),
    code: undefined as string | undefined,
    name: "Error",
  };
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const e = current as { message?: unknown; code?: unknown; name?: unknown; cause?: unknown };
    if (typeof e.code === "string" || depth === 0) {
      found = {
        message: typeof e.message === "string" ? e.message : found.message,
        code: typeof e.code === "string" ? e.code : found.code,
        name: typeof e.name === "string" ? e.name : found.name,
      };
    }
    current = e.cause;
  }
  return found;
}

/**
 * Turns a fetch failure into a message a person can act on, and a cause stripped of anything
 * that could hold a header or a secret.
 */
export function describeNetworkError(error: unknown, tls: boolean): NetworkFailure {
  const inner = innermost(error);
  const cause: CleanCause = { name: inner.name, message: inner.message, code: inner.code };
  const code = inner.code ?? "";
  const tlsFailure = tlsMessage(code, inner.message);
  if (tlsFailure) return { message: tlsFailure, retryable: false, cause };
  if (code === "UND_ERR_SOCKET" && tls) {
    // Under TLS 1.3 the server checks the client certificate after the handshake and, missing or
    // refused, closes the socket: undici reports only that. Say what is likely without guessing;
    // it stays retryable because a dropped connection looks the same.
    return {
      message: "the server closed the TLS connection (a client certificate may be required)",
      retryable: true,
      cause,
    };
  }
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return { message: `the TLS handshake failed (${code})`, retryable: false, cause };
  }
  if (code === "UND_ERR_DESTROYED") {
    // close() cut the connection of a call still in flight: trying again cannot help.
    return { message: "the client was closed during the call", retryable: false, cause };
  }
  const known = CONNECTION_MESSAGES[code];
  return { message: known ?? `the request failed (${code || inner.message})`, retryable: true, cause };
}
