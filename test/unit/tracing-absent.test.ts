import { describe, expect, it, vi } from "vitest";

// Simulates an install without the optional peer: importing it fails.
vi.mock("@opentelemetry/api", () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});

describe("tracing without @opentelemetry/api", () => {
  it("runs the work as is, with no span", async () => {
    const { withSpan, resetTracingForTests } = await import("../../src/observe/tracing.ts");
    resetTracingForTests();
    const seen: unknown[] = [];
    const result = await withSpan("x", {}, async (span) => {
      seen.push(span);
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toEqual([undefined]);
    await expect(
      withSpan("y", {}, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });
});
