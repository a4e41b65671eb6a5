import { parser } from "@prometheus-io/lezer-promql";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeLabelValue, InvalidArgumentError, type Matchers, selector } from "../../src/index.ts";

/** Whether the PromQL grammar of Prometheus' own UI (lezer-promql) parses `text` without an error node. */
function parses(text: string): boolean {
  let ok = true;
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError) ok = false;
    },
  });
  return ok;
}

/**
 * Reads a PromQL double-quoted string body back, the way Go's strconv.Unquote does for the escapes
 * PromQL allows; throws on anything Prometheus' lexer refuses (raw newline, raw U+FFFD, bad escape).
 */
function unquote(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\n") throw new Error("raw newline");
    if (c === "\ufffd") throw new Error("raw U+FFFD reads as invalid UTF-8");
    if (c === '"') throw new Error("unescaped quote");
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === "u") {
      out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new Error(`unknown escape \\${e}`);
  }
  return out;
}

describe("escapeLabelValue", () => {
  it("escapes backslash, double quote and newline, and nothing printable else", () => {
    expect(escapeLabelValue('a"b')).toBe('a\\"b');
    expect(escapeLabelValue("a\\b")).toBe("a\\\\b");
    expect(escapeLabelValue("a\nb")).toBe("a\\nb");
    expect(escapeLabelValue("it's 日本 🚀 $1 {x} `y`")).toBe("it's 日本 🚀 $1 {x} `y`");
    expect(escapeLabelValue("")).toBe("");
  });

  it("escapes other control characters, and U+FFFD which Prometheus' lexer reads as invalid UTF-8", () => {
    expect(escapeLabelValue("\r\t")).toBe("\\r\\t");
    expect(escapeLabelValue("\u0000\u001f\u007f")).toBe("\\u0000\\u001f\\u007f");
    expect(escapeLabelValue("\ufffd")).toBe("\\ufffd");
  });

  it("writes a lone UTF-16 surrogate as U+FFFD (it cannot travel as UTF-8); pairs stay", () => {
    expect(escapeLabelValue("a\ud800b\udc00")).toBe("a\\ufffdb\\ufffd");
    expect(escapeLabelValue("\ud83d\ude80")).toBe("🚀");
  });

  it("round-trips any string through a Go-style unquote, and the result always parses", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.string({ unit: "binary-ascii" }),
        (a, b) => {
          const value = a + b;
          expect(unquote(escapeLabelValue(value))).toBe(value);
          expect(parses(`up{x="${escapeLabelValue(value)}"}`)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses a value that is not a string", () => {
    expect(() => escapeLabelValue(42 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe("selector", () => {
  it("builds the selector of the issue's example", () => {
    expect(selector("http_requests_total", { namespace: 'a"b', job: /api-.*/, code: { ne: "500" } })).toBe(
      'http_requests_total{namespace="a\\"b",job=~"(?-s)api-.*",code!="500"}',
    );
  });

  it("writes every operator", () => {
    expect(selector("m", { a: { eq: "1" }, b: { ne: "2" }, c: { re: "x|y" }, d: { nre: /z+/ } })).toBe(
      'm{a="1",b!="2",c=~"x|y",d!~"z+"}',
    );
    expect(selector("m", { e: { re: /q/ } })).toBe('m{e=~"q"}');
  });

  it("escapes regular expressions as strings and carries the i, m and s flags inline", () => {
    expect(selector("m", { path: /\/api\/v\d+/ })).toBe('m{path=~"\\\\/api\\\\/v\\\\d+"}');
    expect(selector("m", { a: /x/i, b: /y/gms, c: /z/uy })).toBe('m{a=~"(?i)x",b=~"(?ms)y",c=~"z"}');
    // A "." matches a newline on Prometheus 3 unless (?-s) says otherwise; escaped or in a
    // class it is a plain dot and needs nothing.
    expect(selector("m", { a: /a.b/, b: /a.b/i, c: /a\.b/, d: /[.]x/, e: /[\].]./ })).toBe(
      String.raw`m{a=~"(?-s)a.b",b=~"(?i-s)a.b",c=~"a\\.b",d=~"[.]x",e=~"(?-s)[\\].]."}`,
    );
  });

  it("quotes metric and label names that are not legacy identifiers (Prometheus 3)", () => {
    expect(selector("my.metric", { "label.name": "v" })).toBe('{"my.metric","label.name"="v"}');
    expect(selector("my.metric")).toBe('{"my.metric"}');
    expect(selector({ "service.name": "checkout", "a:b": "x", "1st": "y", 'q"uote': "z" })).toBe(
      '{"service.name"="checkout","a:b"="x","1st"="y","q\\"uote"="z"}',
    );
    expect(selector("ünïcödé", { 日本: "1" })).toBe('{"ünïcödé","日本"="1"}');
  });

  it("keeps legacy names bare: colons in metric names, keywords as label names", () => {
    expect(selector("job:requests:rate5m")).toBe("job:requests:rate5m");
    expect(selector("up", { by: "x", on: "y", __name__: "up" })).toBe('up{by="x",on="y",__name__="up"}');
  });

  it("writes a metric named like a PromQL keyword as a __name__ matcher", () => {
    expect(selector("sum", { job: "x" })).toBe('{__name__="sum",job="x"}');
    expect(selector("Inf")).toBe('{__name__="Inf"}');
    expect(selector("bool")).toBe('{__name__="bool"}');
    expect(parses(selector("offset", { a: "b" }))).toBe(true);
    expect(selector("constructor")).toBe('{__name__="constructor"}');
  });

  it("leaves out undefined matchers and takes matchers without a metric", () => {
    const ns: string | undefined = undefined;
    expect(selector("up", { namespace: ns, job: "api" })).toBe('up{job="api"}');
    expect(selector("up", { namespace: ns })).toBe("up");
    expect(selector(undefined, { job: "api" })).toBe('{job="api"}');
  });

  it("always produces PromQL that parses, for any names and values", () => {
    const name = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        name,
        fc.dictionary(name, fc.string({ unit: "grapheme", maxLength: 12 }), { minKeys: 1, maxKeys: 4 }),
        (metric, labels) => {
          const text = selector(metric, labels as Matchers);
          expect(parses(text)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses selectors that select nothing and matchers it cannot write, naming the argument", () => {
    const bad: Array<() => string> = [
      () => selector(undefined, {}),
      () => selector({}),
      () => selector("up", { "": "x" }),
      () => selector("up", { a: { eq: 1 } as unknown as string }),
      () => selector("up", { a: { eq: "1", ne: "2" } as unknown as string }),
      () => selector("up", { a: { like: "x" } as unknown as string }),
      () => selector("up", { a: 5 as unknown as string }),
      () => selector("up", { a: { re: 5 } as unknown as string }),
      () => selector("up", ["x"] as unknown as Matchers),
    ];
    for (const call of bad) {
      const error = (() => {
        try {
          call();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe("matchers");
    }
    expect(() => selector("")).toThrow(expect.objectContaining({ argument: "metric" }));
  });
});
