import { existsSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { requirePeer } from "../support/binaries.ts";
import { toOpenMetrics } from "../support/fixtures.ts";
import { freePort, tempDir } from "../support/ports.ts";

/** The fixtures' OpenMetrics rendering, free ports, temporary directories and requirePeer. */

describe("fixtures and ports", () => {
  it("renders OpenMetrics with TYPE lines, escapes and # EOF", () => {
    const text = toOpenMetrics();
    expect(text).toContain("# TYPE fixture_requests counter\n");
    expect(text).toContain('text="quote \\" backslash \\\\ newline \\n end;');
    expect(text.endsWith("# EOF\n")).toBe(true);
  });

  it("hands out distinct free ports and removable temp dirs", async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    expect(a).not.toBe(b);
    const dir = await tempDir("smoke");
    expect(existsSync(dir.path)).toBe(true);
    await dir.remove();
    expect(existsSync(dir.path)).toBe(false);
  });

  it("requirePeer returns a hint outside CI and throws in CI", () => {
    const saved = process.env.CI;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      delete process.env.CI;
      expect(requirePeer("promfleet-no-such-binary", "nothing")).toMatch(/apt-get install .* nothing/);
      process.env.CI = "true";
      expect(() => requirePeer("promfleet-no-such-binary", "nothing")).toThrow(/Debian package nothing/);
      expect(requirePeer("node", "nodejs")).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
