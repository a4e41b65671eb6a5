import { inspect } from "node:util";
import { expect } from "vitest";
import type { AuthStrategy } from "../../src/index.ts";

/**
 * Shared checks of the auth strategy tests (test/unit/auth-*.test.ts): what a strategy sends, and
 * that its secret shows nowhere a person or a logger looks.
 */

/** A secret distinctive enough that finding it in any output means it leaked. */
export const SECRET = "s3cr3t-TOKEN-4f1c9a";

/** Applies `auth` to a fresh request and returns the header it set. */
export async function sent(
  auth: AuthStrategy,
  name = "authorization",
  signal = new AbortController().signal,
) {
  const headers = new Headers();
  await auth.apply({ headers, url: new URL("https://prom.test/api/v1/query"), signal });
  return headers.get(name);
}

/** Asserts that nothing a person or a logger sees of `auth` holds `secret`. */
export function expectHidden(auth: AuthStrategy, secret: string) {
  expect(inspect(auth, { showHidden: true, depth: 10 })).not.toContain(secret);
  expect(JSON.stringify(auth)).not.toContain(secret);
  expect(JSON.stringify({ auth })).toBe(JSON.stringify({ auth: auth.describe() }));
  expect(auth.describe()).not.toContain(secret);
  expect(Object.values(auth).join(" ")).not.toContain(secret);
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function failure(promise: unknown): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** The error `fn` throws (fails the test when it returns). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}
