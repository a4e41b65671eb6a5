import { createHash, createHmac } from "node:crypto";

/**
 * A fixed, public salt: it keeps promfleet's fingerprints apart from plain SHA-256 tables of
 * tokens, and lets replicas agree on keys. It does not make a weak password unguessable —
 * whoever reads a shared cache can test guesses — which is what `cacheKeySecret` (HMAC) is for.
 */
const SALT = "promfleet/identity/v1\u0000";

/**
 * Hashes identity material (a token, a password, a client certificate) into a fingerprint for
 * cache keys and client reuse: HMAC-SHA256 keyed by `secret` when given, salted SHA-256
 * otherwise. Hex, 32 characters (128 bits) — enough to tell identities apart, short in keys.
 */
export function fingerprint(material: string, secret?: string): string {
  const hash = secret ? createHmac("sha256", secret) : createHash("sha256").update(SALT);
  return hash.update(material).digest("hex").slice(0, 32);
}
