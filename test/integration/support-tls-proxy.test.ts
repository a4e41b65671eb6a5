import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { opensslMissing, prometheusMissing } from "../support/binaries.ts";
import { makeCertificates, type TestCertificates } from "../support/certs.ts";
import { httpRequest } from "../support/http.ts";
import { type RbacProxy, startRbacProxy } from "../support/rbacProxy.ts";
import * as stub from "../support/stubServer.ts";

/** The test certificates, and the kube-rbac-proxy emulation (with TLS, tokens, verbs, tenancy). */

describe.skipIf(opensslMissing)("certificates", () => {
  let certs: TestCertificates;
  beforeAll(async () => {
    certs = await makeCertificates();
  });

  it("are memoised per process", async () => {
    expect(await makeCertificates()).toBe(certs);
  });

  it.each([
    ["server", undefined],
    ["foreignServer", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
    ["wrongNameServer", "ERR_TLS_CERT_ALTNAME_INVALID"],
    ["expiredServer", "CERT_HAS_EXPIRED"],
  ] as const)("%s is judged by a client trusting the test CA: %s", async (name, code) => {
    const proxy = await startRbacProxy({ upstream: "http://127.0.0.1:9", tokens: {}, tls: certs[name] });
    try {
      const answer = httpRequest(proxy.url, { tls: { ca: certs.ca.cert } });
      if (code === undefined) expect((await answer).status).toBe(401);
      else await expect(answer).rejects.toMatchObject({ code });
    } finally {
      await proxy.close();
    }
  });
});

describe("kube-rbac-proxy emulation", () => {
  let upstream: stub.StubServer;
  let proxy: RbacProxy;
  let tenancy: RbacProxy;
  beforeAll(async () => {
    // The upstream echoes what it received, so forwarding is checked field by field.
    upstream = await stub.startStubServer(stub.echo());
    const tokens = { reader: { user: "reader", verbs: ["get" as const] } };
    proxy = await startRbacProxy({ upstream: `${upstream.url}/prefix/`, tokens });
    tenancy = await startRbacProxy({ upstream: upstream.url, tokens, tenancy: true });
  });
  afterAll(async () => {
    await Promise.all([proxy?.close(), tenancy?.close(), upstream?.close()]);
  });
  const form = "application/x-www-form-urlencoded";
  /** One request with an optional bearer token; a body makes it a form POST. */
  const call = (url: string, token?: string, body?: string) =>
    httpRequest(url, {
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": form } : {}),
      },
      ...(body === undefined ? {} : { method: "POST", body }),
    });

  it("answers 401 to a missing or unknown token, 403 to a POST without create", async () => {
    for (const token of [undefined, "nope"]) {
      const res = await call(`${proxy.url}/api/v1/query`, token);
      expect([res.status, res.headers["content-type"], res.body]).toEqual([
        401,
        "text/plain; charset=utf-8",
        "Unauthorized\n",
      ]);
    }
    const post = await call(`${proxy.url}/api/v1/query`, "reader", "query=up");
    const forbidden = "Forbidden (user=reader, verb=create, resource=prometheuses, subresource=api)\n";
    expect([post.status, post.body]).toEqual([403, forbidden]);
  });

  it("forwards method, path, query, body and content-type, but not the token", async () => {
    proxy.allow("writer", { user: "writer", verbs: ["get", "create"] });
    const echoed = JSON.parse((await call(`${proxy.url}/api/v1/query?x=1`, "writer", "query=up")).body);
    expect(echoed).toMatchObject({ method: "POST", url: "/prefix/api/v1/query?x=1", body: "query=up" });
    expect(echoed.headers).toMatchObject({ "content-type": form });
    expect(echoed.headers.authorization).toBeUndefined();
    proxy.revoke("writer");
    expect((await call(`${proxy.url}/api/v1/query`, "writer")).status).toBe(401);
    const last = { method: "GET", path: "/api/v1/query", search: "", authorization: true, status: 401 };
    expect(proxy.requests.at(-1)).toEqual(last);
  });

  it("in tenancy mode wants a namespace parameter, refuses POST, and limits namespaces", async () => {
    const missing = await call(`${tenancy.url}/api/v1/query?query=up`, "reader");
    const malformed = "Bad Request. The request or configuration is malformed.\n";
    expect([missing.status, missing.body]).toEqual([400, malformed]);
    expect((await call(`${tenancy.url}/api/v1/query?namespace=team-a`, "reader", "query=up")).status).toBe(
      405,
    );
    const ok = await call(`${tenancy.url}/api/v1/query?namespace=team-a&query=up`, "reader");
    expect([ok.status, JSON.parse(ok.body).url]).toEqual([200, "/api/v1/query?namespace=team-a&query=up"]);
    tenancy.allow("a-only", { user: "a", verbs: ["get"], namespaces: ["team-a"] });
    expect((await call(`${tenancy.url}/api/v1/query?namespace=team-b`, "a-only")).status).toBe(403);
  });

  it.skipIf(prometheusMissing)("forwards a form POST query to the shared Prometheus", async () => {
    const tokens = { t: { user: "u", verbs: ["create" as const] } };
    const real = await startRbacProxy({ upstream: inject("prometheusUrl") ?? "", tokens });
    try {
      const res = await call(`${real.url}/api/v1/query`, "t", "query=vector(42)");
      expect(JSON.parse(res.body).data.result[0].value[1]).toBe("42");
    } finally {
      await real.close();
    }
  });
});
