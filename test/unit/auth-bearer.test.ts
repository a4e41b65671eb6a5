import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { fingerprint } from "../../src/auth/fingerprint.ts";
import { providerSecret } from "../../src/auth/tokenProvider.ts";
import { bearerAuth, InvalidArgumentError } from "../../src/index.ts";
import { expectHidden, failure, SECRET, sent, thrown } from "./authHelpers.ts";

/** bearerAuth with a fixed token or a token provider: what it sends, renews, and never shows. */

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

  it("renews a token shortly before the expiry it returned, beside the calls that still send it", async () => {
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
    expect(calls).toBe(1);
    clock += 2_000;
    // Due for renewal but valid for 9 s more: sent at once, the renewal runs beside the call.
    expect(await source.get(signal)).toBe("t1");
    await new Promise((resolve) => setTimeout(resolve, 0));
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
