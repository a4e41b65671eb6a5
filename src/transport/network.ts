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

const TLS_MESSAGES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a trusted CA (set tls.ca?)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a trusted CA (set tls.ca?)",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in an untrusted CA (set tls.ca?)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed and not trusted (set tls.ca?)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not match its host name (set tls.servername?)",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  ERR_SSL_WRONG_VERSION_NUMBER: "the server does not speak TLS on this port (use http:?)",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    "the server requires a client certificate (set tls.cert and tls.key)",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "the server rejected the client certificate",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "the server does not trust the client certificate's CA",
};

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
  const tlsMessage = TLS_MESSAGES[code];
  if (tlsMessage) return { message: tlsMessage, retryable: false, cause };
  if (code === "UND_ERR_SOCKET" && tls) {
    // TLS 1.3 reports a missing client certificate as a closed socket; say what is likely without guessing.
    return {
      message: "the server closed the TLS connection (a client certificate may be required)",
      retryable: true,
      cause,
    };
  }
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return { message: `the TLS handshake failed (${code})`, retryable: false, cause };
  }
  const known = CONNECTION_MESSAGES[code];
  return { message: known ?? `the request failed (${code || inner.message})`, retryable: true, cause };
}
