import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { basicAuth, headerAuth, type InvalidArgumentError, noAuth } from "../../src/index.ts";
import { scratchDir } from "./authFiles.ts";
import { expectHidden, failure, SECRET, sent, thrown } from "./authHelpers.ts";

/** noAuth, basicAuth and headerAuth: what they send, the files they read, and the secrets they hide. */

const dir = scratchDir("auth-basic-header");

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
    writeFileSync(file, "pw three\r\n\r\n"); // an editor's extra blank line
    expect(await sent(auth)).toBe(`Basic ${Buffer.from("u:pw three").toString("base64")}`);
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
      [{ name: "Upgrade", value: "v" }, "name"],
      [{ name: "expect", value: "v" }, "name"],
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
