import { describe, expect, it } from "vitest";
import { providerSecret } from "../../src/auth/tokenProvider.ts";
import { bearerAuth } from "../../src/index.ts";

describe("provider renewal while the token endpoint is down", () => {
  it("does not call a failing provider on every request during the renewal window", async () => {
    let clock = 0;
    let fail = false;
    let calls = 0;
    const source = providerSecret(
      () => {
        calls++;
        if (fail) throw new Error("token endpoint down");
        return { token: "t1", expiresAt: clock + 600_000 };
      },
      () => clock,
    );
    const signal = new AbortController().signal;
    expect(await source.get(signal)).toBe("t1");
    fail = true;
    clock = 575_000; // inside the 30 s renewal window, token still valid for 25 s
    // 100 sequential requests within the same millisecond-ish window
    for (let i = 0; i < 100; i++) {
      expect(await source.get(signal)).toBe("t1");
      clock += 10;
    }
    // A failed renewal should be retried with some backoff, not once per request.
    expect(calls - 1).toBeLessThanOrEqual(5);
  });
});

describe("secret passed where a path belongs is not quoted", () => {
  const OPENSHIFT = "sha256~Xk3PqZ7vN2mB8wR4tY6uI0oL5aS9dF1gH3jK7lQ2eW8";
  it("OpenShift sha256~ token given as tokenFile: not shown in describe() / error", async () => {
    const auth = bearerAuth({ tokenFile: OPENSHIFT });
    expect(auth.describe()).not.toContain(OPENSHIFT.slice(7));
    const headers = new Headers();
    let message = "";
    try {
      await auth.apply({ headers, url: new URL("https://p.test/"), signal: new AbortController().signal });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toBe("");
    expect(message).not.toContain(OPENSHIFT.slice(7));
  });
  it("a base64url token (with - or _) given as tokenFile is not shown", () => {
    const tok = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    expect(bearerAuth({ tokenFile: tok }).describe()).not.toContain(tok);
  });
});

describe("provider renewal that hangs while the current token is still valid", () => {
  it("keeps serving the still-valid token instead of blocking every call on the renewal", async () => {
    let clock = 0;
    let hang = false;
    const source = providerSecret(
      () => (hang ? new Promise<never>(() => {}) : { token: "t1", expiresAt: clock + 600_000 }),
      () => clock,
    );
    expect(await source.get(new AbortController().signal)).toBe("t1");
    hang = true;
    clock = 575_000; // renewal window: t1 is valid for another 25 s
    const signal = AbortSignal.timeout(300); // the call's deadline
    let outcome: string;
    try {
      outcome = await source.get(signal);
    } catch (e) {
      outcome = `rejected: ${(e as Error).name}`;
    }
    expect(outcome).toBe("t1");
  });
});

describe("a provider call that never settles", () => {
  it("is given up on after its timeout, and the provider is asked again", async () => {
    let calls = 0;
    const source = providerSecret(
      () => {
        calls++;
        // The first call hangs (a token endpoint that accepted the connection and says nothing).
        return calls === 1 ? new Promise<never>(() => {}) : "t2";
      },
      Date.now,
      50,
    );
    const signal = new AbortController().signal;
    await expect(source.get(signal)).rejects.toThrow("the token provider did not answer within 0.05 s");
    // Not shared with every later call for ever: a new call asks the provider again.
    expect(await source.get(signal)).toBe("t2");
    expect(calls).toBe(2);
    expect(await source.identity()).toBe("t2");
  });
});
