import { defineConfig } from "vitest/config";

// Coverage thresholds are enforced when CI is set (DESIGN.md: "when CI is set ... the coverage threshold applies").
const enforce = Boolean(process.env.CI);

export default defineConfig({
  test: {
    // An unhandled rejection anywhere fails the run (vitest's default, kept explicit).
    dangerouslyIgnoreUnhandledErrors: false,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.d.ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: enforce ? { lines: 90, branches: 90, functions: 90, statements: 90 } : {},
    },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          setupFiles: ["test/support/fastCheckSeed.ts"],
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/globalSetup.ts"],
          setupFiles: ["test/support/fastCheckSeed.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          environment: "node",
          // Records unhandled rejections and uncaught exceptions and fails the file on any.
          setupFiles: ["test/faults/setup.ts", "test/support/fastCheckSeed.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
