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

/**
 * Longer than any path a system allows, spread over lines, base64, a JWT, an OpenShift token
 * (`sha256~…`, what `oc whoami -t` prints) or another opaque token (`ghp_…`: 24 or more
 * letters, digits, `_`, `-`, `~` or `+`, with a digit, and no `/` or `.`). An absolute path is
 * never taken for base64 (key material starts "LS0t", "MII" or "eyJ", not "/"), nor is a name
 * of letters and slashes only.
 */
function looksLikeSecret(value: string): boolean {
  return (
    value.length > 1024 ||
    /\s/.test(value) ||
    value.startsWith("sha256~") ||
    (/^[A-Za-z0-9+][A-Za-z0-9+/]{31,}={0,2}$/.test(value) && /[0-9+=]/.test(value)) ||
    (/^[A-Za-z0-9_~+-]{24,}$/.test(value) && /[0-9]/.test(value)) ||
    /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/.test(value)
  );
}
