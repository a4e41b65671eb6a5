import { describe, expect, it } from "vitest";
import { credentialFragments, maskEchoed, staticCredentials } from "../../src/transport/echoedSecrets.ts";
import { describeErrorBody } from "../../src/transport/errorAnswer.ts";

describe("masking", () => {
  it("regex-special credentials are masked literally", () => {
    const tok = "a.b*c+(d)$&[x]?^";
    expect(maskEchoed(`no route for Bearer ${tok} here`, credentialFragments(`Bearer ${tok}`))).toBe(
      "no route for *** here",
    );
    expect(maskEchoed("x $& y $' z", ["$& y $'"])).toBe("x *** z");
  });
  it("empty and whitespace-only credentials are ignored", () => {
    const sent = staticCredentials([
      ["X-Api-Key", ""],
      ["X-Api-Key", "     "],
    ]);
    // Nothing to mask: the text, spaces included, is left as it is.
    expect(maskEchoed("no route for  this     request", sent)).toBe("no route for  this     request");
  });
  it("a long token cut at 512 characters is not half shown", () => {
    const tok = "T".repeat(200) + "secretsecret";
    const body = new TextEncoder().encode(`${"x".repeat(400)} Authorization: Bearer ${tok} trailing`);
    const out = describeErrorBody(502, body, "e", undefined, credentialFragments(`Bearer ${tok}`));
    expect(out.detail).not.toContain("TTTT");
  });
});
