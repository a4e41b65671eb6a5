// Vitest setup file: every fast-check property of the run uses the seed of test/support/seed.ts.
import fc from "fast-check";
import { fuzzSeed } from "./seed.ts";

fc.configureGlobal({ seed: fuzzSeed() });
