/**
 * How a path given for secret material (a key, a token or a password file) appears in errors and
 * descriptions. A path is shown as given; a value that looks like the secret itself — passed
 * where a path belongs, e.g. a Kubernetes Secret's base64 data or a JWT — is not: it would
 * otherwise be quoted as "the file that cannot be read".
 */
export function quotePath(value: string): string {
  return looksLikeSecret(value)
    ? `(a value that is not a path: ${value.length} characters, not shown)`
    : value;
}

/** Longer than any file name a system allows, spread over lines, base64 or a JWT. */
function looksLikeSecret(value: string): boolean {
  return (
    value.length > 1024 ||
    /\s/.test(value) ||
    /^[A-Za-z0-9+/]{32,}={0,2}$/.test(value) ||
    /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/.test(value)
  );
}
