import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bearerAuth } from "../../src/index.ts";
import { projectedVolume, scratchDir } from "./authFiles.ts";
import { expectHidden, failure, SECRET, sent } from "./authHelpers.ts";

/** bearerAuth with a token file: reading, rotation (kubelet symlink swaps), failures, identity. */

const dir = scratchDir("auth-token-file");

describe("bearerAuth with a token file", () => {
  it("reads and trims it, and follows rewrites and kubelet symlink swaps", async () => {
    const file = join(dir, "plain-token");
    writeFileSync(file, `${SECRET}-1\n`);
    const auth = bearerAuth({ tokenFile: file });
    expect(await sent(auth)).toBe(`Bearer ${SECRET}-1`);
    writeFileSync(file, `${SECRET}-22\n`);
    expect(await sent(auth)).toBe(`Bearer ${SECRET}-22`);
    expect(auth.describe()).toBe(`bearer(tokenFile=${file})`);
    expectHidden(auth, SECRET);

    const volume = projectedVolume(dir, "projected-1");
    const projected = bearerAuth({ tokenFile: volume.tokenFile });
    expect(await sent(projected)).toBe("Bearer projected-1");
    const before = volume.current();
    volume.rotate("projected-2");
    expect(volume.current()).not.toBe(before);
    expect(await sent(projected)).toBe("Bearer projected-2");
  });

  it("re-reads after a 401 and says so", async () => {
    const file = join(dir, "refresh-token");
    writeFileSync(file, "one");
    const auth = bearerAuth({ tokenFile: file });
    expect(await sent(auth)).toBe("Bearer one");
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(true);
    expect(await sent(auth)).toBe("Bearer one");
  });

  it("fails with the path and the reason, never the contents", async () => {
    const missing = join(dir, "missing-token");
    const directory = join(dir, "a-directory");
    mkdirSync(directory);
    const empty = join(dir, "empty-token");
    writeFileSync(empty, "  \n");
    const bad = join(dir, "bad-token");
    writeFileSync(bad, `${SECRET} has spaces`);
    const notDir = join(empty, "token");
    const cases: Array<[string, string]> = [
      [missing, `${missing} does not exist (ENOENT)`],
      [directory, `${directory} is a directory, not a file (EISDIR)`],
      [empty, `${empty} is empty`],
      [bad, `${bad} holds spaces, control or non-ASCII characters`],
      [notDir, `${notDir} is not reachable (a parent is not a directory) (ENOTDIR)`],
    ];
    for (const [path, message] of cases) {
      const error = await failure(sent(bearerAuth({ tokenFile: path })));
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it("fails when a file that was read disappears, and recovers when it is back", async () => {
    const file = join(dir, "vanishing-token");
    writeFileSync(file, "here");
    const auth = bearerAuth({ tokenFile: file });
    expect(await sent(auth)).toBe("Bearer here");
    rmSync(file);
    expect((await failure(sent(auth))).message).toContain("does not exist");
    writeFileSync(file, "back");
    expect(await sent(auth)).toBe("Bearer back");
  });

  it("has the path and the contents as identity, something unique when unreadable", async () => {
    const file = join(dir, "identity-token");
    writeFileSync(file, "first");
    const auth = bearerAuth({ tokenFile: file });
    const one = await auth.identity();
    writeFileSync(file, "second");
    const two = await auth.identity();
    expect(one).not.toBe(two);
    expect(two).toContain("second");
    const ghost = join(dir, "no-such-token");
    const a = await bearerAuth({ tokenFile: ghost }).identity();
    expect(a).toContain("unreadable:");
    expect(await bearerAuth({ tokenFile: ghost }).identity()).not.toBe(a);
  });
});
