import { describe, expect, it } from "vitest";
import { addedValues, credentialFragments, maskEchoed } from "../../src/transport/echoedSecrets.ts";

describe("credentials echoed by a server", () => {
  it("masks the header value, the token after its scheme, and Basic's decoded password", () => {
    const basic = `Basic ${Buffer.from("admin:hunter2-pw").toString("base64")}`;
    const fragments = [...credentialFragments("Bearer tok-123456"), ...credentialFragments(basic)];
    const text = [
      "Authorization: Bearer tok-123456",
      "token tok-123456 expired",
      `Authorization: ${basic}`,
      "user admin:hunter2-pw refused",
      "password hunter2-pw",
    ].join("\n");
    expect(maskEchoed(text, fragments)).toBe(
      [
        "Authorization: ***",
        "token *** expired",
        "Authorization: ***",
        "user *** refused",
        "password ***",
      ].join("\n"),
    );
  });

  it("leaves fragments under 4 characters alone, so a short password does not blank out words", () => {
    expect(credentialFragments(`Basic ${Buffer.from("u:abc").toString("base64")}`)).toEqual([
      "Basic dTphYmM=",
      "dTphYmM=",
      "u:abc",
    ]);
    expect(maskEchoed("abc def", credentialFragments("abc"))).toBe("abc def");
  });

  it("takes only what the strategy added to the headers", () => {
    const headers = new Headers({ accept: "application/json", "x-scope-orgid": "tenant-a" });
    const before = new Map(headers);
    headers.set("authorization", "Bearer added-token");
    headers.set("x-api-key", "key-0001");
    expect(addedValues(before, headers)).toEqual(["Bearer added-token", "key-0001"]);
  });
});
