import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

// CI runs as root, where chmod 000 does not stop a read: the permission error is simulated at
// the fs layer for one path, so the test runs (and proves the message) everywhere.
const LOCKED = "locked-token";
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    readFileSync: ((path: string, ...rest: unknown[]) => {
      if (String(path).endsWith(LOCKED)) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
      }
      return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.readFileSync,
  };
});

const { bearerAuth } = await import("../../src/auth/bearerAuth.ts");
const dir = mkdtempSync(join(tmpdir(), "promfleet-auth-perm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a token file without read permission", () => {
  it("fails naming the file and the reason, not the contents (the transport makes it an AuthenticationError)", async () => {
    const file = join(dir, LOCKED);
    writeFileSync(file, "s3cret-token-value");
    const auth = bearerAuth({ tokenFile: file });
    const headers = new Headers();
    const error = await Promise.resolve()
      .then(() =>
        auth.apply({ headers, url: new URL("http://127.0.0.1/"), signal: new AbortController().signal }),
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toContain("is not readable (permission denied)");
    expect(error?.message).toContain(file);
    expect(error?.message).not.toContain("s3cret-token-value");
    expect(headers.get("authorization")).toBeNull();
  });
});
