import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { normalizeClientOptions } from "../../src/client/options.ts";
import {
  InvalidArgumentError,
  noAuth,
  PrometheusClient,
  type PrometheusClientOptions,
  silentLogger,
  TimeoutError,
  VERSION,
} from "../../src/index.ts";
import { DEFAULT_RETRY } from "../../src/transport/retry.ts";
import { makeClient, mockPrometheus, QUERY_URL, record, rejection, type SeenRequest } from "./promMock.ts";

const server = mockPrometheus();

/** Expects the constructor to refuse `options`, naming `argument`; returns the message. */
function refused(options: unknown, argument: string): string {
  try {
    new PrometheusClient(options as PrometheusClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    return (error as Error).message;
  }
  throw new Error(`expected the options to be refused for ${argument}`);
}

describe("defaults", () => {
  it("fills in every default from just a url", () => {
    const o = normalizeClientOptions({ url: "http://127.0.0.1:9090" });
    expect(o).toMatchObject({
      timeoutMs: 30_000,
      retry: DEFAULT_RETRY,
      maxResponseBytes: 256 * 1024 * 1024,
      maxPointsPerSeries: 11_000,
      followCrossOriginRedirects: false,
      maxRedirects: 5,
      userAgent: `promfleet/${VERSION}`,
      logger: silentLogger,
      headers: [],
      cluster: undefined,
    });
    expect(o.url.href).toBe("http://127.0.0.1:9090/");
    expect(o.auth.type).toBe("none");
  });

  it("retry: false, a number, or a partial policy", () => {
    expect(normalizeClientOptions({ url: "http://x", retry: false }).retry.limit).toBe(0);
    expect(normalizeClientOptions({ url: "http://x", retry: 5 }).retry).toEqual({
      ...DEFAULT_RETRY,
      limit: 5,
    });
    expect(normalizeClientOptions({ url: "http://x", retry: { maxRetryAfterMs: 1_000 } }).retry).toEqual({
      ...DEFAULT_RETRY,
      maxRetryAfterMs: 1_000,
    });
  });
});

describe("the url", () => {
  it.each([
    [undefined, "url must be a string"],
    [42, "url must be a string"],
    ["", "not a valid absolute URL"],
    ["prometheus:9090/api", "must use http: or https: (it does not start with http:// or https://)"],
    // Text before a colon may be a secret in the wrong field: not quoted.
    ["admin:s3cret@host", "must use http: or https: (it does not start with http:// or https://)"],
    ["/api/v1", "not a valid absolute URL"],
    ["ftp://host/", "must use http: or https:, not ftp:"],
  ])("%o is refused", (url, message) => {
    expect(refused({ url }, "url")).toContain(message);
  });

  it("with credentials is refused without echoing the password", () => {
    const message = refused({ url: "https://admin:hunter2-s3cret@prom.example:9090/" }, "url");
    expect(message).toContain("basicAuth");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("admin");
    expect(refused({ url: new URL("https://user@prom.example") }, "url")).not.toContain("user@");
  });

  it("an options value that is no object is refused", () => {
    refused(undefined, "options");
    refused("http://x", "options");
  });
});

describe("numbers and switches", () => {
  it.each([
    [{ timeout: 0 }, "timeout"],
    [{ timeout: -5 }, "timeout"],
    [{ timeout: Number.NaN }, "timeout"],
    [{ timeout: "30s" }, "timeout"],
    [{ timeout: 2 ** 31 }, "timeout"],
    [{ retry: -1 }, "retry"],
    [{ retry: 1.5 }, "retry"],
    [{ retry: true }, "retry"],
    [{ retry: { limits: 3 } }, "retry.limits"],
    [{ maxResponseBytes: 0 }, "maxResponseBytes"],
    [{ maxPointsPerSeries: 10.5 }, "maxPointsPerSeries"],
    [{ maxRedirects: -1 }, "maxRedirects"],
    [{ followCrossOriginRedirects: "yes" }, "followCrossOriginRedirects"],
    [{ userAgent: "" }, "userAgent"],
    [{ cluster: 7 }, "cluster"],
    [{ logger: console.log }, "logger"],
    [{ logger: { info() {} } }, "logger"],
    [{ auth: "token" }, "auth"],
    [{ auth: { apply() {} } }, "auth"],
    [{ tls: { ca: 1 } }, "tls.ca"],
    [{ tls: { ca: [] } }, "tls.ca"],
    [{ tls: { ca: ["/etc/ca.crt", 1] } }, "tls.ca[1]"],
    // An empty string would silently mean no CA (the system's) or no client certificate.
    [{ tls: { ca: [""] } }, "tls.ca[0]"],
    [{ tls: { ca: "" } }, "tls.ca"],
    [{ tls: { cert: "", key: "" } }, "tls.cert"],
  ])("%o is refused, naming the option", (extra, argument) => {
    refused({ url: "http://x", ...extra }, argument);
  });

  it("says in words what a TLS option wants", () => {
    expect(refused({ url: "http://x", tls: { ca: 5 } }, "tls.ca")).toBe(
      "tls.ca must be a file path or PEM text, or a non-empty list of them",
    );
    expect(refused({ url: "http://x", tls: { ca: [] } }, "tls.ca")).toBe("tls.ca must be a non-empty list");
    expect(refused({ url: "http://x", tls: { ca: [""] } }, "tls.ca[0]")).toBe(
      "tls.ca[0] must be a file path or PEM text, not empty",
    );
  });

  it("an unknown key, at the top or in retry or tls, says so", () => {
    expect(refused({ url: "http://x", tls: { insecure: true } }, "tls.insecure")).toBe(
      "tls.insecure is not a known option",
    );
    expect(refused({ url: "http://x", retry: { limt: 1 } }, "retry.limt")).toBe(
      "retry.limt is not a known option",
    );
    expect(refused({ url: "http://x", timout: 5_000 }, "timout")).toBe("timout is not a known option");
  });

  it("a deadline beyond a timer's range would time out at once, so it is refused (2^31 - 1 is fine)", async () => {
    server.use(record(QUERY_URL, []));
    const r = await makeClient({ timeout: 2 ** 31 - 1 }).query("up");
    expect(r.data.resultType).toBe("vector");
    const error = await rejection(makeClient().query("up", { timeout: 3e9 }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).not.toBeInstanceOf(TimeoutError);
  });
});

describe("headers", () => {
  const secret = "Bearer s3cr3t-value";

  it.each([
    [{ "X-Token": `${secret}\r\nX-Injected: 1` }, "control characters"],
    [{ "X-Token": `${secret}\u0000` }, "control characters"],
    [{ "X-Token": `${secret}日本` }, "other than Latin-1"],
    [{ "Bad Name": secret }, '"Bad Name" is not a valid header name'],
    [{ "": secret }, "not a valid header name"],
    [{ Expect: secret }, '"Expect" is a header fetch refuses to send'],
    [{ upgrade: secret }, '"upgrade" is a header fetch refuses to send'],
    [{ "Keep-Alive": secret }, '"Keep-Alive" is a header fetch refuses to send'],
  ])("%j is refused without echoing the value", (headers, message) => {
    const text = refused({ url: "http://x", headers }, "headers");
    expect(text).toContain(message);
    expect(text).not.toContain("s3cr3t");
  });

  it("a non-string header value is refused without echoing it", () => {
    const text = refused({ url: "http://x", headers: { "X-Token": 12345 } }, "headers.X-Token");
    expect(text).not.toContain("12345");
  });

  it("tabs and Latin-1 are valid header values and are sent", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    await makeClient({ headers: { "X-Team": "caf\u00e9\tbar" } }).query("up");
    expect(log[0]?.headers.get("x-team")).toBe("caf\u00e9\tbar");
  });

  it("a userAgent with a line break is refused", () => {
    expect(refused({ url: "http://x", userAgent: "me\r\nX-Evil: 1" }, "userAgent")).toContain(
      "control characters",
    );
  });
});

describe("nothing secret shows", () => {
  it("util.inspect and JSON.stringify of the client show no header value", () => {
    const client = new PrometheusClient({
      url: "http://prom.example:9090/prometheus",
      headers: { Authorization: "Bearer s3cr3t-token", "X-Api-Key": "k3y-s3cr3t" },
      cluster: "east",
      auth: noAuth(),
    });
    const shown = [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), String(client)];
    for (const text of shown) {
      expect(text).not.toContain("s3cr3t");
    }
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      url: "http://prom.example:9090/prometheus/",
      cluster: "east",
      auth: "none",
      timeoutMs: 30_000,
    });
    expect(client.cluster).toBe("east");
    expect(shown[0]).toMatch(/^PrometheusClient \{/);
  });
});

describe("headers named like Object's own properties", () => {
  it("are sent, not dropped, and checked like any other", async () => {
    const log: SeenRequest[] = [];
    server.use(record(QUERY_URL, log));
    const headers = JSON.parse('{"constructor": "c", "prototype": "p", "__proto__": "x"}') as Record<
      string,
      string
    >;
    await makeClient({ headers }).query("up");
    expect(log[0]?.headers.get("constructor")).toBe("c");
    expect(log[0]?.headers.get("prototype")).toBe("p");
    refused({ url: "http://x", headers: JSON.parse('{"__proto__": 1}') }, "headers.__proto__");
  });
});
