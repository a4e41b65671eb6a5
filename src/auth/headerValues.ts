/**
 * Checks of credential values before they reach `Headers`: its own errors quote the value they
 * refuse, which would put a secret into an error message. Every message here names the source
 * (an option, a file) and never the value.
 */

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers that undici's fetch refuses to send ("invalid upgrade header", "expect header not
 * supported", ...): set by a user, every request would fail, and be retried as if the network
 * had, so they are refused where they are given.
 */
export const UNSENDABLE_HEADERS: ReadonlySet<string> = new Set([
  "upgrade",
  "keep-alive",
  "expect",
  "transfer-encoding",
  "content-length",
]);

/** Visible ASCII: what a bearer token (RFC 6750 b64token, and JWTs) is made of. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** What a header value may hold: visible ASCII, spaces and tabs inside, and Latin-1 (obs-text). */
const VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why `token` cannot be a bearer token, or undefined when it can. */
export function badToken(token: string): string | undefined {
  if (token.length === 0) return "is empty";
  if (!TOKEN_CHARS.test(token))
    return "holds spaces, control or non-ASCII characters, which a bearer token cannot";
  return undefined;
}

/** Why `value` cannot be sent as a header value, or undefined when it can. */
export function badHeaderValue(value: string): string | undefined {
  if (value.length === 0) return "is empty";
  if (!VALUE_CHARS.test(value)) return "holds control characters or characters beyond Latin-1";
  if (value.trim() !== value) return "starts or ends with whitespace, which HTTP would drop";
  return undefined;
}
