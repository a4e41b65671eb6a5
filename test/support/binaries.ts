import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Which external programs the integration tests need, and what to do when one is missing.
 *
 * DESIGN.md: in CI a missing binary fails the run (a silently skipped suite would hide a broken runner
 * image); on a developer machine the tests skip with a message saying what to install.
 */

/** Finds `binary` on PATH the way a shell would (executable regular file), or returns undefined. */
export function findOnPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined;
}

/** Messages already printed, so a file importing this module many times warns once per binary. */
const warned = new Set<string>();

/**
 * Returns undefined when `binary` is on PATH. Otherwise throws when `CI` is set, and elsewhere returns a
 * skip message with the install hint (printed once with console.warn), for `describe.skipIf(...)`.
 */
export function requirePeer(binary: string, debianPackage: string): string | undefined {
  if (findOnPath(binary) !== undefined) return undefined;
  const message =
    `promfleet tests need \`${binary}\` (Debian package ${debianPackage}): ` +
    `apt-get install -y --no-install-recommends ${debianPackage}`;
  if (process.env.CI) throw new Error(message);
  if (!warned.has(message)) {
    warned.add(message);
    console.warn(`skipping: ${message}`);
  }
  return message;
}

/** Skip message when `prometheus` (and its `promtool`, same package) is missing; undefined when present. */
export const prometheusMissing: string | undefined =
  requirePeer("prometheus", "prometheus") ?? requirePeer("promtool", "prometheus");

/** Skip message when `redis-server` is missing; undefined when present. */
export const redisMissing: string | undefined = requirePeer("redis-server", "redis-server");

/** Skip message when the `openssl` CLI (certificate generation) is missing; undefined when present. */
export const opensslMissing: string | undefined = requirePeer("openssl", "openssl");

/** Skip message when `htpasswd` (bcrypt hashes for Prometheus basic auth) is missing; undefined when present. */
export const htpasswdMissing: string | undefined = requirePeer("htpasswd", "apache2-utils");
