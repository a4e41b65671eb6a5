/**
 * Credentials a server or proxy echoes back. Some gateways and debug proxies quote the request's
 * headers in their error pages ("no route for Authorization: Bearer …"), and promfleet quotes a
 * proxy's error text in its errors: so each credential a request sent is masked in any text of
 * its answer before that text reaches an error.
 */

/** Shorter fragments are not masked: a 1–3 character password would blank out ordinary words. */
const MIN_FRAGMENT = 4;

/**
 * The parts of a credential header's value that must not be shown: the value, the token after
 * an auth scheme (`Bearer <token>`), and for `Basic` the decoded `user:password` and password.
 */
export function credentialFragments(value: string): string[] {
  const fragments = [value];
  const scheme = /^([A-Za-z][\w.-]*)\s+(\S.*)$/s.exec(value);
  if (scheme) {
    const [, name, rest] = scheme as unknown as [string, string, string];
    fragments.push(rest);
    if (name.toLowerCase() === "basic") {
      const decoded = Buffer.from(rest, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) fragments.push(decoded, decoded.slice(colon + 1));
    }
  }
  return fragments.filter((fragment) => fragment.trim().length >= MIN_FRAGMENT);
}

/**
 * `text` with every fragment of the credentials `sent` replaced by `***`, longest first (a token
 * inside its header value). The fragments are worked out here, on the error path only: a request
 * that succeeds pays for nothing but noting what it sent.
 */
export function maskEchoed(text: string, sent: readonly string[]): string {
  if (sent.length === 0) return text;
  const fragments = [...new Set(sent.flatMap(credentialFragments))].sort((a, b) => b.length - a.length);
  let masked = text;
  for (const fragment of fragments) {
    if (masked.includes(fragment)) masked = masked.split(fragment).join("***");
  }
  return masked;
}

/**
 * Names of static headers whose values are taken for credentials (`X-Api-Key`, `Cookie`,
 * `Authorization`...). Other static headers (`X-Scope-OrgID: tenant-a`) are left readable.
 */
const CREDENTIAL_HEADER = /auth|token|key|secret|passw|cookie|session|signature|credential/i;

const staticByHeaders = new WeakMap<ReadonlyArray<readonly [string, string]>, readonly string[]>();

/** The values of the static headers whose names say they carry a credential (worked out once per list). */
export function staticCredentials(headers: ReadonlyArray<readonly [string, string]>): readonly string[] {
  let values = staticByHeaders.get(headers);
  if (values === undefined) {
    values = headers.filter(([name]) => CREDENTIAL_HEADER.test(name)).map(([, value]) => value);
    staticByHeaders.set(headers, values);
  }
  return values;
}

/** The values `headers` holds now that it did not hold in `before` (what an auth strategy set). */
export function addedValues(before: ReadonlyMap<string, string>, headers: Headers): string[] {
  const added: string[] = [];
  for (const [name, value] of headers) if (before.get(name) !== value) added.push(value);
  return added;
}
