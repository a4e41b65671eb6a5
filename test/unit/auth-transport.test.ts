import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  type AuthRequest,
  type AuthStrategy,
  basicAuth,
  TimeoutError,
} from "../../src/index.ts";
import { scratchDir } from "./authFiles.ts";
import {
  goText,
  makeClient,
  mockPrometheus,
  QUERY_URL,
  record,
  rejection,
  type SeenRequest,
} from "./promMock.ts";

const server = mockPrometheus();
const dir = scratchDir("auth-transport");

function strategy(parts: Partial<AuthStrategy>): AuthStrategy {
  return {
    type: "custom",
    apply() {},
    identity: () => "custom",
    describe: () => "custom",
    ...parts,
  } as AuthStrategy;
}

/**
 * Queries with a strategy built around `slow` (a wait that ignores the call's signal, released
 * only after 3 s): the call must still end by its 200 ms deadline.
 */
async function expectEndsByDeadline(parts: (slow: Promise<void>) => Partial<AuthStrategy>): Promise<void> {
  let release!: () => void;
  const slow = new Promise<void>((resolve) => {
    release = resolve;
  });
  const client = makeClient({ timeout: 200, auth: strategy(parts(slow)) });
  const started = performance.now();
  const timer = setTimeout(release, 3_000);
  const error = await rejection(client.query("up"));
  const elapsed = performance.now() - started;
  clearTimeout(timer);
  release();
  expect(error).toBeInstanceOf(TimeoutError);
  expect(elapsed).toBeLessThan(1_500);
}

describe("deadline vs auth strategies", () => {
  it("a custom strategy whose apply ignores the signal does not hold the call past its deadline", async () => {
    server.use(record(QUERY_URL, []));
    await expectEndsByDeadline((slow) => ({
      async apply(request: AuthRequest) {
        await slow; // e.g. a token endpoint fetch with its own 10 s timeout (examples/custom-auth.ts)
        request.headers.set("authorization", "Bearer t");
      },
    }));
  });

  it("a custom strategy whose refresh ignores the signal does not hold the call past its deadline", async () => {
    server.use(record(QUERY_URL, [], () => goText(401, "Unauthorized")));
    await expectEndsByDeadline((slow) => ({
      async refresh() {
        await slow;
        return true;
      },
    }));
  });
});

describe("secrets in errors", () => {
  it("a credential fetch's Headers refusal does not quote the secret in the AuthenticationError", async () => {
    server.use(record(QUERY_URL, []));
    const client = makeClient({
      auth: strategy({
        apply(request: AuthRequest) {
          request.headers.set("authorization", "Bearer TOPSECRET\nX");
        },
      }),
    });
    const error = await rejection(client.query("up"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).not.toContain("TOPSECRET");
    expect(inspect(error)).not.toContain("TOPSECRET");
  });
});

describe("401 replay with an unchanged secret file", () => {
  it("does not replay when the password file did not change (refresh must say 'changed')", async () => {
    const file = join(dir, "password");
    writeFileSync(file, "wrong\n");
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log, () => goText(401, "Unauthorized")));
    const client = makeClient({ auth: basicAuth({ username: "admin", passwordFile: file }) });
    const error = await rejection(client.query("up"));
    expect(error).toBeInstanceOf(AuthenticationError);
    // The same credentials were sent twice: the replay cannot succeed.
    const auths = log.map((r) => r.headers.get("authorization"));
    expect(auths.length, `sent ${JSON.stringify(auths)}`).toBe(1);
  });
});
