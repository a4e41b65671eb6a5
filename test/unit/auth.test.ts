import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../src/auth/fingerprint.ts";
import { providerSecret } from "../../src/auth/tokenProvider.ts";
import {
  type AuthStrategy,
  basicAuth,
  bearerAuth,
  headerAuth,
  InvalidArgumentError,
  noAuth,
} from "../../src/index.ts";
import { projectedVolume, scratchDir } from "./authFiles.ts";

const SECRET = "s3cr3t-TOKEN-4f1c9a";
const dir = scratchDir("auth-unit");

/** Applies `auth` to a fresh request and returns the header it set. */
async function sent(auth: AuthStrategy, name = "authorization", signal = new AbortController().signal) {
  const headers = new Headers();
  await auth.apply({ headers, url: new URL("https://prom.test/api/v1/query"), signal });
  return headers.get(name);
}

/** Asserts that nothing a person or a logger sees of `auth` holds `secret`. */
function expectHidden(auth: AuthStrategy, secret: string) {
  expect(inspect(auth, { showHidden: true, depth: 10 })).not.toContain(secret);
  expect(JSON.stringify(auth)).not.toContain(secret);
  expect(JSON.stringify({ auth })).toBe(JSON.stringify({ auth: auth.describe() }));
  expect(auth.describe()).not.toContain(secret);
  expect(Object.values(auth).join(" ")).not.toContain(secret);
}

/** The rejection of `promise` (fails the test when it resolves). */
async function failure(promise: unknown): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("noAuth", () => {
  it("adds nothing and describes itself", async () => {
    const auth = noAuth();
    expect(await sent(auth)).toBeNull();
    expect(auth.identity()).toBe("none");
    expect(JSON.stringify(auth)).toBe('"none"');
    expect(inspect(auth)).toBe("AuthStrategy none");
    expect(auth.refresh).toBeUndefined();
  });
});

describe("bearerAuth with a fixed token", () => {
  it("sends it, hides it, and has nothing to refresh", async () => {
    const auth = bearerAuth({ token: SECRET });
    expect(auth.type).toBe("bearer");
    expect(await sent(auth)).toBe(`Bearer ${SECRET}`);
    expect(auth.describe()).toBe("bearer(token)");
    expect(inspect(auth)).toBe("AuthStrategy bearer(token)");
    expectHidden(auth, SECRET);
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(false);
  });

  it("gives different identities to different tokens, equal ones to equal tokens", async () => {
    const a = await bearerAuth({ token: "token-a" }).identity();
    const b = await bearerAuth({ token: "token-b" }).identity();
    expect(a).not.toBe(b);
    expect(await bearerAuth({ token: "token-a" }).identity()).toBe(a);
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });

  it("refuses bad options naming them, never quoting the token", () => {
    for (const [options, argument] of [
      [{}, "bearerAuth"],
      [{ token: "a", tokenFile: "/x" }, "bearerAuth"],
      [undefined, "bearerAuth"],
      [{ token: 42 }, "token"],
      [{ token: "" }, "token"],
      [{ token: `${SECRET} with space` }, "token"],
      [{ token: `${SECRET}\r\nX-Injected: 1` }, "token"],
      [{ tokenFile: "" }, "tokenFile"],
    ] as const) {
      const error = thrown(() => bearerAuth(options as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect(error.message).not.toContain(SECRET);
    }
  });
});

describe("bearerAuth with a provider", () => {
  it("calls it only when a token is needed, once for concurrent requests, and keeps the token", async () => {
    let calls = 0;
    let release: (token: string) => void = () => {};
    const auth = bearerAuth({
      token: () => {
        calls++;
        return new Promise<string>((resolve) => {
          release = resolve;
        });
      },
    });
    expect(calls).toBe(0);
    const pending = [sent(auth), sent(auth), sent(auth)];
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(1);
    release(SECRET);
    expect(await Promise.all(pending)).toEqual(Array(3).fill(`Bearer ${SECRET}`));
    expect(await sent(auth)).toBe(`Bearer ${SECRET}`);
    expect(calls).toBe(1);
    expect(auth.describe()).toBe("bearer(provider)");
    expectHidden(auth, SECRET);
  });

  it("asks again after a 401 of a call that used the current token, not for one that used an older token", async () => {
    let calls = 0;
    const auth = bearerAuth({ token: async () => `token-${++calls}` });
    const first = new AbortController().signal;
    expect(await sent(auth, "authorization", first)).toBe("Bearer token-1");
    expect(await auth.refresh?.({ signal: first })).toBe(true);
    const second = new AbortController().signal;
    expect(await sent(auth, "authorization", second)).toBe("Bearer token-2");
    // A late 401 for the call that sent token-1: token-2 is kept and the replay uses it.
    expect(await auth.refresh?.({ signal: first })).toBe(true);
    expect(await sent(auth)).toBe("Bearer token-2");
    expect(calls).toBe(2);
    // An unknown call (no apply seen) drops the token, to be safe.
    expect(await auth.refresh?.({ signal: new AbortController().signal })).toBe(true);
    expect(await sent(auth)).toBe("Bearer token-3");
  });

  it("renews a token shortly before the expiry it returned", async () => {
    let clock = 1_000_000;
    let calls = 0;
    const source = providerSecret(
      () => ({ token: `t${++calls}`, expiresAt: new Date(clock + 100_000) }),
      () => clock,
    );
    const signal = new AbortController().signal;
    expect(await source.get(signal)).toBe("t1");
    clock += 89_000; // the margin is a tenth of the lifetime: renewal at 90 s
    expect(await source.get(signal)).toBe("t1");
    clock += 2_000;
    expect(await source.get(signal)).toBe("t2");
    expect(calls).toBe(2);
  });

  it("keeps an unexpired token when renewing it fails, and reports the failure once it expired", async () => {
    let clock = 0;
    let fail = false;
    const source = providerSecret(
      () => {
        if (fail) throw new Error("token endpoint down");
        return { token: "t1", expiresAt: clock + 600_000 };
      },
      () => clock,
    );
    const signal = new AbortController().signal;
    expect(await source.get(signal)).toBe("t1");
    fail = true;
    clock = 590_000; // past the 30 s renewal margin, not yet expired
    expect(await source.get(signal)).toBe("t1");
    clock = 600_001;
    const error = await failure(source.get(signal));
    expect(error.message).toBe("the token provider failed: token endpoint down");
  });

  it("reports a failing or malformed provider without quoting what it returned", async () => {
    const cases: Array<[() => unknown, string]> = [
      [
        () => {
          throw new Error("boom");
        },
        "the token provider failed: boom",
      ],
      [() => Promise.reject("plain"), "the token provider failed: plain"],
      [() => 42, "the token provider returned neither a string nor { token }"],
      [() => null, "the token provider returned neither a string nor { token }"],
      [() => ({ token: "" }), "the token provider returned a token that is empty"],
      [() => `${SECRET}\n`, "the token provider returned a token that holds spaces, control"],
      [
        () => ({ token: SECRET, expiresAt: "soon" }),
        "the token provider returned an expiresAt that is not a date",
      ],
    ];
    for (const [provider, message] of cases) {
      const auth = bearerAuth({ token: provider as never });
      const error = await failure(sent(auth));
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it("lets a caller stop waiting without cancelling the shared call", async () => {
    let release: (token: string) => void = () => {};
    const auth = bearerAuth({ token: () => new Promise<string>((r) => (release = r)) });
    const aborted = new AbortController();
    const waiting = sent(auth, "authorization", aborted.signal);
    const patient = sent(auth);
    aborted.abort(new Error("caller gave up"));
    expect((await failure(waiting)).message).toBe("caller gave up");
    release(SECRET);
    expect(await patient).toBe(`Bearer ${SECRET}`);
    const already = new AbortController();
    already.abort(new Error("too late"));
    const fresh = bearerAuth({ token: async () => SECRET });
    expect((await failure(sent(fresh, "authorization", already.signal))).message).toBe("too late");
  });

  it("has the token as identity, or something unique when the provider fails", async () => {
    expect(await bearerAuth({ token: async () => "abc" }).identity()).toBe("abc");
    const broken = () =>
      bearerAuth({
        token: () => {
          throw new Error("down");
        },
      });
    const a = await broken().identity();
    const b = await broken().identity();
    expect(a).toMatch(/^unavailable:/);
    expect(a).not.toBe(b);
  });
});

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

describe("basicAuth", () => {
  it("sends username:password in UTF-8 base64 and hides the password", async () => {
    const auth = basicAuth({ username: "admin", password: `${SECRET}-pässwörd` });
    const header = await sent(auth);
    expect(header).toBe(`Basic ${Buffer.from(`admin:${SECRET}-pässwörd`, "utf8").toString("base64")}`);
    expect(auth.describe()).toBe("basic(username=admin)");
    expectHidden(auth, SECRET);
    expectHidden(auth, header!.slice(6));
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(false);
  });

  it("reads a password file without its trailing newline, re-reading it when it changes", async () => {
    const file = join(dir, "password");
    writeFileSync(file, "pw one \n");
    const auth = basicAuth({ username: "u", passwordFile: file });
    expect(await sent(auth)).toBe(`Basic ${Buffer.from("u:pw one ").toString("base64")}`);
    writeFileSync(file, "pw two\r\n");
    expect(await sent(auth)).toBe(`Basic ${Buffer.from("u:pw two").toString("base64")}`);
    expect(auth.describe()).toBe(`basic(username=u, passwordFile=${file})`);
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(true);
    writeFileSync(file, "bad\u0000pw");
    expect((await failure(sent(auth))).message).toBe(`${file} holds control characters`);
  });

  it("has an identity per user and password", async () => {
    const ids = await Promise.all([
      basicAuth({ username: "a", password: "x" }).identity(),
      basicAuth({ username: "a", password: "y" }).identity(),
      basicAuth({ username: "b", password: "x" }).identity(),
    ]);
    expect(new Set(ids).size).toBe(3);
  });

  it("refuses bad options naming them", () => {
    for (const [options, argument] of [
      [{ password: "p" }, "username"],
      [{ username: "a:b", password: "p" }, "username"],
      [{ username: "a" }, "basicAuth"],
      [{ username: "a", password: "p", passwordFile: "/x" }, "basicAuth"],
      [{ username: "a", passwordFile: 3 }, "passwordFile"],
      [{ username: "a", password: 3 }, "password"],
      [{ username: "a", password: `${SECRET}\n` }, "password"],
    ] as const) {
      const error = thrown(() => basicAuth(options as never));
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect(error.message).not.toContain(SECRET);
    }
  });
});

describe("headerAuth", () => {
  it("sends the header, hides its value, and has an identity per name and value", async () => {
    const auth = headerAuth({ name: "X-API-Key", value: SECRET });
    expect(await sent(auth, "x-api-key")).toBe(SECRET);
    expect(auth.describe()).toBe("header(name=X-API-Key)");
    expectHidden(auth, SECRET);
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(false);
    const ids = await Promise.all([
      auth.identity(),
      headerAuth({ name: "x-api-key", value: SECRET }).identity(),
      headerAuth({ name: "X-Other", value: SECRET }).identity(),
      headerAuth({ name: "X-API-Key", value: "other" }).identity(),
    ]);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it("reads a value file, re-reading it when it changes", async () => {
    const file = join(dir, "api-key");
    writeFileSync(file, "key-1\n");
    const auth = headerAuth({ name: "Authorization", valueFile: file });
    expect(await sent(auth)).toBe("key-1");
    writeFileSync(file, "ApiKey key-2\n");
    expect(await sent(auth)).toBe("ApiKey key-2");
    expect(auth.describe()).toBe(`header(name=Authorization, valueFile=${file})`);
    expect(auth.refresh?.({ signal: new AbortController().signal })).toBe(true);
    writeFileSync(file, "ключ");
    expect((await failure(sent(auth))).message).toContain("characters beyond Latin-1");
  });

  it("refuses bad options naming them, never quoting the value", () => {
    for (const [options, argument] of [
      [{ name: "Bad Name", value: "v" }, "name"],
      [{ name: "Host", value: "v" }, "name"],
      [{ name: "X-Key" }, "headerAuth"],
      [{ name: "X-Key", valueFile: "" }, "valueFile"],
      [{ name: "X-Key", value: 1 }, "value"],
      [{ name: "X-Key", value: "" }, "value"],
      [{ name: "X-Key", value: ` ${SECRET}` }, "value"],
      [{ name: "X-Key", value: `${SECRET}\r\n` }, "value"],
    ] as const) {
      const error = thrown(() => headerAuth(options as never));
      expect((error as InvalidArgumentError).argument).toBe(argument);
      expect(error.message).not.toContain(SECRET);
    }
  });
});
